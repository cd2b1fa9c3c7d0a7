import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFirmware, FirmwareBuildError } from '@rpmsg/firmware';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSoc, type Soc, type TraceEvent } from '../index.js';
import { ensureBuilt } from '../test-build.js';
import { buildFixture } from './test-firmware.js';
import { until } from './test-messages.js';

// Doorbell channels raw-commands.c obeys.
const PRINT = 2;
const OUT_OF_BOUNDS = 3;
const ASSERT = 4;
const SPIN = 5;
const EXIT = 6;

let raw: string;
const socs: Soc[] = [];

beforeAll(async () => {
  ensureBuilt();
  raw = await buildFixture('raw-commands.c');
}, 120_000);

afterEach(async () => {
  await Promise.all(socs.splice(0).map((s) => s.stop()));
});

async function boot(options: { watchdog?: number } = {}): Promise<{ soc: Soc; lines: string[] }> {
  const lines: string[] = [];
  const soc = await createSoc({ profile: 'rpmsg-lite', remote: raw, watchdog: options.watchdog ?? 2000 });
  socs.push(soc);
  soc.on('log', (core, line) => lines.push(`${core}: ${line}`));
  return { soc, lines };
}

function nextCrash(soc: Soc): Promise<Error> {
  return new Promise((resolve) => soc.once('crash', resolve));
}

describe('C firmware on a WebAssembly core', () => {
  it("reaches the SoC's log with the core's name: printf output, a line at a time", async () => {
    const { soc, lines } = await boot();
    soc.mailbox.ring('remote', PRINT);
    await until(() => lines.some((l) => l.startsWith('remote: alive at ')));
    expect(lines.find((l) => l.startsWith('remote: alive at '))).toMatch(/^remote: alive at \d+ us$/);
  });

  it('is in the trace too, as a log event naming the core', async () => {
    const soc = await createSoc({ profile: 'rpmsg-lite', remote: raw, trace: true });
    socs.push(soc);
    const logged: TraceEvent[] = [];
    soc.on('trace', (event) => {
      if (event.type === 'log' && event.line.startsWith('alive')) logged.push(event);
    });
    soc.on('log', () => {}); // keeps stdout quiet
    soc.mailbox.ring('remote', PRINT);
    await until(() => logged.length > 0);
    expect(logged[0]).toMatchObject({
      type: 'log',
      from: 'remote',
      line: expect.stringMatching(/^alive at \d+ us$/),
    });
  });

  it('a write outside its memory is a crash naming the C function; the SoC and the process go on', async () => {
    const { soc } = await boot();
    const crash = nextCrash(soc);
    soc.mailbox.ring('remote', OUT_OF_BOUNDS);
    const error = (await crash) as Error & { code: string; cause: Error };
    expect(error.code).toBe('ERR_RPMSG_PEER_GONE');
    expect(error.message).toContain('memory access out of bounds');
    expect(error.message).toContain('in write_sample()');
    expect(error.cause.stack).toContain('at main (firmware)');
    expect(soc.state).toBe('crashed');
    await soc.restart();
    expect(soc.state).toBe('running');
  });

  it('a failed assert() is a crash naming the expression, file, line and function', async () => {
    const { soc } = await boot();
    const crash = nextCrash(soc);
    soc.mailbox.ring('remote', ASSERT);
    const error = await crash;
    expect(error.message).toMatch(
      /failed an assertion: now == 0 && "the test asked for it" \(.*raw-commands\.c:\d+, in main\(\)\)/,
    );
  });

  it('an endless loop without a wait point trips the watchdog', async () => {
    const { soc } = await boot({ watchdog: 300 });
    const crash = nextCrash(soc);
    soc.mailbox.ring('remote', SPIN);
    expect((await crash).message).toContain('watchdog');
  });

  it('exit(n) ends the core with n', async () => {
    const { soc } = await boot();
    const crash = nextCrash(soc);
    soc.mailbox.ring('remote', EXIT);
    expect((await crash).message).toContain('exited with code 5');
  });

  it('restart() instantiates the firmware afresh, 20 times over', async () => {
    const { soc, lines } = await boot();
    for (let i = 0; i < 20; i++) {
      await soc.restart();
      const before = lines.length;
      soc.mailbox.ring('remote', PRINT);
      await until(() => lines.slice(before).some((l) => l.startsWith('remote: alive at ')));
    }
    // Each boot printed its banner: the module's data was initialised again every time.
    expect(lines.filter((l) => l.startsWith('remote: raw firmware up')).length).toBeGreaterThanOrEqual(20);
  });
});

