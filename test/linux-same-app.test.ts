import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openLinuxRpmsg } from '@rpmsg/linux';
import { createFakeBoard, ptyUnavailableReason } from '@rpmsg/linux/testing';
import { createSoc, demoFirmwareUrl } from '@rpmsg/soc';
import { describe, expect, it } from 'vitest';
import { runEchoApp } from '../packages/linux/src/fixtures/echo-app.js';

// Issue 24's promise: an application developed against the simulated SoC runs unchanged on a Linux
// board. The board here is @rpmsg/linux's model of the kernel's interfaces (sysfs files, a pty for
// /dev/ttyRPMSG0, a message-preserving stand-in for /dev/rpmsgN), written from the kernel's
// documentation — not a board. The simulator runs the built demo firmware (`pnpm test` builds first).

const noPty = ptyUnavailableReason();

describe.skipIf(noPty !== null)(
  `one application, two worlds${noPty === null ? '' : ` — skipped: ${noPty}`}`,
  () => {
    it('runs against the simulated SoC and against the Linux model with the same result', async () => {
      const expected = {
        channels: ['rpmsg-echo', 'rpmsg-tty'],
        echoes: ['one', 'two', 'three'],
        tty: 'hello tty\r\n',
      };

      const soc = await createSoc({ remote: demoFirmwareUrl() });
      try {
        expect(await runEchoApp(soc.master)).toEqual(expected);
      } finally {
        await soc.stop();
      }

      // The demo firmware's services on the board: rpmsg-echo is handed to rpmsg_char through
      // driver_override, rpmsg-tty gets rpmsg_tty's /dev/ttyRPMSG0.
      const board = createFakeBoard();
      try {
        const rproc = board.addRemoteproc({
          services: [
            { name: 'rpmsg-echo', addr: 30 },
            { name: 'rpmsg-tty', addr: 31 },
          ],
        });
        const device = await openLinuxRpmsg({ root: board.root, fileOps: board.fileOps, pollInterval: 10 });
        const running = runEchoApp(device);
        // The app waits for the channels while the processor boots, as on a board after power-up.
        await board.fileOps.writeAttribute(`${rproc.dir}/state`, 'start');
        expect(await running).toEqual(expected);
        // The bus also holds the kernel's own name-service and control devices, as a 6.x board's
        // does; the application saw only the two announcements above.
        expect(readdirSync(join(board.root, 'sys', 'bus', 'rpmsg', 'devices'))).toEqual(
          expect.arrayContaining(['virtio0.rpmsg_ns.53.53', 'virtio0.rpmsg_ctrl.0.0']),
        );
        expect(device.getChannel('rpmsg-echo')?.driver).toBe('rpmsg_chrdev');
        expect(device.getChannel('rpmsg-tty')?.driver).toBe('rpmsg_tty');
        await device.close();
      } finally {
        await board.close();
      }
    }, 30_000);
  },
);
