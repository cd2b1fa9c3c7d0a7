#!/usr/bin/env node
// The A-core of a simulated i.MX8QM (chip.mjs): boots both Cortex-M4s, shows how their links map to
// Linux's devices, takes the sensor hub's readings (M4 core 1, straight over its own link) and the
// motor controller's duty cycles (M4 core 0, computed from the same readings it got over the M4↔M4
// link), checks every line against model.mjs, prints the counters of each link, restarts M4 core 0
// while M4 core 1 keeps streaming and prints how long that stream paused. Exit code 0 when every
// line was right, none was lost and nothing crashed; 1 otherwise.
//
//   node examples/multi-core/main.mjs      (after `pnpm install` at the repository root)
import { EventEmitter } from 'node:events';
import { bootImx8qm, cores, M4_M4, PERIOD_MS } from './chip.mjs';
import { decode, encode, formatControl, formatReading, reading } from './model.mjs';

const TARGET = 90; // degrees: the angle the A-core asks the motor controller to hold
const MAX_PAUSE_MS = 1000; // what "keeps streaming" allows the hub's stream to pause while m4-0 restarts

const problems = [];
const arrived = new EventEmitter(); // 'line' after every message the A-core gets
const hex = (n) => `0x${n.toString(16)}`;

/** Resolves once `done()` holds, checked after each message; a problem after `ms` without it. */
function until(done, what, ms = 5000) {
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      arrived.off('line', check);
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const check = () => {
      if (!done()) return;
      clearTimeout(timer);
      arrived.off('line', check);
      resolve();
    };
    arrived.on('line', check);
  });
}

/** M4 core 1's readings as the A-core receives them: numbered 1, 2, 3 … with no hole. */
const hub = { count: 0, last: 0, lost: 0, lastAt: 0, longestGap: 0 };
function onReading(payload) {
  const now = performance.now();
  const text = decode(payload);
  const seq = Number(/^seq=(\d+) /.exec(text)?.[1]);
  if (seq !== hub.last + 1) {
    problems.push(`m4-1: reading ${seq} after ${hub.last}`);
    hub.lost += Math.max(0, seq - hub.last - 1);
  }
  if (text !== formatReading(reading(seq))) problems.push(`m4-1 sent "${text}"`);
  if (hub.count < 3) console.log(`m4-1 ⇒ A-core          ${text}`);
  if (hub.count > 0) hub.longestGap = Math.max(hub.longestGap, now - hub.lastAt);
  hub.last = seq;
  hub.lastAt = now;
  hub.count++;
  arrived.emit('line');
}

/** M4 core 0's duty cycles: one per reading it got over the M4↔M4 link, in order. */
const motor = { count: 0, last: 0, printed: 0, ack: undefined };
function onControl(payload) {
  const text = decode(payload);
  if (text.startsWith('ok ')) {
    motor.ack = text;
  } else {
    const seq = Number(/^seq=(\d+) /.exec(text)?.[1]);
    const expected = formatControl(seq, reading(seq).pos, TARGET);
    if (text !== expected) problems.push(`m4-0 sent "${text}", expected "${expected}"`);
    // The first after a (re)subscription may be any reading; then one for each, none skipped.
    else if (motor.last > 0 && seq !== motor.last + 1)
      problems.push(`m4-0 skipped from ${motor.last} to ${seq}`);
    if (motor.printed++ < 3) console.log(`m4-1 ⇒ m4-0 ⇒ A-core   ${text}`);
    motor.last = seq;
    motor.count++;
  }
  arrived.emit('line');
}

/**
 * Opens M4 core 0's "rpmsg-tty" and sets the target. No hello: the command is the first message, so
 * the controller learns our address and its target at once and no duty cycle goes out for another.
 */
async function openController(soc) {
  const ept = await soc.remote('m4-0').master.openChannel('rpmsg-tty', { hello: false, timeout: 5000 });
  ept.on('message', onControl);
  motor.ack = undefined;
  motor.last = 0;
  motor.printed = 0;
  await ept.send(encode(`target ${TARGET}`));
  await until(() => motor.ack !== undefined, "m4-0's answer to the target");
  if (motor.ack !== `ok target=${TARGET}`) problems.push(`m4-0 answered "${motor.ack}"`);
  console.log(`A-core ⇒ m4-0: target ${TARGET} → ${motor.ack}`);
  return ept;
}

