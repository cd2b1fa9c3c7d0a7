import { describe, expect, it } from 'vitest';
import type { TraceEvent } from './trace.js';
import { traceFormatProblems } from './trace-format-rules.js';
import { convertTrace } from './trace-perfetto.js';
import { TraceRing } from './trace-ring.js';

// Small, so sub-µs offsets stay exact (an epoch time in ms resolves about 0.25 µs).
const T0 = 1000;

function message(
  core: 'master' | 'remote',
  dir: 'tx' | 'rx',
  t: number,
  seq: number,
  slot: number,
): TraceEvent {
  const vring = (core === 'master') === (dir === 'tx') ? 1 : 0;
  return {
    t: T0 + t,
    core,
    type: 'message',
    dir,
    src: 1024,
    dst: 30,
    len: 3,
    payload: '010203',
    vring,
    slot,
    seq,
  };
}

describe('convertTrace', () => {
  it('joins each send to its receive by vring, ring position and slot, with an s → f arrow', () => {
    const trace = convertTrace([
      message('master', 'tx', 0, 0, 8),
      { t: T0 + 0.01, core: 'remote', type: 'pass', dur: 0.02, isr: 0.005, kicks: 1, delivered: 1, free: 7 },
      message('remote', 'rx', 0.02, 0, 8),
      message('remote', 'tx', 0.03, 0, 0),
      message('master', 'rx', 0.05, 0, 0),
    ]);
    expect(traceFormatProblems(trace)).toEqual([]);
    expect(trace.otherData).toMatchObject({ flows: 2, unmatched: 0 });
    const flows = trace.traceEvents.filter((e) => e.ph === 's' || e.ph === 'f');
    expect(flows.map((e) => `${e.ph}${e.id}@${e.tid}`)).toEqual(['s1@1', 'f1@2', 's2@2', 'f2@1']);
    expect(flows.find((e) => e.ph === 'f')).toMatchObject({ bp: 'e' });
  });

  it('gives each link of a several-remote trace its own tracks, arrows and occupancy series', () => {
    const on = (link: string, e: TraceEvent): TraceEvent => ({ ...e, link });
    const trace = convertTrace([
      // The same ring positions and slots on two links: two separate messages, not one.
      on('m4-0', message('master', 'tx', 0, 0, 8)),
      on('m4-1', message('master', 'tx', 0.01, 0, 8)),
      on('m4-1', message('remote', 'rx', 0.02, 0, 8)),
      on('m7:m4', message('master', 'tx', 0.03, 0, 2)),
      { t: T0 + 0.035, core: 'soc', type: 'lifecycle', event: 'crash', link: 'm4-0' },
      on('m7:m4', message('remote', 'rx', 0.04, 0, 2)),
      on('m4-0', message('remote', 'rx', 0.05, 0, 8)),
    ]);
    expect(traceFormatProblems(trace)).toEqual([]);
    const names = trace.traceEvents
      .filter((e) => e.name === 'thread_name')
      .map((e) => (e.args as { name: string }).name);
    expect(names).toEqual(['soc', 'master → m4-0', 'm4-0', 'master → m4-1', 'm4-1', 'm7 → m4', 'm4 (m7:m4)']);
    // m4-1's and m7:m4's messages are joined; m4-0's send was cut off by its crash, not the others'.
    expect(trace.otherData).toMatchObject({ flows: 2, unmatched: 2 });
    const flows = trace.traceEvents.filter((e) => e.ph === 's' || e.ph === 'f');
    expect(flows.map((e) => `${e.ph}${e.id}@${e.tid}`)).toEqual(['s1@6', 'f1@7', 's2@8', 'f2@9']);
    expect(trace.traceEvents.find((e) => e.name === 'crash m4-0')).toMatchObject({
      s: 'g',
      args: { link: 'm4-0' },
    });
    // A remote's crash also ends what was in flight on its M-core links.
    const m4 = convertTrace([
      on('m7:m4', message('master', 'tx', 0, 0, 2)),
      { t: T0 + 0.01, core: 'soc', type: 'lifecycle', event: 'crash', link: 'm4' },
      on('m7:m4', message('remote', 'rx', 0.02, 0, 2)),
    ]);
    expect(m4.otherData).toMatchObject({ flows: 0, unmatched: 2 });
    const occupancy = trace.traceEvents.filter((e) => e.name === 'ring occupancy').at(-1);
    expect(Object.keys(occupancy?.args ?? {})).toEqual([
      'm4-0 vq0',
      'm4-0 vq1',
      'm4-1 vq0',
      'm4-1 vq1',
      'm7:m4 vq0',
      'm7:m4 vq1',
    ]);
  });

  it('cuts a message slice that would outlast the pass it happened in', () => {
    const trace = convertTrace([
      { t: T0, core: 'remote', type: 'pass', dur: 0.0005, isr: 0, kicks: 0, delivered: 1, free: 7 },
      message('remote', 'rx', 0.0002, 0, 8),
    ]);
    expect(traceFormatProblems(trace)).toEqual([]);
    expect(trace.traceEvents.find((e) => e.name.startsWith('rx'))).toMatchObject({ ts: 0.2, dur: 0.3 });
  });

  it('forgets sends in flight at a reset: a send before a crash is not joined to a receive after it', () => {
    const trace = convertTrace([
      message('master', 'tx', 0, 0, 8),
      { t: T0 + 1, core: 'soc', type: 'lifecycle', event: 'crash', detail: 'firmware fault' },
      message('master', 'tx', 2, 0, 8),
      message('remote', 'rx', 3, 0, 8),
    ]);
    expect(trace.otherData).toMatchObject({ flows: 1, unmatched: 1 });
    const crash = trace.traceEvents.find((e) => e.name === 'crash');
    expect(crash).toMatchObject({ ph: 'i', s: 'g', args: { detail: 'firmware fault' } });
    const occupancy = trace.traceEvents.filter((e) => e.name === 'ring occupancy').map((e) => e.args);
    expect(occupancy).toEqual([
      { vq0: 0, vq1: 1 },
      { vq0: 0, vq1: 0 },
      { vq0: 0, vq1: 1 },
      { vq0: 0, vq1: 0 },
    ]);
  });

  it('reads JSON lines and gives the same trace as the events', () => {
    const events = [message('master', 'tx', 0, 0, 8), message('remote', 'rx', 1, 0, 8)];
    const lines = `${events.map((e) => JSON.stringify(e)).join('\n')}\n\n`;
    expect(convertTrace(lines)).toEqual(convertTrace(events));
  });

  it('counts per-endpoint rates over windows, a quiet window reading 0', () => {
    const trace = convertTrace([message('master', 'tx', 0, 0, 8), message('master', 'tx', 1, 1, 9)], {
      rateWindowMs: 10,
    });
    const rates = trace.traceEvents.filter((e) => e.name === 'rate master ept 1024').map((e) => e.args);
    expect(rates).toEqual([{ 'msg/s': 200 }, { 'msg/s': 0 }]);
  });

  it('converts a trace of 200,000 events (no argument spread that overflows the stack)', () => {
    const events = Array.from({ length: 100_000 }, (_, i) => [
      message('master', 'tx', i * 0.01, i, 8 + (i % 8)),
      message('remote', 'rx', i * 0.01 + 0.005, i, 8 + (i % 8)),
    ]).flat();
    expect(convertTrace(events).otherData.flows).toBe(100_000);
  });

  it('throws ERR_RPMSG_TRACE naming a line that is not JSON', () => {
    expect(() => convertTrace('{"t":1}\nnot json\n')).toThrow(
      expect.objectContaining({ code: 'ERR_RPMSG_TRACE', message: expect.stringContaining('line 2') }),
    );
  });
});

