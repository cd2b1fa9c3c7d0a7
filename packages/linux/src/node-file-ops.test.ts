import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceFile } from './file-ops.js';
import { nodeFileOps } from './node-file-ops.js';
import { openLinuxRpmsg } from './open-linux-rpmsg.js';
import { failure } from './test-support.js';
import { createFakeBoard, ptyUnavailableReason, startPtyRelay } from './testing/index.js';

// The real file operations, on what a test machine has: a FIFO stands in for a character device
// (non-blocking, pollable), a pty for a tty, plain files for sysfs attributes.

const scratch = mkdtempSync(join(tmpdir(), 'rpmsg-fileops-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const ops = nodeFileOps({ acceptFifos: true });

function readable(file: DeviceFile): Promise<void> {
  return new Promise((resolve, reject) => file.waitReadable((e) => (e === null ? resolve() : reject(e))));
}

function hasMkfifo(): string | null {
  try {
    execFileSync('mkfifo', [join(scratch, 'probe')]);
    return null;
  } catch (error) {
    return `mkfifo is not available (${(error as Error).message})`;
  }
}
const noFifo = hasMkfifo();

describe.skipIf(noFifo !== null)(
  `nodeFileOps().openCharDevice${noFifo === null ? '' : ` — skipped: ${noFifo}`}`,
  () => {
    it('opens non-blocking: read says EAGAIN, then epoll says readable once bytes arrive', async () => {
      const path = join(scratch, 'fifo1');
      execFileSync('mkfifo', [path]);
      const file = await ops.openCharDevice(path);
      const buffer = new Uint8Array(64);
      expect(() => file.read(buffer)).toThrow(expect.objectContaining({ code: 'EAGAIN' }));
      const ready = readable(file);
      setTimeout(() => file.write(new TextEncoder().encode('abc')), 5);
      await ready;
      expect(file.read(buffer)).toBe(3);
      expect(new TextDecoder().decode(buffer.subarray(0, 3))).toBe('abc');
      file.close();
      file.close();
    });

    it('wakes a reader and a writer waiting together (the poller is given both events)', async () => {
      const path = join(scratch, 'fifo2');
      execFileSync('mkfifo', [path]);
      const file = await ops.openCharDevice(path);
      const ready = readable(file);
      const writable = new Promise<void>((resolve) => file.waitWritable(() => resolve()));
      await writable; // an empty FIFO is writable at once
      file.write(new Uint8Array([1]));
      await ready;
      file.close();
    });

    it('rejects with the errno for a node that is not there', async () => {
      expect(await failure(ops.openCharDevice(join(scratch, 'missing')))).toMatchObject({ code: 'ENOENT' });
    });
  },
);

describe('nodeFileOps().writeAttribute', () => {
  it('writes the value with one write, and never creates a missing attribute', async () => {
    const path = join(scratch, 'state');
    writeFileSync(path, 'offline\n');
    await ops.writeAttribute(path, 'start');
    expect(readFileSync(path, 'utf8')).toBe('startne\n'); // no truncation: as a sysfs store sees it
    expect(await failure(ops.writeAttribute(join(scratch, 'nope'), 'x'))).toMatchObject({ code: 'ENOENT' });
  });
});

const noPty = ptyUnavailableReason();

describe.skipIf(noPty !== null)(
  `nodeFileOps().openTty${noPty === null ? '' : ` — skipped: ${noPty}`}`,
  () => {
    it('opens a tty raw and locked: a second open says EBUSY', async () => {
      const relay = await startPtyRelay();
      try {
        const file = await ops.openTty(relay.path);
        expect(await failure(ops.openTty(relay.path))).toMatchObject({ code: 'EBUSY' });
        file.write(Buffer.from('\r\n'));
        const buffer = Buffer.alloc(16);
        let got = 0;
        while (got < 2) {
          await readable(file);
          got += file.read(buffer.subarray(got));
        }
        expect(buffer.subarray(0, 2).toString()).toBe('\r\n');
        file.close();
      } finally {
        await relay.close();
      }
    });

    it('reads end-of-file or EIO once the other side hangs up', async () => {
      const relay = await startPtyRelay();
      const file = await ops.openTty(relay.path);
      await relay.close();
      const buffer = Buffer.alloc(16);
      const outcome = await new Promise<string>((resolve) => {
        const attempt = () => {
          try {
            resolve(file.read(buffer) === 0 ? 'eof' : 'data');
          } catch (error) {
            const code = (error as { code?: string }).code;
            if (code === 'EAGAIN') file.waitReadable(attempt);
            else resolve(code ?? 'error');
          }
        };
        attempt();
      });
      expect(['eof', 'EIO']).toContain(outcome);
      file.close();
    });

    it('rejects with the errno for a tty that is not there', async () => {
      expect(await failure(ops.openTty(join(scratch, 'ttyRPMSG9')))).toMatchObject({ code: 'ENOENT' });
    });
  },
);

describe('nodeFileOps().openCharDevice on something that is not a character device', () => {
  it('refuses a regular file with ERR_RPMSG_LINUX_NOT_DEVICE instead of reading 0-byte messages from it', async () => {
    const path = join(scratch, 'rpmsg-plain');
    writeFileSync(path, '');
    await expect(nodeFileOps().openCharDevice(path)).rejects.toMatchObject({
      code: 'ERR_RPMSG_LINUX_NOT_DEVICE',
      path,
    });
  });

  it.skipIf(noFifo !== null)('refuses a FIFO too unless a test asked for FIFOs', async () => {
    const path = join(scratch, 'fifo-refused');
    execFileSync('mkfifo', [path]);
    await expect(nodeFileOps().openCharDevice(path)).rejects.toMatchObject({
      code: 'ERR_RPMSG_LINUX_NOT_DEVICE',
    });
  });

  it("reaches openChannel through the real file operations: the model's /dev/rpmsg0 is a plain file", async () => {
    const board = createFakeBoard();
    try {
      board.addRemoteproc({ running: true, services: [{ name: 'rpmsg-raw', addr: 40 }] });
      // No fileOps: the real ones, as on a board — the model's stand-in node is a regular file.
      const device = await openLinuxRpmsg({ root: board.root });
      const error = await failure(device.openChannel('rpmsg-raw', { timeout: 1000 }));
      expect(error).toMatchObject({
        code: 'ERR_RPMSG_LINUX_NOT_DEVICE',
        path: join(board.root, 'dev', 'rpmsg0'),
      });
      await device.close();
    } finally {
      await board.close();
    }
  });
});
