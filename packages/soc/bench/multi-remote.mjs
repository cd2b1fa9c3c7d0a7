#!/usr/bin/env node
// Several remotes (issue 23, "Scale"): aggregate one-way throughput from the inline A-core to 1, 2
// and 4 remotes streaming at once (each remote counts what it gets: sink-firmware.mjs), 16-byte and
// 496-byte payloads, next to a single-remote baseline (the same firmware in the `remote:` form) in
// the same run; createSoc and restart() wall times; shared RAM per link and RSS / heap per extra
// remote (each measured in a fresh child process); and the CPU each message costs — on the A-core's
// thread, on the remotes' threads and in V8's helper threads (per-thread on-CPU time from
// /proc/self/task/*/schedstat on Linux) — so a machine with more cores can be reasoned about.
// Rounds are interleaved (every case once per round, a fresh SoC each time), medians reported.
// Needs `pnpm build` (it loads dist/).
//
//   node packages/soc/bench/multi-remote.mjs [--rounds 5] [--quick] [--json] [--spin µs]
//
// `--spin` is SocOptions.spin (default 0: every core sleeps on its doorbell as soon as it is idle).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createSoc } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    quick: { type: 'boolean' },
    json: { type: 'boolean' },
    spin: { type: 'string' },
    'memory-probe': { type: 'string' }, // internal: one memory measurement, in a child process
  },
});
const sinkUrl = new URL('./sink-firmware.mjs', import.meta.url);
const PAYLOADS = [16, 496];
// Messages per timed window, split evenly over the remotes (and a warm-up before it, so the timed
// code is the optimized code): about half a second each on a 2-core machine.
const TOTAL = values.quick ? { 16: 40_000, 496: 20_000 } : { 16: 400_000, 496: 300_000 };
const WARMUP = values.quick ? 5_000 : 50_000;
const CASES = [
  { name: 'remote: (baseline)', remotes: 0 },
  { name: 'remotes × 1', remotes: 1 },
  { name: 'remotes × 2', remotes: 2 },
  { name: 'remotes × 4', remotes: 4 },
];
const SEND = { timeout: 30_000 };
const spin = Number(values.spin ?? 0);

function bootOptions(n) {
  const common = { waitForChannels: ['bench-sink'], spin };
  if (n === 0) return { remote: sinkUrl, ...common };
  return { remotes: Array.from({ length: n }, (_, i) => ({ name: `r${i}`, remote: sinkUrl })), ...common };
}
const devicesOf = (soc, n) => (n === 0 ? [soc.master] : soc.remotes.map((r) => r.master));

/** On-CPU nanoseconds of every thread of this process (Linux), by thread id; null elsewhere. */
function threadCpu() {
  try {
    const out = new Map();
    for (const tid of readdirSync('/proc/self/task')) {
      out.set(tid, Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]));
    }
    return out;
  } catch {
    return null;
  }
}

/**
 * CPU between two threadCpu() readings: the A-core's (main) thread, the threads that appeared since
 * `before` the boot (the remotes' workers) and the rest (V8's GC and compiler helpers, libuv).
 */
function cpuSplit(preBoot, a, b) {
  if (!a || !b) return null;
  const split = { main: 0, remotes: 0, helpers: 0 };
  for (const [tid, end] of b) {
    const spent = end - (a.get(tid) ?? 0);
    if (tid === String(process.pid)) split.main += spent;
    else if (preBoot?.has(tid)) split.helpers += spent;
    else split.remotes += spent;
  }
  return split;
}

/** Sends `n` messages as fast as the TX pool allows: trySend while buffers are free, else wait for one. */
async function stream(device, ept, payload, n) {
  const stats = device.stats;
  let credit = 0; // only this loop takes this device's buffers, so the count can only grow
  for (let i = 0; i < n; i++) {
    if (credit === 0) credit = stats.txFree;
    if (credit > 0) {
      credit--;
      ept.trySend(payload);
    } else {
      await ept.send(payload, SEND);
    }
  }
}

