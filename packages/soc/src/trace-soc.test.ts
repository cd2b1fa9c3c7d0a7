import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Endpoint } from '@rpmsg/core';
import { describe, expect, it } from 'vitest';
import { checkSocOptions } from './check-options.js';
import { Soc } from './soc.js';
import { stopSocAfterEach } from './test-soc.js';
import type { TraceEvent } from './trace.js';
import { traceFormatProblems } from './trace-format-rules.js';
import { convertTrace, type PerfettoTrace, type TraceEventFormatEvent } from './trace-perfetto.js';

const echoFirmware = new URL('./fixtures/echo-firmware.mjs', import.meta.url);
const ECHOES = 1000;

let soc: Soc | undefined;
stopSocAfterEach(() => {
  const s = soc;
  soc = undefined;
  return s;
});

/** Boots with a `trace` listener from the very first event (what the file gets, the stream gets). */
async function boot(options: ConstructorParameters<typeof Soc>[0], events: TraceEvent[]): Promise<Soc> {
  const s = new Soc(options);
  soc = s;
  s.on('trace', (e) => events.push(e));
  await s.start();
  return s;
}

async function echoes(ept: Endpoint, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const reply = new Promise((resolve) => ept.once('message', resolve));
    await ept.send(new Uint8Array([i & 0xff, i >> 8, 7]));
    await reply;
  }
}

/** Waits until the remote's trace has shown `n` echoes sent (its batches arrive when it idles). */
async function remoteEchoes(events: TraceEvent[], n: number): Promise<void> {
  const sent = () =>
    events.filter((e) => e.core === 'remote' && e.type === 'message' && e.dir === 'tx' && e.len === 3).length;
  await expect.poll(sent, { timeout: 5000 }).toBe(n);
}

const file = (name: string) => join(tmpdir(), `rpmsg-trace-${process.pid}-${name}`);
const read = (path: string): PerfettoTrace => JSON.parse(readFileSync(path, 'utf8')) as PerfettoTrace;

describe("trace: { format: 'perfetto' } of a real run", () => {
  it('opens as the format says: a process, a track per core, an arrow per echo each way, counters, a crash marker', async () => {
    const path = file('perfetto.json');
    const events: TraceEvent[] = [];
    const s = await boot(
      {
        remote: echoFirmware,
        numBuffers: 16,
        remoteData: { crashAfter: ECHOES + 1 },
        trace: { format: 'perfetto', file: path },
      },
      events,
    );
    const ept = await s.master.openChannel('rpmsg-echo', { hello: false, timeout: 5000 });
    const crashed = new Promise((resolve) => s.once('crash', resolve));
    await echoes(ept, ECHOES);
    // A dying worker's unposted batch is lost: let the remote post its echoes (it does before it
    // sleeps) so that only the crashing message's own events can go missing.
    await remoteEchoes(events, ECHOES);
    await ept.send(new Uint8Array([1])); // echoed, then the firmware throws
    await crashed;
    // Written after the crash, before any stop(): the minutes before it survive a process that dies.
    await expect.poll(() => readFileSync(path, 'utf8').includes('"crash"'), { timeout: 5000 }).toBe(true);
    await s.restart();
    const again = await s.master.openChannel('rpmsg-echo', { hello: false, timeout: 5000 });
    await echoes(again, 5);
    await remoteEchoes(events, ECHOES + 5);
    // A master reboot: the remote sees its link go down and come up again.
    await s.restartMaster();
    const linkUps = () => events.filter((e) => e.type === 'lifecycle' && e.event === 'link-up').length;
    await expect.poll(linkUps, { timeout: 5000 }).toBe(3);
    await s.stop();

    const trace = read(path);
    expect(traceFormatProblems(trace)).toEqual([]);
    const meta = trace.traceEvents.filter((e) => e.ph === 'M');
    expect(meta.filter((e) => e.name === 'process_name')).toHaveLength(1);
    expect(meta.filter((e) => e.name === 'thread_name').map((e) => e.args?.name)).toEqual([
      'master',
      'remote',
      'soc',
    ]);
    expect(new Set(trace.traceEvents.map((e) => e.pid))).toEqual(new Set([1]));

    const byTid = (tid: number) => trace.traceEvents.filter((e) => e.tid === tid);
    for (const tid of [1, 2]) {
      expect(byTid(tid).some((e) => e.ph === 'X' && e.name === 'pass')).toBe(true);
      expect(byTid(tid).some((e) => e.ph === 'X' && e.name === 'sleep')).toBe(true);
      expect(byTid(tid).some((e) => e.ph === 'i' && e.name.startsWith('kick'))).toBe(true);
    }
    expect(trace.traceEvents.some((e) => e.ph === 'X' && e.name === 'isr')).toBe(true);
    expect(trace.traceEvents.some((e) => e.ph === 'i' && e.name === 'ns channel rpmsg-echo')).toBe(true);

    // Every echo: an arrow master → remote (the request to address 30) and remote → master (the echo).
    const sliceAt = new Map<string, TraceEventFormatEvent>();
    for (const e of trace.traceEvents) if (e.ph === 'X') sliceAt.set(`${e.tid}@${e.ts! + e.dur! / 2}`, e);
    const starts = new Map(trace.traceEvents.filter((e) => e.ph === 's').map((e) => [e.id, e]));
    let requests = 0;
    let replies = 0;
    for (const f of trace.traceEvents.filter((e) => e.ph === 'f')) {
      const s = starts.get(f.id)!;
      const tx = sliceAt.get(`${s.tid}@${s.ts}`);
      const rx = sliceAt.get(`${f.tid}@${f.ts}`);
      expect(tx?.args).toMatchObject({ slot: rx?.args?.slot, seq: rx?.args?.seq, vring: rx?.args?.vring });
      if (s.tid === 1 && f.tid === 2 && tx?.args?.dst === 30 && tx.args.len === 3 && rx) requests++;
      if (s.tid === 2 && f.tid === 1 && tx?.args?.src === 30 && tx.args.len === 3 && rx) replies++;
    }
    expect(requests).toBe(ECHOES + 5);
    expect(replies).toBe(ECHOES + 5);

    const counters = new Set(trace.traceEvents.filter((e) => e.ph === 'C').map((e) => e.name));
    expect(counters).toContain('ring occupancy');
    expect(counters).toContain('tx free');
    expect([...counters].some((n) => n.startsWith('rate master ept'))).toBe(true);
    expect(counters).toContain('rate remote ept 30');

    const marker = (name: string) =>
      trace.traceEvents.find((e) => e.ph === 'i' && e.s === 'g' && e.name === name);
    expect(marker('crash')).toBeDefined();
    expect(marker('restart')!.ts).toBeGreaterThan(marker('crash')!.ts!);
    expect(marker('link-up')).toBeDefined();
    expect(marker('link-down')).toBeDefined();

    // The same run's events as JSON lines convert to the same trace.
    expect(convertTrace(events.map((e) => JSON.stringify(e)).join('\n'))).toEqual(trace);
  }, 60_000);
});

