import { readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { charOpenError } from './char-device.js';
import { openLinuxRpmsg } from './open-linux-rpmsg.js';
import { type Bench, failure, nextMessage, startBench } from './test-support.js';
import { errnoError } from './testing/errno.js';

// How a channel gets its /dev/rpmsgN: rpmsg_char's own probe for rpmsg-raw (Linux ≥ 5.18), or
// driver_override + bind for any other unbound channel — and every way that can fail.

let bench: Bench | undefined;
afterEach(async () => {
  await bench?.close();
  bench = undefined;
});

const device = (b: Bench, name: string) => join(b.board.root, 'sys', 'bus', 'rpmsg', 'devices', name);

describe('a channel named rpmsg-raw', () => {
  it('already has its /dev/rpmsgN: nothing is written to sysfs', async () => {
    bench = await startBench({ rproc: { services: [{ name: 'rpmsg-raw', addr: 40 }] } });
    const dir = device(bench, 'virtio0.rpmsg-raw.-1.40');
    expect(readFileSync(join(dir, 'driver_override'), 'utf8')).toBe('(null)\n');
    const ep = await bench.device.openChannel('rpmsg-raw', { hello: false });
    expect(ep.path).toBe(join(bench.board.root, 'dev', 'rpmsg0'));
    expect(readFileSync(join(dir, 'driver_override'), 'utf8')).toBe('(null)\n');
    const reply = nextMessage(ep);
    await ep.send(new TextEncoder().encode('raw'));
    expect((await reply).toString()).toBe('raw');
  });
});

describe('an unbound channel of another name', () => {
  it('is handed to rpmsg_chrdev through driver_override and bind, then echoes', async () => {
    bench = await startBench({ rproc: { services: [{ name: 'rpmsg-echo', addr: 30 }] } });
    const dir = device(bench, 'virtio0.rpmsg-echo.-1.30');
    expect(bench.device.getChannel('rpmsg-echo')).toMatchObject({ driver: null, charDevice: null });
    const ep = await bench.device.openChannel('rpmsg-echo', { hello: false });
    expect(readFileSync(join(dir, 'driver_override'), 'utf8')).toBe('rpmsg_chrdev\n');
    expect(readlinkSync(join(dir, 'driver')).endsWith('/drivers/rpmsg_chrdev')).toBe(true);
    expect(bench.device.getChannel('rpmsg-echo')).toMatchObject({
      driver: 'rpmsg_chrdev',
      localAddr: 1024,
      charDevice: join(bench.board.root, 'dev', 'rpmsg0'),
    });
    const reply = nextMessage(ep);
    await ep.send(new TextEncoder().encode('bound'));
    expect((await reply).toString()).toBe('bound');
    // Destroyed and opened again: the channel stays bound, the same node.
    ep.destroy();
    const again = await bench.device.openChannel('rpmsg-echo', { hello: false });
    expect(again.path).toBe(ep.path);
  });

  it('says ERR_RPMSG_LINUX_PERMISSION with a udev rule that binds at add time when driver_override is not ours', async () => {
    bench = await startBench({ rproc: { services: [{ name: 'rpmsg-echo', addr: 30 }] } });
    bench.board.deny(join(device(bench, 'virtio0.rpmsg-echo.-1.30'), 'driver_override'));
    const error = await failure(bench.device.openChannel('rpmsg-echo'));
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_PERMISSION', errno: 'EACCES' });
    expect(error.message).toContain('ATTR{driver_override}="rpmsg_chrdev"');
    // The rule names this channel, and the advice the step of docs/linux.md that has the rules.
    expect(error.message).toContain('ATTR{name}=="rpmsg-echo"');
    expect(error.message).not.toContain('<channel>');
    expect(error.message).toContain('docs/linux.md, step 4');
  });

  it("says ERR_RPMSG_LINUX_PERMISSION when the driver's bind file is not ours", async () => {
    bench = await startBench({ rproc: { services: [{ name: 'rpmsg-echo', addr: 30 }] } });
    bench.board.deny('sys/bus/rpmsg/drivers/rpmsg_chrdev/bind');
    await expect(bench.device.openChannel('rpmsg-echo')).rejects.toMatchObject({
      code: 'ERR_RPMSG_LINUX_PERMISSION',
    });
  });
});

describe('a channel another driver holds', () => {
  it('is left alone: ERR_RPMSG_LINUX_BUSY naming the driver and how to unbind it', async () => {
    bench = await startBench({ rproc: { services: [{ name: 'rpmsg-tty', addr: 31 }] } });
    await bench.board.settled();
    if (bench.board.ptyProblem !== null) return; // no rpmsg_tty in the model without a pty
    const error = await failure(bench.device.openChannel('rpmsg-tty'));
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_BUSY' });
    expect(error.message).toMatch(/bound to the rpmsg_tty driver.*openTty/);
  });
});

describe('a kernel without what it takes', () => {
  it('says ERR_RPMSG_LINUX_DRIVER_MISSING (CONFIG_RPMSG_CHAR) without rpmsg_char', async () => {
    bench = await startBench({
      board: { drivers: { rpmsgChar: false } },
      rproc: { services: [{ name: 'rpmsg-raw', addr: 40 }] },
    });
    const error = await failure(bench.device.openChannel('rpmsg-raw'));
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_DRIVER_MISSING' });
    expect(error.message).toMatch(/CONFIG_RPMSG_CHAR.*modprobe rpmsg_char/);
  });

  it('says ERR_RPMSG_LINUX_KERNEL_TOO_OLD before 5.18 (rpmsg_char makes only /dev/rpmsg_ctrlN)', async () => {
    bench = await startBench({
      board: { release: '5.15.71' },
      rproc: { services: [{ name: 'rpmsg-raw', addr: 40 }] },
    });
    // rpmsg-raw is not in 5.15's id table: the channel stays unbound.
    expect(bench.device.getChannel('rpmsg-raw')?.driver).toBeNull();
    const error = await failure(bench.device.openChannel('rpmsg-raw'));
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_KERNEL_TOO_OLD' });
    expect(error.message).toMatch(/Linux 5\.15\.71 .*RPMSG_CREATE_EPT_IOCTL.*Node cannot issue.*5\.18/);
  });

  it('recognises an old rpmsg_char by the control device it makes when the release is unknown', async () => {
    bench = await startBench({
      board: { release: '5.10.0' },
      rproc: { services: [{ name: 'rpmsg-echo', addr: 30 }] },
    });
    // A tree whose /proc does not say the release: the device finds out by binding.
    rmSync(join(bench.board.root, 'proc'), { recursive: true });
    const device2 = await openLinuxRpmsg({ root: bench.board.root, fileOps: bench.board.fileOps });
    expect(device2.kernelRelease).toBeNull();
    const error = await failure(device2.openChannel('rpmsg-echo'));
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_KERNEL_TOO_OLD' });
    expect(bench.device.getChannel('rpmsg-echo')?.record.ctrlDevices).toEqual(['rpmsg_ctrl0']);
    await device2.close();
  });

  it('says ERR_RPMSG_LINUX_KERNEL_TOO_OLD before 4.18 (no driver_override)', async () => {
    bench = await startBench({
      board: { release: '4.14.98' },
      rproc: { services: [{ name: 'rpmsg-echo', addr: 30 }] },
    });
    const error = await failure(bench.device.openChannel('rpmsg-echo'));
    expect(error).toMatchObject({ code: 'ERR_RPMSG_LINUX_KERNEL_TOO_OLD' });
    expect(error.message).toMatch(/driver_override|rpmsg_ctrl/);
  });
});

describe('opening a /dev/rpmsgN whose endpoint device was destroyed', () => {
  it('reads ENXIO (no cdev behind a stale inode) and ENETRESET (open raced the destroy) as the channel gone', async () => {
    bench = await startBench({ rproc: { services: [{ name: 'rpmsg-raw', addr: 40 }] } });
    const channel = bench.device.getChannel('rpmsg-raw')!;
    const eptdev = bench.board.kernel.eptdevAt(join(bench.board.root, 'dev', 'rpmsg0'))!;
    bench.rproc.destroyChannel('rpmsg-raw');
    // The model answers as rpmsg_char does once cdev_device_del ran: ENXIO, never ENETRESET.
    expect(() => eptdev.open('/dev/rpmsg0')).toThrow(expect.objectContaining({ code: 'ENXIO' }));
    for (const errno of ['ENXIO', 'ENETRESET']) {
      const e = charOpenError(
        errnoError(errno, 'open', '/dev/rpmsg0'),
        '/dev/rpmsg0',
        channel,
        () => true,
        bench.device.paths,
      );
      expect(e).toMatchObject({ code: 'ERR_RPMSG_CHANNEL_GONE' });
    }
  });
});
