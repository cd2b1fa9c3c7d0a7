import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '@rpmsg/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { LinuxChannel } from './linux-channel.js';
import { openLinuxRpmsg } from './open-linux-rpmsg.js';
import { type Bench, failure, startBench } from './test-support.js';
import { createFakeBoard, type FakeBoard } from './testing/index.js';

// Discovery and hot-plug: what /sys/bus/rpmsg/devices shows, read when asked and polled while
// something waits or listens.

let bench: Bench | undefined;
let board: FakeBoard | undefined;
afterEach(async () => {
  await bench?.close();
  await board?.close();
  bench = undefined;
  board = undefined;
});

describe('openLinuxRpmsg', () => {
  it('opens a board whose remote processor is not running yet: no channels, no error', async () => {
    board = createFakeBoard();
    board.addRemoteproc();
    const device = await openLinuxRpmsg({ root: board.root, fileOps: board.fileOps });
    expect(device.channels()).toEqual([]);
    expect(device.kernelRelease).toBe('6.6.0');
    expect(device.mtu).toBe(496);
    expect(device.isUp).toBe(true);
    await device.close();
    expect(device.isUp).toBe(false);
  });

  it("with remoteproc, sees one processor's channels only (two remotes, same channel name)", async () => {
    board = createFakeBoard();
    board.addRemoteproc({ name: 'm4-0', running: true, services: [{ name: 'rpmsg-echo', addr: 30 }] });
    const second = board.addRemoteproc({
      name: 'm4-1',
      running: true,
      services: [{ name: 'rpmsg-echo', addr: 30 }],
    });
    const all = await openLinuxRpmsg({ root: board.root, fileOps: board.fileOps });
    expect(all.channels().map((c) => c.name)).toEqual(['rpmsg-echo', 'rpmsg-echo']);
    await all.close();
    for (const which of ['m4-1', second.id]) {
      const device = await openLinuxRpmsg({ root: board.root, fileOps: board.fileOps, remoteproc: which });
      const channels = device.channels();
      expect(channels).toHaveLength(1);
      expect(channels[0]?.remoteproc).toBe(second.id);
      await device.close();
    }
    const none = await openLinuxRpmsg({ root: board.root, fileOps: board.fileOps, remoteproc: 'm7' });
    expect(none.channels()).toEqual([]);
    await none.close();
    await expect(openLinuxRpmsg({ root: board.root, remoteproc: '' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });

  it('refuses a root without /sys, and bad options, by name', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'rpmsg-empty-'));
    try {
      await expect(openLinuxRpmsg({ root: empty })).rejects.toMatchObject({ code: 'ERR_RPMSG_LINUX_IO' });
      await expect(openLinuxRpmsg({ root: join(empty, 'nope') })).rejects.toMatchObject({
        code: 'ERR_RPMSG_LINUX_BAD_ROOT',
        path: join(empty, 'nope'),
      });
      // A regular file is not a root: it used to pass as one, with empty listings.
      writeFileSync(join(empty, 'hostname'), 'board\n');
      const error = await failure(openLinuxRpmsg({ root: join(empty, 'hostname') }));
      expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_BAD_ROOT' });
      expect(error.message).toMatch(/hostname' is not a directory/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    await expect(openLinuxRpmsg({ root: '' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(openLinuxRpmsg({ root: 7 as unknown as string })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(openLinuxRpmsg({ pollInterval: 0 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(openLinuxRpmsg({ mtu: 1.5 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(openLinuxRpmsg({ fileOps: {} as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });
});

describe('LinuxRpmsgDevice discovery', () => {
  it('lists the announced channels with their addresses, drivers and nodes', async () => {
    bench = await startBench({ board: { drivers: { rpmsgTty: false } } });
    const channels = bench.device.channels();
    expect(channels.map((c) => [c.name, c.remoteAddr, c.device, c.remoteproc, c.driver])).toEqual([
      ['rpmsg-echo', 30, 'virtio0.rpmsg-echo.-1.30', 'remoteproc0', null],
      ['rpmsg-tty', 31, 'virtio0.rpmsg-tty.-1.31', 'remoteproc0', null],
    ]);
    expect(bench.device.getChannel('rpmsg-echo')).toBe(channels[0]);
    expect(bench.device.getChannel('nope')).toBeUndefined();
  });

  it('keeps the same channel object from scan to scan', async () => {
    bench = await startBench();
    const [first] = bench.device.channels();
    expect(bench.device.rescan()[0]).toBe(first);
  });

  it('reports a channel the remote announces later (hot-plug) as a channel event', async () => {
    bench = await startBench();
    const added = once(bench.device, 'channel') as Promise<[LinuxChannel]>;
    bench.rproc.announce({ name: 'sensor-data', addr: 40 });
    const [channel] = await added;
    expect(channel).toMatchObject({ name: 'sensor-data', remoteAddr: 40, removed: false });
  });

  it('reports a channel the remote destroys as channel-removed, and marks it removed', async () => {
    bench = await startBench();
    const channel = bench.device.getChannel('rpmsg-echo')!;
    const removed = once(bench.device, 'channel-removed') as Promise<[LinuxChannel]>;
    const marked = once(channel, 'removed');
    bench.rproc.destroyChannel('rpmsg-echo');
    expect((await removed)[0]).toBe(channel);
    await marked;
    expect(channel.removed).toBe(true);
    expect(bench.device.channels().map((c) => c.name)).toEqual(['rpmsg-tty']);
  });

  it('sees a channel that left and came back as a new channel', async () => {
    bench = await startBench();
    const before = bench.device.getChannel('rpmsg-echo')!;
    bench.rproc.destroyChannel('rpmsg-echo');
    bench.rproc.announce({ name: 'rpmsg-echo', addr: 30 });
    const after = bench.device.getChannel('rpmsg-echo');
    // Gone and back between two scans: the same device name, so the same channel.
    expect(after).toBe(before);
    bench.rproc.destroyChannel('rpmsg-echo');
    expect(bench.device.channels().map((c) => c.name)).toEqual(['rpmsg-tty']);
    bench.rproc.announce({ name: 'rpmsg-echo', addr: 30 });
    expect(bench.device.getChannel('rpmsg-echo')).not.toBe(before);
    expect(before.removed).toBe(true);
  });

  it('polls only while something waits or listens', async () => {
    const clock = new FakeClock();
    bench = await startBench({ device: { clock, pollInterval: 50 } });
    expect(clock.pending).toBe(0);
    const onChannel = () => {};
    bench.device.on('channel', onChannel);
    await Promise.resolve();
    expect(clock.pending).toBe(1);
    bench.device.off('channel', onChannel);
    expect(clock.pending).toBe(0);
  });
});

describe('LinuxRpmsgDevice.waitForChannel', () => {
  it('resolves at once for a channel on the bus', async () => {
    bench = await startBench();
    await expect(bench.device.waitForChannel('rpmsg-echo')).resolves.toMatchObject({ name: 'rpmsg-echo' });
  });

  it('resolves when the remote processor starts and announces it', async () => {
    board = createFakeBoard();
    const rproc = board.addRemoteproc({ services: [{ name: 'rpmsg-raw', addr: 40 }] });
    const device = await openLinuxRpmsg({ root: board.root, fileOps: board.fileOps, pollInterval: 5 });
    const waiting = device.waitForChannel('rpmsg-raw', { timeout: 5000 });
    await board.fileOps.writeAttribute(join(rproc.dir, 'state'), 'start');
    await expect(waiting).resolves.toMatchObject({ name: 'rpmsg-raw', remoteAddr: 40 });
    await device.close();
  });

  it('times out with ERR_RPMSG_TIMEOUT saying what the bus and the processors look like', async () => {
    const clock = new FakeClock();
    board = createFakeBoard();
    board.addRemoteproc({ name: 'cm7' });
    const device = await openLinuxRpmsg({ root: board.root, fileOps: board.fileOps, clock });
    const waiting = device.waitForChannel('rpmsg-raw', { timeout: 1000 });
    clock.advance(1000);
    const error = await failure(waiting);
    expect(error).toMatchObject({ name: 'RpmsgError', code: 'ERR_RPMSG_TIMEOUT', limit: 1000 });
    expect(error.message).toMatch(/no channel 'rpmsg-raw' after 1000 ms/);
    expect(error.message).toMatch(/no rpmsg bus/);
    expect(error.message).toMatch(/remoteproc0 \(cm7\) is offline \(start it/);
    await device.close();
  });

  it('names the channels the remote did announce when another name is awaited', async () => {
    const clock = new FakeClock();
    bench = await startBench({ device: { clock } });
    const waiting = bench.device.waitForChannel('rpmsg-raw', { timeout: 10 });
    clock.advance(10);
    await expect(waiting).rejects.toThrow(
      /announced 'rpmsg-echo', 'rpmsg-tty'; remoteproc0 \(m4\) is running/,
    );
  });

  it('rejects with an AbortError, and with ERR_RPMSG_CLOSED when the device closes', async () => {
    bench = await startBench();
    const controller = new AbortController();
    const aborted = bench.device.waitForChannel('nope', { signal: controller.signal });
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const closed = bench.device.waitForChannel('nope');
    await bench.device.close();
    await expect(closed).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
    await expect(bench.device.waitForChannel('nope')).rejects.toMatchObject({ code: 'ERR_RPMSG_CLOSED' });
  });

  it('refuses a name no channel can have, and bad options', async () => {
    bench = await startBench();
    await expect(bench.device.waitForChannel('')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(bench.device.waitForChannel('x'.repeat(32))).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
    await expect(bench.device.waitForChannel('x', { timeout: -1 })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    await expect(bench.device.waitForChannel('x', { signal: 'no' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });
});
