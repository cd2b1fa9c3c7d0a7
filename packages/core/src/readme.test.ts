import { describe, expect, it, vi } from 'vitest';
import { createMemoryPair } from './testing/index.js';

// The README's first example, verbatim apart from the console spy: it must keep running.
describe('README example', () => {
  it('echoes hello between a master and a remote over one SharedArrayBuffer', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const pair = createMemoryPair('linux');
    await pair.start();
    const echo = pair.remote.createEndpoint({ name: 'rpmsg-echo', addr: 30 });
    echo.on('message', (payload, src) => {
      if (payload.length > 0) echo.trySendTo(src, payload);
    });
    const ep = await pair.master.openChannel('rpmsg-echo', { timeout: 1000 });
    const reply = new Promise<string>((resolve) =>
      ep.once('message', (payload: Uint8Array) => resolve(new TextDecoder().decode(payload))),
    );
    await ep.send(new TextEncoder().encode('hello'));
    console.log(await reply);
    await pair.close();
    expect(log).toHaveBeenCalledWith('hello');
    log.mockRestore();
  });
});
