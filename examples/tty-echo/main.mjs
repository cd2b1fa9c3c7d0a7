#!/usr/bin/env node
// The A-core program: boots the simulated SoC (this thread is the Linux side, the firmware runs in a
// worker), opens the tty the firmware announces — like `open("/dev/ttyRPMSG0")` — and pipes
// stdin → remote → stdout with backpressure all the way. When stdin ends and every byte has come
// back, it closes the tty and stops the SoC.
//
//   echo hello | node main.mjs
//   TTY_UPPER=1 node main.mjs < README.md
import { Transform } from 'node:stream';
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

let sent = 0;
let echoed = 0;
let inputDone = false;
const started = process.hrtime.bigint();
const finishIfDone = () => {
  if (inputDone && echoed >= sent && tty.writable) tty.end(); // close(): endpoint released, NS DESTROY
};

// Count what goes out so we know when everything has come back (a tty has no end-of-file).
const counter = new Transform({
  transform(chunk, _encoding, callback) {
    sent += chunk.length;
    callback(null, chunk);
  },
});
counter.on('end', () => {
  inputDone = true;
  finishIfDone();
});
process.stdin.pipe(counter).pipe(tty, { end: false });
tty.pipe(process.stdout, { end: false });
tty.on('data', (chunk) => {
  echoed += chunk.length;
  finishIfDone();
});

tty.on('error', async (error) => {
  process.stderr.write(`${tty.ttyName}: ${error.code ?? error.name}: ${error.message}\n`);
  process.exitCode = 1;
  await soc.stop();
});
tty.on('close', async () => {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stderr.write(`${sent} bytes sent, ${echoed} echoed in ${seconds.toFixed(3)} s\n`);
  await soc.stop();
});
