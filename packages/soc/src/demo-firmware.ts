/**
 * The M-core firmware of `rpmsg demo`, written as an RPMsg-Lite application would be: one blocking
 * task that announces two services and echoes everything it receives, zero-copy.
 *
 * - `rpmsg-echo` at address 30: the echo service;
 * - `rpmsg-tty` at address 31: a virtual tty (as NXP's `rpmsg_lite_str_echo_rtos`, it echoes lines).
 *
 * An echo gives back the header's flags word too. Every RPMsg peer sends flags 0, so for them this
 * changes nothing; a tty's end-of-stream marker (a 0-byte message with flag bit 0, docs/wire-format.md)
 * comes back as one, after the last echo, so a tty that half-closed sees its readable side end.
 *
 * Imports nothing at run time: it receives the device and the firmware API from the core worker.
 */
import { RPMSG_TTY_NAME, type RpmsgDevice } from '@rpmsg/core';
import type { FirmwareContext } from './context.js';

/** Name of the echo service the demo firmware announces. */
export const ECHO_SERVICE = 'rpmsg-echo';

/** The firmware's main task: never returns while the core runs. */
export default function demoFirmware(device: RpmsgDevice, ctx: FirmwareContext): void {
  const lite = ctx.lite;
  if (!lite) throw new TypeError('the demo firmware runs on the remote core');
  // Both endpoints deliver into one queue, so one task serves both (rpmsg_queue shared by two epts).
  const queue = lite.createQueue();
  const echo = lite.createEpt(30, queue);
  const tty = lite.createEpt(31, queue);
  lite.nsAnnounce(echo, ECHO_SERVICE);
  lite.nsAnnounce(tty, RPMSG_TTY_NAME);
  for (;;) {
    const msg = lite.recvNocopy(queue);
    const ept = msg.dst === tty.addr ? tty : echo;
    // Zero-copy echo: copy from the RX buffer straight into a TX buffer, then give the RX one back.
    const tx = lite.allocTxBuffer(ept);
    tx.payload.set(msg.payload);
    if (msg.flags === 0) {
      lite.sendNocopy(ept, msg.src, tx, msg.payload.length);
    } else {
      // RPMsg-Lite's API has no flags argument; the device's zero-copy send has. Published at once,
      // as sendNocopy does.
      tx.send(msg.payload.length, msg.src, msg.flags);
      device.flush();
    }
    lite.releaseRxBuffer(msg);
  }
}
