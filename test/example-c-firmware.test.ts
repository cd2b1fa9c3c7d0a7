import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// examples/c-firmware as its README runs it: the C firmware is built, booted as the M-core, and
// both of its services answer the Node app.
const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

describe('examples/c-firmware', () => {
  it('echoes through the tty and delivers ten sensor readings from the C firmware', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'examples', 'c-firmware', 'main.mjs')], {
      cwd: root,
      timeout: 120_000,
    });
    expect(stdout).toContain('[remote] firmware up: rpmsg-tty at 30, rpmsg-sensor at 31');
    for (const line of ['hello from the A-core', 'this is C on the M-core', 'over virtio rings']) {
      expect(stdout).toContain(`tty echo: ${line}`);
    }
    const times = [...stdout.matchAll(/^sensor: t=(\d+) ms {2}\d+\.\d °C {2}\d+\.\d %$/gm)].map((m) =>
      Number(m[1]),
    );
    expect(times).toHaveLength(10);
    // A reading every 100 ms of the SoC's clock, in order.
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThan(50);
  }, 150_000);
});
