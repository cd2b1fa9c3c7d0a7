import { once } from 'node:events';
import { join } from 'node:path';
import { FakeClock } from '@rpmsg/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { openLinuxRpmsg } from './open-linux-rpmsg.js';
import { listRemoteprocs, openRemoteproc } from './remoteproc.js';
import { failure } from './test-support.js';
import { createFakeBoard, type FakeBoard } from './testing/index.js';

// remoteproc through /sys/class/remoteproc: list, start, stop, firmware, recovery, and a watcher
// that turns a crash and the kernel's recovery into the SoC's crash / restart events.

let board: FakeBoard | undefined;
afterEach(async () => {
  await board?.close();
  board = undefined;
});

function makeBoard(): FakeBoard {
  board = createFakeBoard();
  return board;
}

describe('listRemoteprocs / openRemoteproc', () => {
  it('lists every processor by index with its name, state, firmware and recovery', async () => {
    const b = makeBoard();
    b.addRemoteproc({ name: 'cm4' });
    b.addRemoteproc({ name: 'dsp', running: true, recovery: false, firmware: 'dsp.elf' });
    const all = await listRemoteprocs({ root: b.root, fileOps: b.fileOps });
    expect(all.map((r) => r.info())).toEqual([
      { id: 'remoteproc0', name: 'cm4', state: 'offline', firmware: 'rproc-cm4-fw', recovery: 'enabled' },
      { id: 'remoteproc1', name: 'dsp', state: 'running', firmware: 'dsp.elf', recovery: 'disabled' },
    ]);
  });

  it('finds one by id, index or name, and the only one without a name', async () => {
    const b = makeBoard();
    b.addRemoteproc({ name: 'cm4' });
    const options = { root: b.root, fileOps: b.fileOps };
    for (const which of ['remoteproc0', 0, '0', 'cm4', undefined]) {
      expect((await openRemoteproc(which, options)).id).toBe('remoteproc0');
    }
  });

  it('says ERR_RPMSG_LINUX_NO_REMOTEPROC naming the ones there are', async () => {
    const b = makeBoard();
    b.addRemoteproc({ name: 'cm4' });
    b.addRemoteproc({ name: 'cm7' });
    const options = { root: b.root, fileOps: b.fileOps };
    await expect(openRemoteproc('dsp', options)).rejects.toThrow(
      /no remote processor 'dsp': there are remoteproc0 \(cm4\), remoteproc1 \(cm7\)/,
    );
    await expect(openRemoteproc(undefined, options)).rejects.toMatchObject({
      code: 'ERR_RPMSG_LINUX_NO_REMOTEPROC',
    });
  });

  it('says ERR_RPMSG_LINUX_DRIVER_MISSING (CONFIG_REMOTEPROC) without the class', async () => {
    const b = makeBoard();
    const { rmSync } = await import('node:fs');
    rmSync(join(b.root, 'sys', 'class', 'remoteproc'), { recursive: true });
    const error = await failure(listRemoteprocs({ root: b.root }));
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_DRIVER_MISSING' });
    expect(error.message).toContain('CONFIG_REMOTEPROC');
  });
});

