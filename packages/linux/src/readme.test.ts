import { describe, expect, it, vi } from 'vitest';
import { openLinuxRpmsg, openRemoteproc } from './index.js';
import { createFakeBoard } from './testing/index.js';

// The README's first example, verbatim apart from the console spy: it must keep running.
describe('README example', () => {
  it('starts the remote processor, opens rpmsg-echo through its /dev/rpmsgN and gets hello back', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const board = createFakeBoard();
    board.addRemoteproc({ name: 'm4', services: [{ name: 'rpmsg-echo', addr: 30 }] });
    const where = { root: board.root, fileOps: board.fileOps };

    const rproc = await openRemoteproc('m4', where);
    await rproc.start();
    const device = await openLinuxRpmsg(where);
    const ep = await device.openChannel('rpmsg-echo', { timeout: 5000 });
    const reply = new Promise((resolve) =>
      ep.on('message', (payload) => {
        if (payload.length > 0) resolve(new TextDecoder().decode(payload));
      }),
    );
    await ep.send(new TextEncoder().encode('hello'));
    console.log(await reply);
    await device.close();
    await rproc.stop();
    await board.close();
    expect(log).toHaveBeenCalledWith('hello');
    log.mockRestore();
  });
});
