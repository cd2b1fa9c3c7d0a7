import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildFirmwareHost, type FirmwareHost, hasCompiler, startFirmwareHost } from '@rpmsg/serial/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The CLI contract of docs/cli.md, checked on the built command exactly as outside tools run it.
const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const bin = join(root, 'packages', 'cli', 'dist', 'bin.js');
const vectors = join(root, '..', 'shared', 'vectors', 'rpmsg-lite');
const scratch = mkdtempSync(join(tmpdir(), 'rpmsg-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function rpmsg(...args: string[]): Promise<Outcome> {
  try {
    const r = await run(process.execPath, [bin, ...args], { cwd: root, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

describe('rpmsg (no or unknown command)', () => {
  it('prints usage and exits 2 on an unknown command', async () => {
    const r = await rpmsg('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(r.stderr).toMatch(/usage: rpmsg/);
  });
});

const vectorSteps = existsSync(vectors)
  ? readdirSync(vectors).flatMap((dir) =>
      readdirSync(join(vectors, dir))
        .filter((f) => f.endsWith('.bin'))
        .map((f) => join(vectors, dir, f.replace(/\.bin$/, ''))),
    )
  : [];

describe.skipIf(vectorSteps.length === 0)('rpmsg inspect on the RPMsg-Lite vectors', () => {
  it.each(vectorSteps)('decodes %s to its .expect.json', async (step) => {
    const r = await rpmsg('inspect', `${step}.bin`, '--layout', `${step}.layout.json`, '--json');
    expect(r.code, r.stderr).toBe(0);
    const { what: _what, ...expected } = JSON.parse(readFileSync(`${step}.expect.json`, 'utf8'));
    expect(JSON.parse(lastLine(r.stdout))).toEqual({ ...expected, problems: [] });
  });

  it('prints a human-readable decode by default', async () => {
    const step = vectorSteps.find((s) => s.endsWith('01-ns-announce'))!;
    const r = await rpmsg('inspect', `${step}.bin`, '--layout', `${step}.layout.json`);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/vq0/);
    expect(r.stdout).toMatch(/rpmsg-tty/);
  });

  it('reports a truncated image as problems, not a crash', async () => {
    const step = vectorSteps.find((s) => s.endsWith('02-hello-pattern'))!;
    const image = readFileSync(`${step}.bin`);
    const cut = join(scratch, 'cut.bin');
    writeFileSync(cut, image.subarray(0, 200));
    const r = await rpmsg('inspect', cut, '--layout', `${step}.layout.json`, '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(lastLine(r.stdout)) as { problems: { code: string }[] };
    expect(out.problems.length).toBeGreaterThan(0);
    expect(out.problems.every((p) => /^ERR_/.test(p.code))).toBe(true);
  });

  it('refuses a layout that is missing a required key, naming it', async () => {
    const step = vectorSteps[0]!;
    const layout = JSON.parse(readFileSync(`${step}.layout.json`, 'utf8'));
    delete layout.vrings;
    const file = join(scratch, 'bad-layout.json');
    writeFileSync(file, JSON.stringify(layout));
    const r = await rpmsg('inspect', `${step}.bin`, '--layout', file, '--json');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERR_RPMSG_LAYOUT/);
    expect(r.stderr).toMatch(/vrings/);
  });
});

describe('rpmsg inspect arguments', () => {
  it('exits 2 without --layout', async () => {
    const r = await rpmsg('inspect', 'image.bin');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--layout/);
  });

  it('exits 1 with a message when the image does not exist', async () => {
    const r = await rpmsg('inspect', join(scratch, 'nope.bin'), '--layout', join(scratch, 'nope.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOENT/);
  });
});

describe.skipIf(vectorSteps.length === 0)('rpmsg inspect --svg', () => {
  it('draws both rings of a real RPMsg-Lite image, a group per descriptor', async () => {
    const step = vectorSteps[0]!;
    const out = join(scratch, 'rings.svg');
    const r = await rpmsg('inspect', `${step}.bin`, '--layout', `${step}.layout.json`, '--svg', out);
    expect(r.code, r.stderr).toBe(0);
    const svg = readFileSync(out, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    const layout = JSON.parse(readFileSync(`${step}.layout.json`, 'utf8')) as { vrings: { num: number }[] };
    const descs = svg.match(/data-desc="/g) ?? [];
    expect(descs.length).toBe(layout.vrings.reduce((n, v) => n + v.num, 0));
  });

  it('exits 2 with --svg and --json together', async () => {
    expect((await rpmsg('inspect', 'a.bin', '--layout', 'l.json', '--json', '--svg', 'x.svg')).code).toBe(2);
  });
});

describe('rpmsg bench --quick --json', () => {
  it('ends with one JSON object in the docs/cli.md shape, baselines included', async () => {
    const r = await rpmsg('bench', '--quick', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(lastLine(r.stdout)) as { results: Record<string, unknown>[] };
    const transports = new Set(out.results.map((row) => row.transport));
    expect(transports).toEqual(new Set(['rpmsg', 'postMessage', 'sab-raw']));
    for (const row of out.results) {
      expect(['one-way', 'ping-pong']).toContain(row.mode);
      expect(['spin', 'sleep']).toContain(row.wait);
      expect(typeof row.payload).toBe('number');
      expect(row.msgsPerSec as number).toBeGreaterThan(0);
      expect(typeof row.mbPerSec).toBe('number');
      if (row.mode === 'ping-pong') expect(row.rttMedianUs as number).toBeGreaterThan(0);
    }
    const payloads = new Set(
      out.results.filter((row) => row.transport === 'rpmsg').map((row) => row.payload),
    );
    expect(payloads).toContain(16);
    expect(payloads).toContain(496);
    // The bench firmware in C (WebAssembly) has its rows and same-run ratios beside the JS one's.
    const c = out.results.filter((row) => row.variant === 'c');
    expect(c.map((row) => `${row.mode} ${row.wait} ${row.payload}`).sort()).toEqual([
      'one-way spin 16',
      'one-way spin 496',
      'ping-pong sleep 16',
      'ping-pong spin 16',
    ]);
    const ratios = (out as unknown as { ratios: Record<string, number> }).ratios;
    for (const key of ['cFirmwareOneWay16VsJs', 'cFirmwareOneWay496VsJs', 'cFirmwareRttSpinVsJs']) {
      expect(ratios[key], key).toBeGreaterThan(0);
    }
  }, 240_000);
});

describe('rpmsg demo', () => {
  it.each(['linux', 'rpmsg-lite'])(
    'boots the %s SoC, finds both services, verifies the echoes and exits 0',
    async (profile) => {
      const r = await rpmsg('demo', '--profile', profile);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/channels\s+rpmsg-echo, rpmsg-tty/);
      expect(r.stdout).toMatch(/result\s+OK/);
      expect(r.stdout).not.toMatch(/failure/);
    },
    60_000,
  );

  it('exits 2 on an unknown profile', async () => {
    const r = await rpmsg('demo', '--profile', 'vxworks');
    expect(r.code).toBe(2);
  });
});

// The C firmware of packages/serial built for this machine, on a real pseudo-terminal: the board.
describe.skipIf(!hasCompiler())('rpmsg bridge against the C firmware on a pty', () => {
  let board: FirmwareHost;
  beforeAll(async () => {
    board = await startFirmwareHost(await buildFirmwareHost({ outDir: scratch }));
  }, 60_000);
  afterAll(() => board?.stop());

  it('lists the channels the MCU announced', async () => {
    const r = await rpmsg('bridge', '--port', board.path, '--list');
    expect(r.code, r.stderr).toBe(0);
    const names = r.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t')[0]);
    expect(names).toEqual(expect.arrayContaining(['rpmsg-echo', 'rpmsg-tty']));
  });

  it('joins stdin and stdout to a channel until stdin ends', async () => {
    const child = spawn(process.execPath, [bin, 'bridge', '--port', board.path, '--channel', 'rpmsg-echo']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const text = `${'line of text through the MCU\n'.repeat(40)}last line\n`;
    child.stdin.end(text);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(out).toBe(text);
  }, 30_000);

  it('exits 2 without --port', async () => {
    const r = await rpmsg('bridge');
    expect(r.code).toBe(2);
  });
});

describe('rpmsg build-firmware', () => {
  it('writes a module the SoC can run, and says where on stderr', async () => {
    const source = join(scratch, 'ok.c');
    writeFileSync(source, '#include <stdio.h>\nint main(void)\n{\n    printf("hi\\n");\n    return 0;\n}\n');
    const out = join(scratch, 'ok.wasm');
    const r = await rpmsg('build-firmware', source, '-o', out, '-O', 's');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${out}: `);
    expect(WebAssembly.validate(readFileSync(out))).toBe(true);
  }, 60_000);

  it("exits 1 with clang's own file:line:column report, then the ERR_RPMSG_BUILD line", async () => {
    const source = join(scratch, 'broken.c');
    writeFileSync(source, 'int main(void)\n{\n    return nope;\n}\n');
    const r = await rpmsg('build-firmware', source, '-o', join(scratch, 'broken.wasm'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${source}:3:12: error: use of undeclared identifier 'nope'`);
    expect(r.stderr).toContain('    3 |     return nope;');
    expect(lastLine(r.stderr)).toMatch(
      /^rpmsg build-firmware: ERR_RPMSG_BUILD: the firmware did not build: /,
    );
    expect(existsSync(join(scratch, 'broken.wasm'))).toBe(false);
  }, 60_000);

  it('exits 2 without -o or without a C file', async () => {
    expect((await rpmsg('build-firmware', 'x.c')).code).toBe(2);
    expect((await rpmsg('build-firmware', '-o', 'x.wasm')).code).toBe(2);
    expect((await rpmsg('build-firmware', 'x.c', '-o', 'x.wasm', '-O', '9')).code).toBe(2);
  });
});
