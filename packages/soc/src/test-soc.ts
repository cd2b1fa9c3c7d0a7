import { afterEach, beforeAll, expect } from 'vitest';
import type { Soc } from './soc.js';
import { ensureBuilt } from './test-build.js';
import { coreWorkerCount } from './workers.js';

/**
 * Test helper for files that boot SoCs: builds `dist/` first if it is stale (workers load it), and
 * after each test stops the SoC `take()` hands back and checks that no core thread is left behind.
 */
export function stopSocAfterEach(take: () => Soc | undefined): void {
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await take()?.stop();
    expect(coreWorkerCount()).toBe(0);
  });
}
