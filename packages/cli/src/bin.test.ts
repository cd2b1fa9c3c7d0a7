import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The built command as a shell runs it: which stream and which exit status, not only main()'s
// return value. Needs `pnpm --filter @rpmsg/cli build` (as `pnpm test` does first).
const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

async function rpmsg(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [bin, ...args]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the rpmsg binary', () => {
  it('prints the usage on stderr and exits 2 when run bare', async () => {
    const r = await rpmsg();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^usage: rpmsg <command>/);
  });

  it('prints the usage on stdout and exits 0 with --help', async () => {
    const r = await rpmsg('--help');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^usage: rpmsg <command>/);
  });

  it('prints its version with --version', async () => {
    expect(await rpmsg('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it("prints a command's help on stdout with <command> --help", async () => {
    const r = await rpmsg('bridge', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: rpmsg bridge --port/);
    expect(r.stdout).toContain('--timeout S');
  });

  it('exits 2 with the problem on stderr for an unknown option', async () => {
    const r = await rpmsg('demo', '--bogus');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^rpmsg demo: Unknown option '--bogus'/);
  });
});
