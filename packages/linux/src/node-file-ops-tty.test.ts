import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

// serialport's binding can hand back a port whose descriptor is already gone (closed while opening).
// openTty must then close the port itself, or its poller and lock would stay behind.

const close = vi.fn(async () => {});
vi.mock('@serialport/bindings-cpp', () => ({
  autoDetect: () => ({
    open: async () => ({ fd: null, poller: {}, close }),
  }),
}));

const { nodeFileOps } = await import('./node-file-ops.js');

const scratch = mkdtempSync(join(tmpdir(), 'rpmsg-tty-null-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('nodeFileOps().openTty', () => {
  it('closes a port that came back without a descriptor, and rejects', async () => {
    const path = join(scratch, 'ttyRPMSG0');
    writeFileSync(path, '');
    await expect(nodeFileOps().openTty(path)).rejects.toThrow(/closed while opening/);
    expect(close).toHaveBeenCalledTimes(1);
  });
});
