#!/usr/bin/env node
// The A-core program: boots the simulated SoC (this thread is the Linux side, the firmware runs in a
// worker), opens the tty the firmware announces — like `open("/dev/ttyRPMSG0")` — and pipes
// stdin → remote → stdout with backpressure all the way. When stdin ends, the tty sends its end marker
// and keeps reading; the firmware answers with its own after the last echo, and the pipeline resolves.
//
//   echo hello | node main.mjs
//   TTY_UPPER=1 node main.mjs < README.md
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createSoc } from '@rpmsg/soc';
import { openTty } from '@rpmsg/tty';

const soc = await createSoc({
  remote: new URL('./firmware.mjs', import.meta.url),
  remoteData: { upper: process.env.TTY_UPPER === '1' },
});
const tty = openTty(soc.master, 'rpmsg-tty');
tty.once('ready', () =>
  process.stderr.write(`opened ${tty.ttyName} (local ${tty.endpoint.addr} → remote ${tty.endpoint.dst})\n`),
);

/** Counts the bytes passing through. */
function counter() {
  const stage = new Transform({
    transform(chunk, _encoding, callback) {
      stage.bytes += chunk.length;
      callback(null, chunk);
    },
  });
  stage.bytes = 0;
  return stage;
}

const sent = counter();
const echoed = counter();
const started = process.hrtime.bigint();
try {
  await pipeline(process.stdin, sent, tty, echoed, process.stdout);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stderr.write(`${sent.bytes} bytes sent, ${echoed.bytes} echoed in ${seconds.toFixed(3)} s\n`);
} catch (error) {
  process.stderr.write(`${tty.ttyName}: ${error.code ?? error.name}: ${error.message}\n`);
  process.exitCode = 1;
} finally {
  await soc.stop();
}