describe('main in either form', () => {
  it('int main(int argc, char **argv) runs with argc 1 and argv[0] "firmware"', async () => {
    const source = join(tmpdir(), 'rpmsg-argv-firmware.c');
    await writeFile(
      source,
      [
        '#include <stdio.h>',
        '#include "rpmsg_soc.h"',
        'static volatile int asked;',
        'static void isr(uint32_t id, void *arg) { (void)id; (void)arg; asked = 1; }',
        'int main(int argc, char **argv)',
        '{',
        '    rpmsg_soc_set_isr(isr, NULL);',
        '    for (;;) {',
        '        rpmsg_soc_wfi(RPMSG_SOC_WAIT_FOREVER);',
        '        if (asked) printf("argc=%d argv0=%s\\n", argc, argv[0]);',
        '        asked = 0;',
        '    }',
        '}',
        '',
      ].join('\n'),
    );
    const built = await buildFirmware({
      sources: [source],
      output: join(tmpdir(), 'rpmsg-argv-firmware.wasm'),
    });
    const soc = await createSoc({ profile: 'rpmsg-lite', remote: built.output as string });
    socs.push(soc);
    const lines: string[] = [];
    soc.on('log', (_core, line) => lines.push(line));
    soc.mailbox.ring('remote', PRINT);
    await until(() => lines.length > 0);
    expect(lines[0]).toBe('argc=1 argv0=firmware');
  });
});

describe('bad firmware input is a typed error, never a hang', () => {
  it('a file that is not a WebAssembly module: ERR_RPMSG_LOAD', async () => {
    const file = join(tmpdir(), 'rpmsg-not-a-module.wasm');
    await writeFile(file, 'this is text, not wasm');
    await expect(createSoc({ remote: file })).rejects.toMatchObject({
      code: 'ERR_RPMSG_LOAD',
      message: expect.stringContaining('is not a WebAssembly module'),
    });
  });

  it('a module that is not a SoC firmware (no memory import, no start-up code): ERR_RPMSG_LOAD', async () => {
    const empty = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    await expect(createSoc({ remote: empty })).rejects.toMatchObject({
      code: 'ERR_RPMSG_LOAD',
      message: expect.stringContaining('does not import its memory'),
    });
  });

  it("a firmware whose data does not fit a core's memory: ERR_RPMSG_LOAD", async () => {
    const big = await buildFixture('too-big.c');
    await expect(createSoc({ remote: big })).rejects.toMatchObject({
      code: 'ERR_RPMSG_LOAD',
      message: expect.stringMatching(/needs \d+ bytes of data/),
    });
  });

  it("a compile error is ERR_RPMSG_BUILD with clang's file:line:column", async () => {
    const source = join(tmpdir(), 'rpmsg-broken-firmware.c');
    await writeFile(source, 'int main(void)\n{\n    return missing_symbol;\n}\n');
    const error = await buildFirmware({ sources: [source], cacheDir: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FirmwareBuildError);
    expect(error).toMatchObject({ code: 'ERR_RPMSG_BUILD' });
    const diagnostics = (error as FirmwareBuildError).diagnostics;
    expect(diagnostics[0]).toMatchObject({ file: source, line: 3, column: 12, severity: 'error' });
    expect((error as Error).message).toContain(
      `${source}:3:12: error: use of undeclared identifier 'missing_symbol'`,
    );
  });

  it('a call to a function no library has is a link error, not a module that fails to load', async () => {
    const source = join(tmpdir(), 'rpmsg-unlinked-firmware.c');
    await writeFile(
      source,
      'void radio_init(void);\nint main(void)\n{\n    radio_init();\n    return 0;\n}\n',
    );
    const error = await buildFirmware({ sources: [source], cacheDir: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_RPMSG_BUILD', message: expect.stringContaining('radio_init') });
  });
});