/** Asks a sink for its report: it comes after every message sent before. */
function report(ept) {
  const reply = new Promise((resolve) =>
    ept.once('message', (bytes) => resolve(JSON.parse(new TextDecoder().decode(bytes)))),
  );
  return ept.send(new Uint8Array(1), SEND).then(() => reply);
}

/** One timed window: every remote gets total/n messages at once; all counted before it ends. */
async function timedWindow(devices, epts, size, total, preBoot) {
  const payload = new Uint8Array(size).fill(0xa5);
  const each = Math.floor(total / devices.length);
  const warm = Math.floor(WARMUP / devices.length);
  await Promise.all(devices.map((d, i) => stream(d, epts[i], payload, warm)));
  await Promise.all(epts.map(report));
  const cpu0 = threadCpu();
  const proc0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(devices.map((d, i) => stream(d, epts[i], payload, each)));
  const reports = await Promise.all(epts.map(report));
  const ns = Number(process.hrtime.bigint() - t0);
  const proc = process.cpuUsage(proc0);
  const cpu = cpuSplit(preBoot, cpu0, threadCpu());
  const counted = reports.reduce((s, r) => s + r.count, 0);
  if (counted !== each * devices.length)
    throw new Error(`${size} B: ${counted} of ${each * devices.length} counted`);
  if (reports.some((r) => r.bytes !== each * size)) throw new Error(`${size} B: bytes miscounted`);
  return {
    msgs: counted / (ns / 1e9),
    mbs: (counted * size) / (ns / 1e3), // bytes per µs = MB/s
    // ns of CPU per message, by thread group (null off Linux); processCpu: process.cpuUsage's
    cpu: cpu && {
      main: cpu.main / counted,
      remotes: cpu.remotes / counted,
      helpers: cpu.helpers / counted,
      total: (cpu.main + cpu.remotes + cpu.helpers) / counted,
    },
    processCpu: ((proc.user + proc.system) * 1e3) / counted,
    // Cores kept busy on average: near the machine's count means CPU-bound, well below means the
    // cores wait for each other (doorbells, wake-ups).
    coresBusy: cpu ? (cpu.main + cpu.remotes + cpu.helpers) / ns : ((proc.user + proc.system) * 1e3) / ns,
    elu: reports.map((r) => r.elu),
    wallNs: ns,
  };
}

/** One round of one case: boot (timed), both payloads, a restart of the first remote (timed). */
async function runCase(c) {
  const preBoot = threadCpu();
  const t0 = performance.now();
  const soc = await createSoc(bootOptions(c.remotes));
  const bootMs = performance.now() - t0;
  try {
    const devices = devicesOf(soc, c.remotes);
    const epts = await Promise.all(devices.map((d) => d.openChannel('bench-sink', { hello: false })));
    const out = { bootMs };
    for (const size of PAYLOADS) out[size] = await timedWindow(devices, epts, size, TOTAL[size], preBoot);
    const t1 = performance.now();
    await (c.remotes === 0 ? soc.restart() : soc.remote('r0').restart());
    out.restartMs = performance.now() - t1;
    return out;
  } finally {
    await soc.stop();
  }
}

/** In a fresh child: memory after booting `n` remotes (0: the `remote:` form), minus before. */
async function memoryProbe(n) {
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      globalThis.gc?.();
      await new Promise((r) => setTimeout(r, 50));
    }
    return process.memoryUsage();
  };
  // Load dist and warm the main thread's code paths first, so the delta is the remotes alone.
  await (await createSoc(bootOptions(1))).stop();
  const before = await settle();
  const soc = await createSoc(bootOptions(n));
  const devices = devicesOf(soc, n);
  const epts = await Promise.all(devices.map((d) => d.openChannel('bench-sink', { hello: false })));
  // Write every buffer of every link once, as traffic would: untouched shared pages are not resident.
  const payload = new Uint8Array(496);
  await Promise.all(devices.map((d, i) => stream(d, epts[i], payload, 2 * d.stats.txTotal)));
  await Promise.all(epts.map(report));
  const after = await settle();
  const reports = await Promise.all(epts.map(report));
  const links = devices.length === 1 && n === 0 ? [soc.layout] : soc.remotes.map((r) => r.layout);
  const result = {
    remotes: devices.length,
    rss: after.rss - before.rss,
    heapUsed: after.heapUsed - before.heapUsed,
    arrayBuffers: after.arrayBuffers - before.arrayBuffers,
    external: after.external - before.external,
    workerHeapUsed: reports.map((r) => r.heapUsed),
    sharedRam: soc.snapshot().image.length,
    linkBytes: links.map((l) => l.size),
  };
  await soc.stop();
  return result;
}

