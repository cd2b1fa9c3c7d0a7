import { createFakeBoard, type FakeBoard, ptyUnavailableReason } from '@rpmsg/linux/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Run, rpmsg } from '../test-support.js';
import { setLinuxFileOps } from './linux-file-ops.js';

// `rpmsg list | echo | rproc` through main(), against @rpmsg/linux's model of a board under --root:
// its file operations stand in for the kernel's device nodes and sysfs stores.

let board: FakeBoard;
beforeEach(() => {
  board = createFakeBoard();
  setLinuxFileOps(board.fileOps);
});
afterEach(async () => {
  setLinuxFileOps(undefined);
  await board.close();
});

const ECHO = [{ name: 'rpmsg-echo', addr: 30 }];

describe('rpmsg list', () => {
  it('prints the channels and the remote processors', async () => {
    board.addRemoteproc({ name: 'cm7', running: true, services: [{ name: 'rpmsg-raw', addr: 40 }, ...ECHO] });
    const r = await rpmsg('list', '--root', board.root);
    expect(r.code, r.stderr).toBe(0);
    // Only the announcements: not the kernel's virtio0.rpmsg_ns.53.53 and virtio0.rpmsg_ctrl.0.0.
    expect(r.stdout).toMatch(/^channels \(2\):/);
    expect(r.stdout).not.toMatch(/rpmsg_ns|rpmsg_ctrl/);
    expect(r.stdout).toMatch(/rpmsg-echo +dst 30 +src - +\(no driver\) +- +remoteproc0/);
    expect(r.stdout).toMatch(/rpmsg-raw +dst 40 +src 1024 +rpmsg_chrdev +\S+\/dev\/rpmsg0 +remoteproc0/);
    expect(r.stdout).toMatch(
      /remote processors \(1\):\n {2}remoteproc0 +cm7 +running +firmware rproc-cm7-fw {2}recovery enabled/,
    );
  });

  it('--json prints one object with the documented keys', async () => {
    board.addRemoteproc({ running: true, services: [{ name: 'rpmsg-raw', addr: 40 }] });
    const r = await rpmsg('list', '--json', '--root', board.root);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      channels: [
        {
          name: 'rpmsg-raw',
          device: 'virtio0.rpmsg-raw.-1.40',
          dst: 40,
          src: 1024,
          driver: 'rpmsg_chrdev',
          node: `${board.root}/dev/rpmsg0`,
          remoteproc: 'remoteproc0',
        },
      ],
      remoteprocs: [
        { id: 'remoteproc0', name: 'm4', state: 'running', firmware: 'rproc-m4-fw', recovery: 'enabled' },
      ],
    });
  });

  it('says why there are no channels', async () => {
    board.addRemoteproc();
    const r = await rpmsg('list', '--root', board.root);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/channels \(0\):\n {2}none: there is no rpmsg bus/);
    expect(r.stdout).toMatch(/remoteproc0 \(m4\) is offline/);
  });
});

describe('a --root that is not a directory: a usage error (exit 2) naming it, for every board command', () => {
  it.each<[string, string[]]>([
    ['list', ['list']],
    ['echo', ['echo', 'rpmsg-raw']],
    ['rproc', ['rproc']],
    ['rproc start', ['rproc', 'start']],
  ])('%s', async (_what, argv) => {
    board.addRemoteproc();
    for (const [root, problem] of [
      [`${board.root}/missing`, /does not exist/],
      [`${board.root}/lib/firmware/rproc-m4-fw`, /is not a directory/],
    ] as const) {
      const r = await rpmsg(...argv, '--root', root);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`rpmsg ${argv[0]}: --root: root '${root}' `);
      expect(r.stderr).toMatch(problem);
      expect(r.stderr).not.toMatch(/DRIVER_MISSING|ERR_INVALID_ARG_VALUE/);
      expect(r.stderr).toContain(`usage: rpmsg ${argv[0]}`);
    }
  });
});