describe('Remoteproc start and stop', () => {
  it('starts the firmware, whose channels then appear; stop removes them', async () => {
    const b = makeBoard();
    b.addRemoteproc({ services: [{ name: 'rpmsg-raw', addr: 40 }] });
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    const device = await openLinuxRpmsg({ root: b.root, fileOps: b.fileOps });
    await rproc.start();
    expect(rproc.state()).toBe('running');
    expect(device.channels().map((c) => c.name)).toEqual(['rpmsg-raw']);
    await rproc.stop();
    expect(rproc.state()).toBe('offline');
    expect(device.channels()).toEqual([]);
    await device.close();
  });

  it('loads another firmware file when asked', async () => {
    const b = makeBoard();
    const fake = b.addRemoteproc();
    fake.installFirmware('v2.elf');
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    await rproc.start({ firmware: 'v2.elf' });
    expect(rproc.firmware()).toBe('v2.elf');
    expect(rproc.state()).toBe('running');
  });

  it('says ERR_RPMSG_LINUX_BUSY when starting a running processor or changing its firmware', async () => {
    const b = makeBoard();
    b.addRemoteproc({ running: true });
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    await expect(rproc.start()).rejects.toMatchObject({ code: 'ERR_RPMSG_LINUX_BUSY' });
    await expect(rproc.start()).rejects.toThrow(/already running/);
    await expect(rproc.setFirmware('other.elf')).rejects.toThrow(/stop it before changing its firmware/);
  });

  it('models rproc_boot: a raw start on a running processor is a silent extra user, not a second boot', async () => {
    const b = makeBoard();
    const fake = b.addRemoteproc({ running: true, services: [{ name: 'rpmsg-raw', addr: 30 }] });
    const state = join(fake.dir, 'state');
    await b.fileOps.writeAttribute(state, 'start'); // no EBUSY on current kernels
    expect(fake.state).toBe('running');
    expect(fake.devices.map((d) => d.busName)).toEqual(['virtio0.rpmsg-raw.-1.30']);
    // rproc_shutdown stops only when the last user leaves: the first stop does nothing.
    await b.fileOps.writeAttribute(state, 'stop');
    expect(fake.state).toBe('running');
    await b.fileOps.writeAttribute(state, 'stop');
    expect(fake.state).toBe('offline');
  });

  it('refuses to start a crashed processor (ERR_RPMSG_LINUX_BAD_STATE, recover()) and boots no second copy', async () => {
    const b = makeBoard();
    const fake = b.addRemoteproc({
      running: true,
      recovery: false,
      services: [{ name: 'rpmsg-raw', addr: 30 }],
    });
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    fake.crash();
    const error = await failure(rproc.start());
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_BAD_STATE' });
    expect(error.message).toMatch(/recover\(\)/);
    // The model as the kernel: even written directly, start leaves it crashed with one virtio device.
    await b.fileOps.writeAttribute(join(fake.dir, 'state'), 'start');
    expect(fake.state).toBe('crashed');
    const device = await openLinuxRpmsg({ root: b.root, fileOps: b.fileOps });
    expect(device.channels().map((c) => c.device)).toEqual(['virtio0.rpmsg-raw.-1.30']);
    await device.close();
  });

  it('cannot stop a crashed processor (EINVAL from rproc_shutdown): the error points to recover(), which works', async () => {
    const b = makeBoard();
    const fake = b.addRemoteproc({ running: true, recovery: false });
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    fake.crash();
    const error = await failure(rproc.stop());
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_BAD_STATE', errno: 'EINVAL' });
    expect(error.message).toMatch(/crashed.*recover\(\)/);
    expect(rproc.state()).toBe('crashed');
    await rproc.recover();
    await fake.recovered;
    expect(rproc.state()).toBe('running');
  });

  it('detaches from a processor Linux attached to, and attaches again on start', async () => {
    const b = makeBoard();
    const fake = b.addRemoteproc({ attached: true, services: [{ name: 'rpmsg-raw', addr: 30 }] });
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    expect(rproc.state()).toBe('attached');
    await expect(rproc.start()).rejects.toMatchObject({ code: 'ERR_RPMSG_LINUX_BUSY' });
    await rproc.detach();
    expect(rproc.state()).toBe('detached');
    expect(fake.devices).toEqual([]);
    await rproc.start();
    expect(rproc.state()).toBe('attached');
    expect(fake.devices.map((d) => d.busName)).toEqual(['virtio0.rpmsg-raw.-1.30']);
  });

  it('says ERR_RPMSG_LINUX_BAD_STATE when detaching a processor Linux booted itself', async () => {
    const b = makeBoard();
    b.addRemoteproc({ running: true });
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    await expect(rproc.detach()).rejects.toMatchObject({
      code: 'ERR_RPMSG_LINUX_BAD_STATE',
      errno: 'EINVAL',
    });
  });

  it('says the platform made the controls read-only (mode 0444), not a udev rule, when no write bit is set', async () => {
    const b = makeBoard();
    b.addRemoteproc({ sysfsReadOnly: true });
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    const error = await failure(rproc.start());
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_PERMISSION', errno: 'EACCES' });
    expect(error.message).toMatch(/read-only \(mode 0444\).*not even root/);
    expect(error.message).not.toContain('udev');
  });

  it('names a root that does not exist or is not a directory (ERR_RPMSG_LINUX_BAD_ROOT)', async () => {
    const b = makeBoard();
    b.addRemoteproc();
    for (const root of [join(b.root, 'missing'), join(b.root, 'lib', 'firmware', 'rproc-m4-fw')]) {
      const error = await failure(listRemoteprocs({ root }));
      expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_BAD_ROOT', path: root });
      expect(error.message).toContain(root);
    }
    await expect(openRemoteproc(0, { root: join(b.root, 'dev') })).rejects.toMatchObject({
      code: 'ERR_RPMSG_LINUX_IO',
    });
  });

  it('says ERR_RPMSG_LINUX_BAD_STATE when stopping a processor that is not running', async () => {
    const b = makeBoard();
    b.addRemoteproc();
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    await expect(rproc.stop()).rejects.toMatchObject({ code: 'ERR_RPMSG_LINUX_BAD_STATE', errno: 'EINVAL' });
  });

  it('says ERR_RPMSG_LINUX_NO_FIRMWARE when the firmware file is not there', async () => {
    const b = makeBoard();
    b.addRemoteproc({ installFirmware: false, firmware: 'missing.elf' });
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    const error = await failure(rproc.start());
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_NO_FIRMWARE', errno: 'ENOENT' });
    expect(error.message).toMatch(/no firmware 'missing\.elf'.*\/lib\/firmware/);
    expect(rproc.state()).toBe('offline');
  });

  it('says ERR_RPMSG_LINUX_PERMISSION with the remoteproc udev rule when state is not ours', async () => {
    const b = makeBoard();
    const fake = b.addRemoteproc();
    b.deny(join(fake.dir, 'state'));
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    const error = await failure(rproc.start());
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_PERMISSION' });
    expect(error.message).toContain('SUBSYSTEM=="remoteproc"');
  });

  it('refuses a firmware name that is not one line of text', async () => {
    const b = makeBoard();
    b.addRemoteproc();
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    await expect(rproc.setFirmware('')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(rproc.setFirmware('a\nb')).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(rproc.setFirmware(3 as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe('RemoteprocWatcher', () => {
  it("reports a crash and the kernel's recovery as crash and restart, with every state between", async () => {
    const b = makeBoard();
    const fake = b.addRemoteproc({
      running: true,
      recoveryDelay: 30,
      services: [{ name: 'rpmsg-raw', addr: 40 }],
    });
    const clock = new FakeClock();
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps, clock });
    const watcher = rproc.watch({ interval: 10 });
    const seen: string[] = [];
    watcher.on('state', (state, previous) => seen.push(`${previous}→${state}`));
    const crashed = once(watcher, 'crash') as Promise<[Error]>;
    const restarted = once(watcher, 'restart');
    fake.crash();
    clock.advance(10);
    const [error] = await crashed;
    expect(error).toMatchObject({ name: 'RpmsgError', code: 'ERR_RPMSG_PEER_GONE' });
    expect(error.message).toMatch(/remoteproc0 \(m4\) crashed/);
    await fake.recovered;
    clock.advance(10);
    await restarted;
    expect(seen).toEqual(['running→crashed', 'crashed→running']);
    watcher.close();
    expect(clock.pending).toBe(0);
  });

  it('leaves a crashed processor crashed with recovery disabled, until recover()', async () => {
    const b = makeBoard();
    const fake = b.addRemoteproc({ running: true, recoveryDelay: 5 });
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    await rproc.setRecovery(false);
    expect(rproc.recovery()).toBe('disabled');
    const watcher = rproc.watch({ interval: 5 });
    const crashed = once(watcher, 'crash');
    fake.crash();
    await crashed;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(rproc.state()).toBe('crashed');
    const restarted = once(watcher, 'restart');
    await rproc.recover();
    await restarted;
    expect(rproc.state()).toBe('running');
    watcher.close();
  });

  it("ends endpoints on a crashed processor's channels with ERR_RPMSG_PEER_GONE once the kernel recovers it", async () => {
    const b = makeBoard();
    const fake = b.addRemoteproc({
      running: true,
      recoveryDelay: 5,
      services: [{ name: 'rpmsg-raw', addr: 40 }],
    });
    const device = await openLinuxRpmsg({ root: b.root, fileOps: b.fileOps });
    const ep = await device.openChannel('rpmsg-raw');
    const unbound = once(ep, 'unbound') as Promise<[Error]>;
    fake.crash();
    const [reason] = await unbound;
    // The kernel stopped the processor to recover it: the channel went with it.
    expect(reason).toMatchObject({ code: 'ERR_RPMSG_PEER_GONE' });
    await fake.recovered;
    expect((await device.waitForChannel('rpmsg-raw', { timeout: 1000 })).removed).toBe(false);
    await device.close();
  });

  it('says gone when the processor disappears, and ERR_RPMSG_LINUX_KERNEL_TOO_OLD without recovery', async () => {
    const b = makeBoard();
    b.addRemoteproc({ recovery: null });
    const rproc = await openRemoteproc(0, { root: b.root, fileOps: b.fileOps });
    expect(rproc.recovery()).toBeNull();
    await expect(rproc.setRecovery(true)).rejects.toMatchObject({ code: 'ERR_RPMSG_LINUX_KERNEL_TOO_OLD' });
    const watcher = rproc.watch({ interval: 1000 });
    const { rmSync } = await import('node:fs');
    rmSync(rproc.path, { recursive: true });
    const gone = once(watcher, 'gone');
    watcher.check();
    await gone;
    expect(watcher.state).toBeNull();
  });
});