if (values['memory-probe'] !== undefined) {
  console.log(JSON.stringify(await memoryProbe(Number(values['memory-probe']))));
  process.exit(0);
}

const probe = (n) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ['--expose-gc', fileURLToPath(import.meta.url), '--memory-probe', String(n)],
      {
        encoding: 'utf8',
      },
    ),
  );

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rounds = Number(values.rounds ?? (values.quick ? 1 : 5));
const started = performance.now();
const loadBefore = loadavg()[0]; // other work on the machine skews every number: reported
const runs = Object.fromEntries(CASES.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) {
  for (const c of CASES) runs[c.name].push(await runCase(c));
}
const memory = { 0: probe(0), 1: probe(1), 2: probe(2), 4: probe(4) };

// Medians of every number over the rounds.
const med = (name, pick) => median(runs[name].map(pick));
const results = {};
for (const c of CASES) {
  const row = {
    remotes: c.remotes || 1,
    bootMs: med(c.name, (x) => x.bootMs),
    restartMs: med(c.name, (x) => x.restartMs),
  };
  for (const size of PAYLOADS) {
    const cpu = runs[c.name][0][size].cpu;
    row[size] = {
      msgs: med(c.name, (x) => x[size].msgs),
      mbs: med(c.name, (x) => x[size].mbs),
      cpuNs: cpu && {
        main: med(c.name, (x) => x[size].cpu.main),
        remotes: med(c.name, (x) => x[size].cpu.remotes),
        helpers: med(c.name, (x) => x[size].cpu.helpers),
        total: med(c.name, (x) => x[size].cpu.total),
      },
      processCpuNs: med(c.name, (x) => x[size].processCpu),
      coresBusy: med(c.name, (x) => x[size].coresBusy),
      spread: [
        Math.min(...runs[c.name].map((x) => x[size].msgs)),
        Math.max(...runs[c.name].map((x) => x[size].msgs)),
      ],
      remoteElu: med(c.name, (x) => Math.max(...x[size].elu)),
    };
  }
  results[c.name] = row;
}
const perRemote = (key) => (memory[4][key] - memory[1][key]) / 3;
const memorySummary = {
  sharedRamPerLink: memory[1].linkBytes[0],
  sharedRam: { 1: memory[1].sharedRam, 2: memory[2].sharedRam, 4: memory[4].sharedRam },
  rssPerExtraRemote: perRemote('rss'),
  mainHeapPerExtraRemote: perRemote('heapUsed'),
  arrayBuffersPerExtraRemote: perRemote('arrayBuffers'),
  workerHeapUsed: median(memory[4].workerHeapUsed),
  rssFirstRemote: memory[1].rss,
  rssBaseline: memory[0].rss,
  probes: memory,
};
const env = {
  node: process.version,
  cpus: availableParallelism(),
  rounds,
  totals: TOTAL,
  warmup: WARMUP,
  profile: 'linux',
  buffers: '256 × 512 B per direction per link',
  spin,
  loadavg: [loadBefore, loadavg()[0]],
  seconds: (performance.now() - started) / 1000,
};

if (values.json) {
  console.log(JSON.stringify({ env, results, memory: memorySummary }));
} else {
  printTable();
}

