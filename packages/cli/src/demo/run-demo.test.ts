import { describe, expect, it } from 'vitest';
import { runDemo } from './run-demo.js';

// runDemo starts the built worker programs (dist/): `pnpm test` builds first.
describe('runDemo', () => {
  it('discovers both services, verifies every echo and reports numbers', async () => {
    const summary = await runDemo({ rounds: 20, burst: 200 });
    expect(summary.failures).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(summary.channels.sort()).toEqual(['rpmsg-echo', 'rpmsg-tty']);
    expect(summary.messages).toBe(2 * (6 * 20 + 200));
    expect(summary.rttMedianUs).toBeGreaterThan(0);
    expect(summary.rttP99Us).toBeGreaterThanOrEqual(summary.rttMedianUs);
  });

  it('reports a failed run instead of throwing', async () => {
    const summary = await runDemo({ rounds: 1, burst: 1, sizes: [600] });
    expect(summary.ok).toBe(false);
    expect(summary.failures[0]).toMatch(/ERR_RPMSG_MSG_TOO_BIG/);
  });
});