describe('traceFormatProblems', () => {
  it('finds overlapping slices, unpaired flows, a flow end before its start and unnamed tracks', () => {
    const problems = traceFormatProblems({
      traceEvents: [
        { name: 'a', ph: 'X', pid: 1, tid: 1, ts: 0, dur: 10 },
        { name: 'b', ph: 'X', pid: 1, tid: 1, ts: 5, dur: 10 },
        { name: 'm', cat: 'c', ph: 's', pid: 1, tid: 1, ts: 8, id: 1 },
        { name: 'm', cat: 'c', ph: 'f', pid: 1, tid: 1, ts: 6, id: 1, bp: 'e' },
        { name: 'm', cat: 'c', ph: 's', pid: 1, tid: 1, ts: 1, id: 2 },
        { name: 'B', ph: 'B', pid: 1, tid: 1, ts: 1 },
        { name: 'n', ph: 'C', pid: 1, tid: 1, ts: -1, args: { v: 'x' } },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("overlaps its parent's end"),
        expect.stringContaining('f before its s'),
        expect.stringContaining('s without f'),
        expect.stringContaining('B without E'),
        expect.stringContaining('counter v = x'),
        expect.stringContaining('ts -1'),
        expect.stringContaining('no process_name'),
        expect.stringContaining('no thread_name'),
      ]),
    );
  });
});

describe('TraceRing', () => {
  it('keeps exactly the last N events, oldest first', () => {
    const ring = new TraceRing(3);
    const events = [1, 2, 3, 4, 5].map(
      (t): TraceEvent => ({ t, core: 'soc', type: 'lifecycle', event: `e${t}` }),
    );
    ring.push(events.slice(0, 2));
    expect(ring.toArray().map((e) => e.t)).toEqual([1, 2]);
    ring.push(events.slice(2));
    expect(ring.size).toBe(3);
    expect(ring.toArray().map((e) => e.t)).toEqual([3, 4, 5]);
  });
});