function printTable() {
  const base = results[CASES[0].name];
  const f = (n, d = 0) => n.toFixed(d);
  console.log(
    `multi-remote bench: inline A-core, profile linux, 256 × 512 B buffers per direction per link, spin ${spin} µs, ` +
      `${env.cpus} CPUs, node ${env.node}, median of ${rounds} interleaved rounds (${f(env.seconds, 1)} s, ` +
      `load average ${f(env.loadavg[0], 2)} → ${f(env.loadavg[1], 2)})`,
  );
  console.log(
    `${'case'.padEnd(20)}${'16 B msg/s'.padStart(12)}${'MB/s'.padStart(7)}${'× base'.padStart(8)}` +
      `${'496 B msg/s'.padStart(13)}${'MB/s'.padStart(7)}${'× base'.padStart(8)}${'boot ms'.padStart(9)}${'restart ms'.padStart(12)}`,
  );
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(20)}${f(r[16].msgs).padStart(12)}${f(r[16].mbs, 1).padStart(7)}${f(r[16].msgs / base[16].msgs, 2).padStart(8)}` +
        `${f(r[496].msgs).padStart(13)}${f(r[496].mbs, 1).padStart(7)}${f(r[496].msgs / base[496].msgs, 2).padStart(8)}` +
        `${f(r.bootMs, 1).padStart(9)}${f(r.restartMs, 1).padStart(12)}`,
    );
  }
  const k = (n) => `${f(n / 1000)}k`;
  console.log(
    `rounds' spread, msg/s: ${Object.entries(results)
      .map(
        ([name, r]) =>
          `${name} ${PAYLOADS.map((size) => `${k(r[size].spread[0])}–${k(r[size].spread[1])}`).join(', ')}`,
      )
      .join('; ')}`,
  );
  if (base[16].cpuNs) {
    console.log(
      'CPU per message, ns: A-core thread / remote threads / V8+libuv helpers = all; cores busy; busiest remote ELU',
    );
    for (const [name, r] of Object.entries(results)) {
      const line = PAYLOADS.map((size) => {
        const c = r[size].cpuNs;
        return (
          `${size} B ${f(c.main)} / ${f(c.remotes)} / ${f(c.helpers)} = ${f(c.total)}; ` +
          `${f(r[size].coresBusy, 2)}; ${f(r[size].remoteElu, 2)}`
        ).padEnd(44);
      });
      console.log(`  ${name.padEnd(20)}${line.join('   ')}`.trimEnd());
    }
    // Ceilings from those costs: the A-core is one thread, each remote one more, C cores in all.
    const r4 = results['remotes × 4'];
    for (const size of PAYLOADS) {
      const c = r4[size].cpuNs;
      const ceiling = (cores) => Math.min(1e9 / c.main, (4 * 1e9) / c.remotes, (cores * 1e9) / c.total);
      console.log(
        `  ${size} B, 4 remotes: A-core-thread bound ${f(1e9 / c.main)} msg/s; CPU bound on 2/4/8 cores ` +
          `${[2, 4, 8].map((k) => f(ceiling(k))).join(' / ')} msg/s`,
      );
    }
  }
  const m = memorySummary;
  const kib = (n) => `${f(n / 1024)} KiB`;
  console.log(
    `memory: shared RAM ${kib(m.sharedRamPerLink)} per link (${kib(m.sharedRam[1])} / ${kib(m.sharedRam[2])} / ${kib(m.sharedRam[4])} for 1/2/4); ` +
      `per extra remote RSS +${kib(m.rssPerExtraRemote)}, A-core heap +${kib(m.mainHeapPerExtraRemote)}, ` +
      `array buffers +${kib(m.arrayBuffersPerExtraRemote)}; each remote's own heap ${kib(m.workerHeapUsed)}; ` +
      `RSS of the first remote +${kib(m.rssFirstRemote)} (baseline form +${kib(m.rssBaseline)}; ` +
      'both after a warm-up boot whose freed memory they reuse)',
  );
}
