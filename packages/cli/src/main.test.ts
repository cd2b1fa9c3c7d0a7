import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLayout, layoutToJson } from '@rpmsg/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandIo } from './commands/io.js';
import { main } from './main.js';
import { rpmsg } from './test-support.js';

// The command line as users meet it, through main() with captured streams.

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const COMMANDS: [string, string[]][] = [
  ['demo', ['--profile', '--rounds']],
  ['bench', ['--json', '--quick']],
  ['inspect', ['--layout', '--json']],
  ['bridge', ['--port', '--baud', '--channel', '--list', '--timeout']],
];

describe('rpmsg without a command', () => {
  it('prints the usage on stderr and exits 2', async () => {
    const r = await rpmsg();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^usage: rpmsg <command>/);
  });
});

describe('rpmsg --help', () => {
  it.each([['--help'], ['-h'], ['help']])('%s prints every command on stdout and exits 0', async (flag) => {
    const r = await rpmsg(flag);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^usage: rpmsg <command>/);
    for (const [name] of COMMANDS) expect(r.stdout).toContain(`  ${name} `);
    expect(r.stdout).toContain('--version');
  });
});

describe('rpmsg --version', () => {
  it.each([['--version'], ['-v']])("%s prints the cli package's version and exits 0", async (flag) => {
    const r = await rpmsg(flag);
    expect(r).toEqual({ code: 0, stdout: version, stderr: '' });
  });
});

describe('rpmsg <command> --help', () => {
  it.each(COMMANDS)('%s: prints its usage and every option on stdout, exit 0', async (name, options) => {
    for (const argv of [
      [name, '--help'],
      [name, '-h'],
      ['help', name],
    ]) {
      const r = await rpmsg(...argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^usage: rpmsg ${name}`));
      for (const option of options) expect(r.stdout).toContain(`  ${option} `);
      expect(r.stdout).toMatch(/exit status: 0/);
    }
  });

  it('wins over other mistakes on the line, as in git or npm', async () => {
    const r = await rpmsg('demo', '--bogus', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: rpmsg demo/);
  });

  it('is not taken from after the -- terminator', async () => {
    const r = await rpmsg('inspect', 'image.bin', '--', '--help');
    expect(r.code).toBe(2);
  });
});

describe('usage errors: stderr, exit 2', () => {
  it.each<[string, string[], RegExp]>([
    ['an unknown command', ['frobnicate'], /rpmsg: unknown command 'frobnicate'/],
    ['an unknown global option', ['--verbose'], /rpmsg: unknown option '--verbose'/],
    ['help for an unknown command', ['help', 'frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown option of a command', ['demo', '--bogus'], /rpmsg demo: Unknown option '--bogus'/],
    ['a value missing', ['demo', '--rounds'], /rpmsg demo: .*--rounds/],
    ['a stray argument', ['bench', 'now'], /rpmsg bench: .*'now'/],
    ['a bad --profile', ['demo', '--profile', 'vxworks'], /--profile must be linux or rpmsg-lite/],
    ['a zero --rounds', ['demo', '--rounds', '0'], /--rounds must be a positive integer/],
    ['a fractional --rounds', ['demo', '--rounds', '1.5'], /--rounds must be a positive integer/],
    ['a hex --rounds', ['demo', '--rounds', '0x10'], /--rounds must be a positive integer/],
    ['inspect without --layout', ['inspect', 'image.bin'], /--layout/],
    ['inspect with two images', ['inspect', 'a.bin', 'b.bin', '--layout', 'l.json'], /exactly one image/],
    ['bridge without --port', ['bridge'], /--port/],
    [
      'a malformed tcp:// port',
      ['bridge', '--port', 'tcp://host-without-port'],
      /--port: .*tcp:\/\/host:port/,
    ],
    [
      'a bad --baud',
      ['bridge', '--port', '/dev/null', '--baud', 'fast'],
      /--baud must be a positive integer/,
    ],
    [
      'a zero --timeout',
      ['bridge', '--port', '/dev/null', '--timeout', '0'],
      /--timeout must be a number of seconds/,
    ],
    ['a negative --timeout', ['bridge', '--port', '/dev/null', '--timeout', '-1'], /--timeout/],
    ['a word as --timeout', ['bridge', '--port', '/dev/null', '--timeout', 'soon'], /--timeout must be/],
    [
      'a --timeout past what a timer holds',
      ['bridge', '--port', '/dev/null', '--timeout', '3000000'],
      /--timeout/,
    ],
    ['an empty --channel', ['bridge', '--port', '/dev/null', '--channel', ''], /--channel must not be empty/],
  ])('%s', async (_what, argv, problem) => {
    const r = await rpmsg(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(problem);
    // The command's own usage when the command is known, the general one otherwise.
    const command = COMMANDS.find(([name]) => name === argv[0]);
    expect(r.stderr).toContain(command ? `usage: rpmsg ${command[0]}` : 'usage: rpmsg <command>');
  });
});

describe('main() called by a program', () => {
  it.each<[string, unknown]>([
    ['null', null],
    ['a string', 'demo --rounds 1'],
    ['an array with a number', ['demo', '--rounds', 1]],
  ])('rejects %s as argv with ERR_INVALID_ARG_TYPE', async (_what, argv) => {
    await expect(main(argv as string[])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      argument: 'argv',
    });
  });

  it('rejects an io without out, err and progress with ERR_INVALID_ARG_TYPE', async () => {
    await expect(main(['help'], { out: () => {} } as unknown as CommandIo)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      argument: 'io',
    });
  });
});

describe('rpmsg inspect', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'rpmsg-cli-main-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const layoutFile = join(scratch, 'layout.json');
  writeFileSync(layoutFile, JSON.stringify(layoutToJson(createLayout('linux'))));
  // 1 MB of noise (xorshift32, fixed seed), as `head -c 1M /dev/urandom` gives a user.
  const randomFile = join(scratch, 'random.bin');
  const noise = new Uint8Array(1 << 20);
  for (let i = 0, x = 0x9e3779b9; i < noise.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    noise[i] = x & 0xff;
  }
  writeFileSync(randomFile, noise);

  it('lists the first 20 problems of a random image and says how many more there are', async () => {
    const r = await rpmsg('inspect', randomFile, '--layout', layoutFile);
    expect(r.code, r.stderr).toBe(0);
    const total = Number(/problems \((\d+)\):/.exec(r.stdout)?.[1]);
    expect(total).toBeGreaterThan(100);
    expect(r.stdout.split('\n').filter((l) => /^ {2}ERR_/.test(l))).toHaveLength(20);
    expect(r.stdout).toContain(`  … and ${total - 20} more problems`);
  });

  it('keeps every problem in --json', async () => {
    const human = await rpmsg('inspect', randomFile, '--layout', layoutFile);
    const total = Number(/problems \((\d+)\):/.exec(human.stdout)?.[1]);
    const r = await rpmsg('inspect', randomFile, '--layout', layoutFile, '--json');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { problems: { code: string }[] };
    expect(json.problems).toHaveLength(total);
    expect(json.problems.every((p) => /^ERR_/.test(p.code))).toBe(true);
  });

  it('exits 1 naming the error once for a missing file', async () => {
    const r = await rpmsg('inspect', join(scratch, 'nope.bin'), '--layout', layoutFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rpmsg inspect: ENOENT: no such file/);
  });

  it('exits 1 with ERR_RPMSG_LAYOUT for a layout file that is not JSON', async () => {
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, '{ "profile": ');
    const r = await rpmsg('inspect', randomFile, '--layout', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rpmsg inspect: ERR_RPMSG_LAYOUT: .*bad\.json is not JSON/);
  });
});