function printMap(soc) {
  console.log('i.MX8QM: A-core + 2 × Cortex-M4, profile rpmsg-lite');
  for (const core of cores) {
    const r = soc.remote(core.name);
    const [vq0, vq1] = r.layout.vrings;
    console.log(
      `  ${core.name} (${core.role}): ${core.mu}, link id ${r.layout.linkId} (notify ids ${vq0.notifyId}/${vq1.notifyId}),` +
        ` vrings ${hex(vq0.da)}/${hex(vq1.da)}, buffers ${hex(r.layout.pool)} → Linux ${core.remoteproc}, ${core.virtio}`,
    );
    for (const c of r.master.channels()) {
      console.log(
        `    channel ${c.name} at ${c.remoteAddr} → /sys/bus/rpmsg/devices/${core.virtio}.${c.name}.-1.${c.remoteAddr}`,
      );
    }
  }
  const link = soc.snapshot().links[M4_M4.name];
  const [vq0, vq1] = link.vrings;
  console.log(
    `  ${M4_M4.name} (master m4-0): ${M4_M4.mu}, link id ${link.linkId} (notify ids ${vq0.notifyId}/${vq1.notifyId}),` +
      ` vrings ${vq0.da}/${vq1.da}, buffers ${link.pool} → not on Linux's bus`,
  );
}

async function printStats(soc, when) {
  const { links } = await soc.stats();
  console.log(`stats ${when} (messages, name-service ones included):`);
  for (const [name, ends] of Object.entries(links)) {
    const [master, remote] = name.includes(':') ? name.split(':') : ['A-core', name];
    const side = (who, s) => (s ? `${who} tx ${s.txMessages} rx ${s.rxMessages}` : `${who} down`);
    console.log(`  ${name.padEnd(10)} ${side(master, ends.master).padEnd(22)} ${side(remote, ends.remote)}`);
  }
  return links;
}

const soc = await bootImx8qm();
soc.on('crash', (error, name) => problems.push(`${name} crashed: ${error.message}`));
soc.on('restart', (name) => console.log(`soc: ${name} is back`));
try {
  printMap(soc);

  // The controller first (its target set), then the hub: its hello starts the sampling.
  let controller = await openController(soc);
  const tty1 = await soc.remote('m4-1').master.openChannel('rpmsg-tty');
  tty1.on('message', onReading);
  await until(() => hub.count >= 40 && motor.count >= 30, '40 readings and 30 duty cycles');
  const steady = hub.longestGap;
  const before = await printStats(soc, 'before the restart');
  if (before['m4-1'].master.rxMessages < hub.count)
    problems.push('m4-1 link: the A-core counted fewer than arrived');
  if (before[M4_M4.name].remote.txMessages < motor.count)
    problems.push('m4-0:m4-1: fewer sent than m4-0 reported');

  // M4 core 0 restarts (remoteproc recovery of one core): its links to the A-core and to M4 core 1
  // go down and come back; M4 core 1's stream to the A-core must go on, every reading in order.
  const start = performance.now();
  const counted = hub.count;
  hub.longestGap = 0;
  controller.destroy();
  await soc.remote('m4-0').restart();
  const restartMs = performance.now() - start;
  const during = hub.count - counted;
  const lost = hub.lost;
  controller = await openController(soc);
  const resumed = motor.count;
  await until(() => motor.count >= resumed + 20, '20 duty cycles after the restart');
  const pause = hub.longestGap;
  console.log(
    `m4-0 restarted in ${restartMs.toFixed(0)} ms; meanwhile m4-1 sent ${during} readings, ${lost || 'none'} lost,` +
      ` longest gap ${pause.toFixed(1)} ms (every ${PERIOD_MS} ms; ${steady.toFixed(1)} ms at most before)`,
  );
  if (pause > MAX_PAUSE_MS)
    problems.push(`m4-1's stream paused ${pause.toFixed(0)} ms (bound ${MAX_PAUSE_MS})`);
  await printStats(soc, 'after the restart');
} catch (error) {
  problems.push(error.message);
} finally {
  await soc.stop();
}

if (problems.length > 0) {
  for (const p of problems) console.error(`mismatch: ${p}`);
  process.exitCode = 1;
} else {
  console.log(`ok: ${hub.count} readings and ${motor.count} duty cycles, all as expected`);
}
