// M-core firmware: an RPMsg-Lite style blocking task. It announces "rpmsg-echo" and echoes every
// message back to its sender, upper-cased when it is text.
/** @type {import('../../packages/soc/dist/index.js').Firmware} */
export default function firmware(_device, { lite }) {
  const ept = lite.createEpt(30);
  lite.nsAnnounce(ept, 'rpmsg-echo');
  for (;;) {
    const msg = lite.recvTimeout(ept); // blocks on the mailbox doorbell (Atomics.wait)
    lite.sendTimeout(
      ept,
      msg.src,
      msg.data.map((b) => (b >= 97 && b <= 122 ? b - 32 : b)),
    );
  }
}