describe('rpmsg echo', () => {
  it("sends --count messages through the channel's /dev/rpmsgN and verifies each echo", async () => {
    const rproc = board.addRemoteproc({ running: true, services: ECHO });
    const r = await rpmsg('echo', 'rpmsg-echo', '--count', '3', '--message', 'ping', '--root', board.root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^echo 1: ping \([\d.]+ ms\)\necho 2: ping .*\necho 3: ping .*\n3\/3 echoes matched$/,
    );
    expect(r.stderr).toMatch(/'rpmsg-echo' through \S+\/dev\/rpmsg0/);
    expect(rproc.received('rpmsg-echo').map((m) => Buffer.from(m).toString())).toEqual([
      '',
      'ping',
      'ping',
      'ping',
    ]);
  });

  it("--remoteproc picks one processor's channel when two announce one of that name", async () => {
    const first = board.addRemoteproc({ name: 'm4-0', running: true, services: ECHO });
    const second = board.addRemoteproc({ name: 'm4-1', running: true, services: ECHO });
    const r = await rpmsg(
      'echo',
      'rpmsg-echo',
      '--remoteproc',
      'm4-1',
      '--message',
      'x',
      '--root',
      board.root,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(second.received('rpmsg-echo').map((m) => Buffer.from(m).toString())).toEqual(['', 'x']);
    expect(first.received('rpmsg-echo')).toEqual([]);
    expect((await rpmsg('echo', 'rpmsg-echo', '--remoteproc', '', '--root', board.root)).code).toBe(2);
  });

  it('exits 1 and says MISMATCH when an echo differs', async () => {
    board.addRemoteproc({
      running: true,
      services: [
        {
          name: 'rpmsg-echo',
          addr: 30,
          handler: (p) => Buffer.from(Buffer.from(p).toString().toUpperCase()),
        },
      ],
    });
    const r = await rpmsg('echo', 'rpmsg-echo', '--message', 'abc', '--root', board.root);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/echo 1: MISMATCH: sent 3 bytes, got "ABC"\n0\/1 echoes matched/);
  });

  it('exits 1 with ERR_RPMSG_TIMEOUT and what the bus has when the channel does not come', async () => {
    board.addRemoteproc({ running: true, services: ECHO });
    const r = await rpmsg('echo', 'rpmsg-raw', '--timeout', '0.05', '--root', board.root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /rpmsg echo: ERR_RPMSG_TIMEOUT: no channel 'rpmsg-raw' after 50 ms: the remote announced 'rpmsg-echo'/,
    );
  });

  it('exits 1 with ERR_RPMSG_LINUX_PERMISSION and the udev rule when the node is not ours', async () => {
    board.addRemoteproc({ running: true, services: [{ name: 'rpmsg-raw', addr: 40 }] });
    board.deny('dev/rpmsg0');
    const r = await rpmsg('echo', 'rpmsg-raw', '--root', board.root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rpmsg echo: ERR_RPMSG_LINUX_PERMISSION: .*KERNEL=="rpmsg\[0-9\]\*"/);
  });

  it.skipIf(ptyUnavailableReason() !== null)(
    'goes through /dev/ttyRPMSGn for an rpmsg-tty channel',
    async () => {
      board.addRemoteproc({ running: true, services: [{ name: 'rpmsg-tty', addr: 31 }] });
      await board.settled();
      const r = await rpmsg('echo', 'rpmsg-tty', '--message', 'line\r\n', '--root', board.root);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/through \S+\/dev\/ttyRPMSG0/);
      expect(r.stdout).toMatch(/1\/1 echoes matched/);
    },
  );
});

