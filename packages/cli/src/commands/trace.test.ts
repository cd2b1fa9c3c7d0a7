import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceConvert } from './trace.js';

const io = () => {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), progress: () => {} },
  };
};

describe('traceConvert', () => {
  it('writes the Trace Event Format of a JSON-lines trace to -o, with a summary on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rpmsg-trace-'));
    const input = join(dir, 'in.jsonl');
    const base = { type: 'message', src: 1024, dst: 30, len: 1, payload: '01', slot: 8, seq: 0, vring: 1 };
    writeFileSync(
      input,
      `${JSON.stringify({ ...base, t: 1000, core: 'master', dir: 'tx' })}\n${JSON.stringify({ ...base, t: 1001, core: 'remote', dir: 'rx' })}\n`,
    );
    const output = join(dir, 'out.json');
    const c = io();
    expect(await traceConvert({ input, output }, c.io)).toBe(0);
    const trace = JSON.parse(readFileSync(output, 'utf8'));
    expect(trace.traceEvents.filter((e: { ph: string }) => e.ph === 's' || e.ph === 'f')).toHaveLength(2);
    expect(c.err.join('')).toContain('1 message arrows');
  });

  it('fails with ERR_RPMSG_TRACE on a line that is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rpmsg-trace-'));
    const input = join(dir, 'bad.jsonl');
    writeFileSync(input, 'nope\n');
    await expect(traceConvert({ input }, io().io)).rejects.toMatchObject({ code: 'ERR_RPMSG_TRACE' });
  });
});
