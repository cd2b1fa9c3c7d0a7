#!/usr/bin/env node
// The A-core program: builds the C firmware (cached: a second run compiles nothing), boots the
// simulated SoC with it as the M-core, talks to its echo service through a tty stream — as an
// application on Linux does through /dev/ttyRPMSG0 — and takes ten readings from its sensor with RxJS.
//
//   node main.mjs            (from the repository root: node examples/c-firmware/main.mjs)
import { fileURLToPath } from 'node:url';
import { buildFirmware } from '@rpmsg/firmware';
import { createSoc } from '@rpmsg/soc';
import { openTty } from '@rpmsg/tty';
import { fromChannel, sendTo } from '@rpmsg/tty/rx';
import { firstValueFrom, map, of, take, toArray } from 'rxjs';

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
const { output, cached } = await buildFirmware({
  sources: [here('firmware.c')],
  output: here('firmware.wasm'),
});
console.log(`firmware: ${output}${cached ? ' (cached build)' : ''}`);

const soc = await createSoc({ remote: output, waitForChannels: ['rpmsg-tty', 'rpmsg-sensor'] });
soc.on('log', (core, line) => console.log(`  [${core}] ${line}`));
try {
  // The echo service, as a stream.
  const tty = openTty(soc.master, 'rpmsg-tty');
  const lines = ['hello from the A-core', 'this is C on the M-core', 'over virtio rings'];
  for (const line of lines) {
    tty.write(line);
    const [echo] = await new Promise((resolve) => tty.once('data', (chunk) => resolve([chunk])));
    console.log(`tty echo: ${echo.toString()}`);
  }
  tty.destroy();

  // The sensor, as an Observable: subscribing opens an endpoint; the first message subscribes us.
  const readings = await firstValueFrom(
    fromChannel(soc.master, 'rpmsg-sensor', {
      onOpen: (ep) => of(Buffer.from('subscribe')).pipe(sendTo(ep)).subscribe(),
    }).pipe(
      map((bytes) =>
        Object.fromEntries(
          Buffer.from(bytes)
            .toString()
            .split(' ')
            .map((kv) => kv.split('=')),
        ),
      ),
      take(10),
      toArray(),
    ),
  );
  for (const r of readings) console.log(`sensor: t=${r.t} ms  ${r.temp} °C  ${r.hum} %`);
} finally {
  await soc.stop();
}