describe('trace: { last }', () => {
  it('keeps exactly the last N events in the file, for JSON lines and for perfetto', async () => {
    const jsonl = file('last.jsonl');
    const events: TraceEvent[] = [];
    const s = await boot({ remote: echoFirmware, numBuffers: 16, trace: { file: jsonl, last: 300 } }, events);
    await echoes(await s.master.openChannel('rpmsg-echo', { hello: false, timeout: 5000 }), 200);
    await s.stop();
    const lines = readFileSync(jsonl, 'utf8').trim().split('\n');
    expect(events.length).toBeGreaterThan(300);
    expect(lines).toHaveLength(300);
    expect(lines).toEqual(events.slice(-300).map((e) => JSON.stringify(e)));

    const json = file('last.json');
    const kept: TraceEvent[] = [];
    const p = await boot(
      { remote: echoFirmware, numBuffers: 16, trace: { format: 'perfetto', file: json, last: 300 } },
      kept,
    );
    await echoes(await p.master.openChannel('rpmsg-echo', { hello: false, timeout: 5000 }), 200);
    await p.stop();
    const trace = read(json);
    expect(traceFormatProblems(trace)).toEqual([]);
    expect(trace).toEqual(convertTrace(kept.slice(-300)));
    // Every send whose receive is also among the kept events gets its arrow. (How many that is
    // depends on how the two cores' batches interleaved: a core's events arrive in batches.)
    const window = kept.slice(-300);
    const key = (e: TraceEvent) => e.type === 'message' && `${e.vring}:${e.seq}:${e.slot}`;
    const received = new Set(window.filter((e) => e.type === 'message' && e.dir === 'rx').map(key));
    const pairs = window.filter((e) => e.type === 'message' && e.dir === 'tx' && received.has(key(e))).length;
    expect(trace.otherData.flows).toBe(pairs);
  }, 60_000);
});

describe('trace options', () => {
  it.each([
    [{ format: 'chrome' }, 'ERR_INVALID_ARG_VALUE'],
    [{ format: 1 }, 'ERR_INVALID_ARG_TYPE'],
    [{ last: 0 }, 'ERR_OUT_OF_RANGE'],
    [{ last: 1.5 }, 'ERR_OUT_OF_RANGE'],
  ])('refuses trace %o with %s', (trace, code) => {
    expect(() => checkSocOptions({ remote: 'x.mjs', trace } as never)).toThrow(
      expect.objectContaining({ code }),
    );
  });
});
