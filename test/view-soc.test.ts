import { createSoc } from '@rpmsg/soc';
import { describe, expect, it } from 'vitest';

// soc.view(): the SoC serves its own live picture; stop() closes it.
describe('soc.view()', () => {
  it('serves frames of the running SoC on 127.0.0.1 and is closed by stop()', async () => {
    const soc = await createSoc({
      remote: new URL('../packages/soc/src/fixtures/echo-firmware.mjs', import.meta.url),
      waitForChannels: ['rpmsg-echo'],
    });
    try {
      const view = await soc.view();
      expect(new URL(view.url).hostname).toBe('127.0.0.1');
      const frame = (await (await fetch(`${view.url}frame`)).json()) as {
        state: string;
        rings: { vrings: unknown[] };
      };
      expect(frame.state).toBe('running');
      expect(frame.rings.vrings).toHaveLength(2);
      // Read-only: nothing but GET.
      expect((await fetch(`${view.url}control/restart`, { method: 'POST' })).status).toBeGreaterThanOrEqual(
        400,
      );
      await soc.stop();
      await expect(fetch(`${view.url}frame`)).rejects.toThrow();
    } finally {
      await soc.stop();
    }
  }, 30_000);
});
