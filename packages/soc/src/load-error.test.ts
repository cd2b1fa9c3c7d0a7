import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RpmsgError } from '@rpmsg/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createSoc, type Soc, type SocOptions } from './soc.js';
import { stopSocAfterEach } from './test-soc.js';
import { coreWorkerCount } from './workers.js';

const echoFirmware = new URL('./fixtures/echo-firmware.mjs', import.meta.url);
const dir = mkdtempSync(join(tmpdir(), 'rpmsg-soc-load-'));

/** Writes a module into the test's directory and returns its path. */
function module(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

async function bootError(options: SocOptions): Promise<RpmsgError> {
  const error = (await createSoc({ numBuffers: 8, ...options }).catch((e: unknown) => e)) as RpmsgError;
  expect(error).toMatchObject({ name: 'RpmsgError', code: 'ERR_RPMSG_LOAD' });
  expect(coreWorkerCount()).toBe(0);
  return error;
}

let soc: Soc | undefined;
stopSocAfterEach(() => {
  const s = soc;
  soc = undefined;
  return s;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a module that cannot be loaded', () => {
  it('is ERR_RPMSG_LOAD naming the file when the firmware file is missing, not a crash', async () => {
    const remote = join(dir, 'no-such-firmware.mjs');
    const error = await bootError({ remote });
    expect(error.message).toContain(remote);
    expect(error.message).toMatch(/no such file/);
    expect(error.field).toBe('remote');
    expect(error.cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });

  it('names the file, line and column of a syntax error', async () => {
    const remote = module(
      'syntax.mjs',
      'export default function firmware(_d, { lite }) {\n  const ept = lite.createEpt(30);\n  const x = ;\n}\n',
    );
    const error = await bootError({ remote });
    expect(error.message).toContain(`${remote}:3:13`);
    expect(error.message).toContain("Unexpected token ';'");
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('names the line where the input ended for an unterminated module', async () => {
    const remote = module('unterminated.mjs', 'export default function firmware() {\n  if (true) {\n');
    const error = await bootError({ remote });
    expect(error.message).toMatch(/Unexpected end of input/);
    expect(error.message).toContain(`${remote}:3`);
  });

  it('locates a syntax error in a data: URL module too', async () => {
    const remote = `data:text/javascript,${encodeURIComponent('export default 1;\nconst x = ;')}`;
    const error = await bootError({ remote });
    expect(error.message).toMatch(/data:text\/javascript.*:2:11/);
  });

  it('refuses a module without a default export function', async () => {
    const remote = module('no-default.mjs', 'export const firmware = () => {};\n');
    const error = await bootError({ remote });
    expect(error.message).toContain(remote);
    expect(error.message).toMatch(/default export must be a function/);
  });

  it('reports a throw while the module evaluates as a load failure with the error as cause', async () => {
    const remote = module(
      'throws.mjs',
      "throw new Error('no clock configured');\nexport default () => {};\n",
    );
    const error = await bootError({ remote });
    expect(error.message).toMatch(/no clock configured/);
    expect(error.cause).toMatchObject({ message: 'no clock configured' });
  });

  it('reports a missing A-core program the same way, naming the master', async () => {
    const master = join(dir, 'no-such-app.mjs');
    const error = await bootError({ remote: echoFirmware, master });
    expect(error.field).toBe('master');
    expect(error.message).toContain(master);
  });

  it('fails restart() with ERR_RPMSG_LOAD when the firmware file went away, and ends that worker', async () => {
    const remote = join(dir, 'copied-firmware.mjs');
    copyFileSync(echoFirmware, remote);
    soc = await createSoc({ remote, numBuffers: 8 });
    rmSync(remote);
    await expect(soc.restart()).rejects.toMatchObject({ code: 'ERR_RPMSG_LOAD' });
    expect(soc.state).toBe('crashed');
    await soc.stop();
    expect(coreWorkerCount()).toBe(0);
  });
});
