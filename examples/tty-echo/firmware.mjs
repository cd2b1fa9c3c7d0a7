// The M-core firmware: announces "rpmsg-tty", answers every message, and answers the tty's end marker
// with its own (so the A-core's stream ends after the last answer). Runs in its own worker
// thread with a ready RPMsg device (remote role); returning keeps the core running, event style.
//   TTY_UPPER=1  answers in upper case instead of echoing (a handler, as a real firmware would have)
import { serveTty } from '@rpmsg/tty';

export default function firmware(device, { data }) {
  serveTty(device, {
    name: 'rpmsg-tty',
    handler: data?.upper
      ? (bytes) => Buffer.from(Buffer.from(bytes).toString('latin1').toUpperCase(), 'latin1')
      : undefined,
  });
}
