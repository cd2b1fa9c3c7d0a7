// Cortex-M4 core 0 of the i.MX8QM: a motor controller. It is the master of the M4↔M4 link (it boots
// it, as RPMsg-Lite's rpmsg_lite_master_init on that link would): there it subscribes to M4 core 1's
// "sensor-feed" and turns each reading into a motor duty cycle (model.mjs), which it reports to the
// A-core on its own link's "rpmsg-tty" — the same channel name M4 core 1 announces to the A-core;
// the two do not collide, each is on its own link. The A-core sets the target angle there
// ("target 90" → "ok target=90"). Announcing "rpmsg-tty" only once subscribed means the SoC's boot
// (and a restart) resolves when readings already flow over the M4↔M4 link.
import { decode, encode, formatControl, parseLine } from './model.mjs';

/** @type {import('../../packages/soc/dist/index.js').Firmware} */
export default async function motorController(device, { link, data }) {
  const { peer } = /** @type {{ peer: string }} */ (data);
  let target = 0; // a reboot forgets it: the A-core sets it again
  let host = -1;
  let tty;

  const onReading = (payload) => {
    const r = parseLine(decode(payload));
    if (host < 0) return;
    try {
      tty.trySendTo(host, encode(formatControl(r.seq, r.pos, target)));
    } catch {
      // No free buffer: the A-core sees a hole in the numbers and reports it.
    }
  };

  const peerDevice = await link(peer);
  await new Promise((subscribed) => {
    // M4 core 1 announces "sensor-feed" again after each of its reboots: subscribe each time.
    const subscribe = (channel) =>
      peerDevice.openChannel(channel).then(
        (ept) => {
          ept.on('message', onReading);
          ept.on('unbound', () => ept.destroy());
          subscribed();
        },
        () => {}, // the link went down before the hello got through: it is announced again later
      );
    peerDevice.on('channel', (channel) => {
      if (channel.name === 'sensor-feed') subscribe(channel);
    });
    const announced = peerDevice.getChannel('sensor-feed');
    if (announced) subscribe(announced);
  });

  tty = device.createEndpoint({
    addr: 30,
    name: 'rpmsg-tty',
    onMessage: (payload, src) => {
      host = src;
      const [command, value] = decode(payload).split(' ');
      if (command !== 'target') return; // a hello, or nothing we know
      target = Number(value);
      tty.trySendTo(src, encode(`ok target=${target}`));
    },
  });
}
