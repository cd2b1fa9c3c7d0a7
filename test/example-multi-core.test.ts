import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// examples/multi-core as its README runs it: a simulated i.MX8QM whose two M4s announce channels of
// the same name on their own links, talk to each other over an M4↔M4 link, and one restarts while
// the other streams. The example checks every line itself (exit code 1 on any mismatch, which
// makes execFile reject); this checks what it reports.
const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

describe('examples/multi-core', () => {
  it('runs two M4s and their M4↔M4 link, and restarts one while the other streams', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'examples', 'multi-core', 'main.mjs')], {
      cwd: root,
      timeout: 60_000,
    });
    // Same-named channels, one per link: two devices on Linux's bus.
    expect(stdout).toContain('channel rpmsg-tty at 30 → /sys/bus/rpmsg/devices/virtio0.rpmsg-tty.-1.30');
    expect(stdout).toContain('channel rpmsg-tty at 30 → /sys/bus/rpmsg/devices/virtio1.rpmsg-tty.-1.30');
    expect(stdout).toMatch(/m4-0:m4-1 \(master m4-0\): LSIO MU7, link id 1 \(notify ids 2\/3\)/);
    // The hub's readings straight from M4 core 1, and the controller's duty cycles computed from them.
    expect(stdout).toContain('m4-1 ⇒ A-core          seq=1 pos=7 temp=35.1');
    expect(stdout).toMatch(/m4-1 ⇒ m4-0 ⇒ A-core {3}seq=\d+ pos=\d+ target=90 duty=[+-]\d+/);
    // Counters of every link, the M4↔M4 one included, before and after the restart.
    for (const when of ['before', 'after']) {
      const table = stdout.slice(stdout.indexOf(`stats ${when} the restart`));
      expect(table).toMatch(/^ {2}m4-0 {7}A-core tx \d+ rx \d+ +m4-0 tx \d+ rx \d+$/m);
      expect(table).toMatch(/^ {2}m4-1 {7}A-core tx \d+ rx \d+ +m4-1 tx \d+ rx \d+$/m);
      expect(table).toMatch(/^ {2}m4-0:m4-1 {2}m4-0 tx \d+ rx \d+ +m4-1 tx \d+ rx \d+$/m);
    }
    expect(stdout).toContain('soc: m4-0 is back');
    const restart =
      /m4-0 restarted in (\d+) ms; meanwhile m4-1 sent (\d+) readings, none lost, longest gap ([\d.]+) ms/.exec(
        stdout,
      );
    expect(restart).not.toBeNull();
    expect(Number(restart?.[3])).toBeLessThan(1000);
    expect(stdout).toMatch(/^ok: \d+ readings and \d+ duty cycles, all as expected$/m);
  }, 90_000);
});
