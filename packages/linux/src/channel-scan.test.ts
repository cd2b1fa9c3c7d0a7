import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readChannel, scanChannels } from './channel-scan.js';
import { parseAddress, SysfsPaths } from './sysfs.js';
import { createFakeBoard, type FakeBoard } from './testing/index.js';

describe('parseAddress', () => {
  it.each([
    ['0x1e', 30],
    ['0x400\n', 1024],
    ['0xffffffff', 0xffffffff],
    ['30', 30],
    ['-1', 0xffffffff],
  ])('reads %j', (text, value) => {
    expect(parseAddress(text)).toBe(value);
  });

  it.each([[null], ['abc'], ['0x1ffffffff'], ['-2'], ['']])('refuses %j', (text) => {
    expect(parseAddress(text)).toBeNull();
  });
});

describe('scanChannels', () => {
  let board: FakeBoard | undefined;
  afterEach(async () => {
    await board?.close();
    board = undefined;
  });

  it('finds nothing while the rpmsg bus does not exist', () => {
    board = createFakeBoard();
    board.addRemoteproc();
    expect(scanChannels(new SysfsPaths(board.root))).toEqual([]);
  });

  it('reads every channel the remote announced, as sysfs-bus-rpmsg describes them', () => {
    board = createFakeBoard({ drivers: { rpmsgTty: false } });
    board.addRemoteproc({
      running: true,
      services: [
        { name: 'rpmsg-raw', addr: 32 },
        { name: 'rpmsg-echo', addr: 30 },
      ],
    });
    const records = scanChannels(new SysfsPaths(board.root));
    expect(records).toEqual([
      {
        device: 'virtio0.rpmsg-echo.-1.30',
        name: 'rpmsg-echo',
        dst: 30,
        src: 0xffffffff, // no driver, no endpoint yet
        driver: null,
        driverOverride: null, // sysfs prints "(null)"
        charDevices: [],
        ctrlDevices: [],
        ttys: [],
        remoteproc: 'remoteproc0',
        virtio: { path: expect.stringMatching(/remoteproc0#vdev0buffer\/virtio0$/), ino: expect.any(Number) },
      },
      {
        device: 'virtio0.rpmsg-raw.-1.32',
        name: 'rpmsg-raw',
        dst: 32,
        src: 1024,
        driver: 'rpmsg_chrdev', // rpmsg_char's id table has rpmsg-raw
        driverOverride: null,
        charDevices: ['rpmsg0'],
        ctrlDevices: [],
        ttys: [],
        remoteproc: 'remoteproc0',
        virtio: { path: expect.stringMatching(/virtio0$/), ino: expect.any(Number) },
      },
    ]);
  });

  it("leaves out the kernel's own devices: the name service (5.11+) and the control device (5.18+)", () => {
    board = createFakeBoard({ drivers: { rpmsgTty: false } });
    board.addRemoteproc({ running: true, services: [{ name: 'rpmsg-echo', addr: 30 }] });
    const paths = new SysfsPaths(board.root);
    // They are on the bus, as on a board…
    expect(readdirSync(paths.rpmsgDevices)).toEqual([
      'virtio0.rpmsg-echo.-1.30',
      'virtio0.rpmsg_ctrl.0.0',
      'virtio0.rpmsg_ns.53.53',
    ]);
    expect(readChannel(paths, 'virtio0.rpmsg_ns.53.53')).toMatchObject({
      name: 'rpmsg_ns',
      dst: 53,
      driverOverride: 'rpmsg_ns',
      driver: 'rpmsg_ns',
    });
    // …and no channel.
    expect(scanChannels(paths).map((c) => c.device)).toEqual(['virtio0.rpmsg-echo.-1.30']);
  });

  it('keeps a service the remote happened to call rpmsg_ns: the kernel gives an announcement no override', () => {
    board = createFakeBoard({ drivers: { rpmsgTty: false } });
    board.addRemoteproc({ running: true, services: [{ name: 'rpmsg_ns', addr: 40 }] });
    const paths = new SysfsPaths(board.root);
    expect(scanChannels(paths).map((c) => c.device)).toEqual(['virtio0.rpmsg_ns.-1.40']);
  });

  it('says driverOverride undefined on a kernel without the attribute (before 4.18)', () => {
    board = createFakeBoard({ release: '4.14.98' });
    board.addRemoteproc({ running: true, services: [{ name: 'rpmsg-echo', addr: 30 }] });
    const [record] = scanChannels(new SysfsPaths(board.root));
    expect(record?.driverOverride).toBeUndefined();
  });

  it('returns null for a channel that left the bus', () => {
    board = createFakeBoard();
    board.addRemoteproc({ running: true });
    expect(readChannel(new SysfsPaths(board.root), 'virtio0.rpmsg-echo.-1.30')).toBeNull();
  });
});