describe('rpmsg rproc', () => {
  it('lists, shows, starts with a firmware and stops a remote processor', async () => {
    const fake = board.addRemoteproc({ name: 'cm4' });
    fake.installFirmware('v2.elf');
    let r = await rpmsg('rproc', '--root', board.root);
    expect(r.stdout).toMatch(/^remoteproc0 +cm4 +offline +firmware rproc-cm4-fw/);
    r = await rpmsg('rproc', 'start', 'cm4', '--firmware', 'v2.elf', '--root', board.root);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^remoteproc0 +cm4 +running +firmware v2\.elf/);
    expect(r.stderr).toMatch(/starting remoteproc0 \(cm4\) with v2\.elf/);
    r = await rpmsg('rproc', 'status', '--json', '--root', board.root);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 'remoteproc0', state: 'running', firmware: 'v2.elf' });
    r = await rpmsg('rproc', 'stop', '0', '--root', board.root);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/offline/);
    r = await rpmsg('rproc', 'list', '--json', '--root', board.root);
    expect(JSON.parse(r.stdout)).toEqual([
      { id: 'remoteproc0', name: 'cm4', state: 'offline', firmware: 'v2.elf', recovery: 'enabled' },
    ]);
  });

  it.each<[string, string[], RegExp]>([
    ['start on a running processor', ['start'], /ERR_RPMSG_LINUX_BUSY: .*already running/],
    [
      'stop twice',
      ['stop', 'stop'],
      /ERR_RPMSG_LINUX_BAD_STATE: .*only a running or attached processor can be stopped/,
    ],
    [
      'a processor that is not there',
      ['start', 'dsp'],
      /ERR_RPMSG_LINUX_NO_REMOTEPROC: no remote processor 'dsp'/,
    ],
  ])('exits 1 with the code for %s', async (_what, actions, problem) => {
    board.addRemoteproc({ running: true });
    let r: Run | undefined;
    if (actions[0] === 'stop' && actions[1] === 'stop') {
      await rpmsg('rproc', 'stop', '--root', board.root);
      r = await rpmsg('rproc', 'stop', '--root', board.root);
    } else r = await rpmsg('rproc', ...actions, '--root', board.root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(problem);
  });

  it('exits 1 with ERR_RPMSG_LINUX_BAD_STATE for start or stop on a crashed processor, pointing to recover', async () => {
    const fake = board.addRemoteproc({ running: true, recovery: false });
    fake.crash();
    for (const action of ['start', 'stop']) {
      const r = await rpmsg('rproc', action, '--root', board.root);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/ERR_RPMSG_LINUX_BAD_STATE: .*crashed.*recover/);
    }
    expect(fake.state).toBe('crashed');
  });

  it('exits 1 with ERR_RPMSG_LINUX_NO_FIRMWARE when the file is not in the firmware path', async () => {
    board.addRemoteproc();
    const r = await rpmsg('rproc', 'start', '--firmware', 'nope.elf', '--root', board.root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ERR_RPMSG_LINUX_NO_FIRMWARE: .*no firmware 'nope\.elf'/);
  });
});

describe('usage errors of the board commands: exit 2', () => {
  it.each<[string, string[], RegExp]>([
    ['echo without a channel', ['echo'], /echo takes exactly one channel name/],
    ['echo with two channels', ['echo', 'a', 'b'], /exactly one channel/],
    ['echo with a name too long', ['echo', 'x'.repeat(32)], /1 to 31 bytes/],
    ['a zero --count', ['echo', 'a', '--count', '0'], /--count must be a positive integer/],
    ['a word as --timeout', ['echo', 'a', '--timeout', 'soon'], /--timeout must be/],
    ['an empty --root', ['list', '--root', ''], /--root needs a directory/],
    ['an unknown rproc action', ['rproc', 'reboot'], /rproc action must be list, status, start or stop/],
    ['--firmware without start', ['rproc', 'stop', '--firmware', 'x'], /--firmware goes with rproc start/],
    ['a processor for list', ['rproc', 'list', 'm4'], /rproc list takes no processor/],
  ])('%s', async (_what, argv, problem) => {
    const r = await rpmsg(...argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(problem);
    expect(r.stderr).toContain(`usage: rpmsg ${argv[0]}`);
  });

  it.each([
    ['list', ['--json', '--root']],
    ['echo', ['--message', '--count', '--timeout', '--root']],
    ['rproc', ['--firmware', '--json', '--root']],
  ])('%s --help lists its options', async (name, options) => {
    const r = await rpmsg(name, '--help');
    expect(r.code).toBe(0);
    for (const option of options) expect(r.stdout).toContain(`  ${option} `);
  });
});
