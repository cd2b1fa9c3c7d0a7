#!/usr/bin/env node
// How long one remote's crash and restart pauses the others (issue 23): three remotes, two of them
// streaming echoes round trip after round trip (each checked: in order, none lost) while the third
// faults on its 20th message and is restarted. Prints the longest gap between two of the others'
// round trips during the crash + restart, against the longest gap in the same streams just before
// it, over ROUNDS runs. Needs `pnpm build` (it loads dist/). Usage: node crash-pause.mjs [rounds]
import { createSoc } from '../dist/index.js';

const ROUNDS = Number(process.argv[2] ?? 10);
const firmware = new URL('../src/fixtures/tagged-echo-firmware.mjs', import.meta.url);
const remote = (name, data) => ({ name, remote: firmware, data: data ?? { tag: name } });

function ask(ept, payload) {
  const reply = new Promise((resolve) => ept.once('message', (m) => resolve(m.slice())));
  return ept.send(payload).then(() => reply);
}

async function run() {
  const soc = await createSoc({
    remotes: [remote('victim', { tag: 'v', crashAfter: 20 }), remote('m4-1'), remote('m4-2')],
    waitForChannels: ['rpmsg-echo'],
  });
  const victim = soc.remote('victim');
  const crashed = new Promise((resolve) => victim.once('crash', resolve));
  const others = await Promise.all(
    ['m4-1', 'm4-2'].map((n) => soc.remote(n).master.openChannel('rpmsg-echo')),
  );
  const gap = { before: 0, during: 0 };
  let phase = 'before';
  let streaming = true;
  const stream = async (ept) => {
    let last = performance.now();
    for (let n = 0; streaming; n++) {
      const reply = await ask(ept, new Uint8Array([n & 0xff]));
      if (reply[1] !== (n & 0xff)) throw new Error(`echo ${n} out of order or lost`);
      const now = performance.now();
      gap[phase] = Math.max(gap[phase], now - last);
      last = now;
    }
  };
  const streams = others.map(stream);
  await new Promise((resolve) => setTimeout(resolve, 300));
  phase = 'during';
  const ept = await victim.master.openChannel('rpmsg-echo');
  for (let i = 0; i < 19; i++) await ask(ept, new Uint8Array([i]));
  await ept.send(new Uint8Array([19])); // the fault
  await crashed;
  await victim.restart();
  await ask(await victim.master.openChannel('rpmsg-echo', { timeout: 5000 }), new Uint8Array([7]));
  streaming = false;
  await Promise.all(streams);
  await soc.stop();
  return gap;
}

const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const during = [];
const before = [];
for (let i = 0; i < ROUNDS; i++) {
  const gap = await run();
  during.push(gap.during);
  before.push(gap.before);
}
const ms = (n) => `${n.toFixed(1)} ms`;
console.log(`longest pause of the other remotes' round trips, ${ROUNDS} runs`);
console.log(
  `  during one remote's crash + restart: median ${ms(median(during))}, max ${ms(Math.max(...during))}`,
);
console.log(
  `  same streams just before:            median ${ms(median(before))}, max ${ms(Math.max(...before))}`,
);
