// Cortex-M4 core 1 of the i.MX8QM: a sensor hub. Every `periodMs` it samples the motor (a reading
// numbered from 1, see model.mjs) and sends it to two subscribers over two links: the A-core, on its
// own link (announced as "rpmsg-tty" — the A-core's hello starts the sampling), and the motor
// controller on M4 core 0, over the M4↔M4 link (announced there as "sensor-feed"). This core is the
// remote end of both links; the M4↔M4 one is served by callbacks, not by blocking ctx.lite calls,
// which serve only a core's link to the A-core.
import { encode, formatReading, reading } from './model.mjs';

/** @type {import('../../packages/soc/dist/index.js').Firmware} */
export default async function sensorHub(device, { link, data }) {
  const { peer, periodMs } = /** @type {{ peer: string, periodMs: number }} */ (data);
  let host = -1; // the A-core's address, from its hello
  let controller = -1; // the motor controller's address on the M4↔M4 link, from its hello
  let feed;
  let seq = 0;
  let sampling = false;

  const sample = () => {
    const bytes = encode(formatReading(reading(++seq)));
    try {
      tty.trySendTo(host, bytes);
    } catch {
      // No free buffer (the A-core stopped reading): this reading is lost, and the A-core, which
      // checks that the numbers follow each other, reports it.
    }
    if (controller < 0) return;
    try {
      feed.trySendTo(controller, bytes);
    } catch {
      // No free buffer on the M4↔M4 link: the controller misses this one (the A-core sees the hole).
    }
  };

  // The A-core's link first, so the SoC's boot (which waits for "rpmsg-tty") does not wait on M4 core 0.
  const tty = device.createEndpoint({
    addr: 30,
    name: 'rpmsg-tty',
    onMessage: (_payload, src) => {
      host = src;
      if (sampling) return;
      sampling = true;
      setInterval(sample, periodMs); // until the core is stopped or restarted (its thread ends)
    },
  });

  const peerDevice = await link(peer); // up once M4 core 0, the link's master, has booted it
  // M4 core 0 reboots: until it subscribes again the readings go to the A-core only, as a hub on
  // the silicon would carry on without it.
  peerDevice.on('down', () => {
    controller = -1;
  });
  feed = peerDevice.createEndpoint({
    addr: 30,
    name: 'sensor-feed',
    onMessage: (_payload, src) => {
      controller = src;
    },
  });
}
