import { readFile } from 'node:fs/promises';
import { RpmsgError } from '@rpmsg/core';
import { createSoc, demoFirmwareUrl } from '@rpmsg/soc';
import { replaySource, startView, type ViewSource } from '@rpmsg/view';
import { demoAppUrl } from '../demo/run-demo.js';
import type { DemoAppData } from '../workers/demo-app.js';
import type { CommandIo } from './io.js';

/** Options of `rpmsg view`. */
export interface ViewCommandOptions {
  /** Boot the demo SoC and watch it. */
  readonly demo?: boolean;
  /** A shared-memory image (with `layout`), as `rpmsg inspect` reads. */
  readonly image?: string;
  readonly layout?: string;
  /** A trace file (JSON lines, `createSoc({ trace: { file } })`) to replay. */
  readonly trace?: string;
  /** TCP port (default 0: any free one). */
  readonly port?: number;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Resolves when the view should stop (default: the first SIGINT or SIGTERM). */
  readonly until?: Promise<unknown>;
}

/**
 * `rpmsg view`: serves the live picture of the rings in a local web page and prints its URL on
 * stdout. `--demo` boots the demo SoC and watches it: the demo firmware and the demo's A-core
 * program going round both channels for as long as the view runs (round trips, then a burst, on
 * each channel in turn; no round-trip times kept, so memory stays flat). `--image`/`--layout` show a
 * still image; `--trace` replays a trace (over the image when
 * both are given). Runs until SIGINT or SIGTERM (or `until`), then closes the server and the SoC.
 */
export async function view(options: ViewCommandOptions, io: CommandIo): Promise<number> {
  let source: ViewSource;
  let stopSource = async () => {};
  if (options.demo) {
    const data: DemoAppData = {
      sizes: [0, 16, 64, 496],
      rounds: 200,
      burst: 2000,
      window: 16,
      timeout: 5000,
      forever: true,
    };
    io.progress('booting the demo SoC…');
    const soc = await createSoc({ master: demoAppUrl(), remote: demoFirmwareUrl(), masterData: data });
    io.progress('');
    source = soc;
    stopSource = () => soc.stop();
  } else if (options.image !== undefined || options.trace !== undefined) {
    if ((options.image === undefined) !== (options.layout === undefined)) {
      throw new RpmsgError('ERR_RPMSG_LAYOUT', '--image and --layout go together');
    }
    const snapshot =
      options.image !== undefined && options.layout !== undefined
        ? {
            image: await readFile(options.image),
            layout: parseJson(await readFile(options.layout, 'utf8'), options.layout),
          }
        : undefined;
    const trace = options.trace === undefined ? undefined : await readFile(options.trace, 'utf8');
    source = replaySource({ ...(snapshot ? { snapshot } : {}), ...(trace === undefined ? {} : { trace }) });
    stopSource = async () => source.stop?.();
  } else {
    throw new RpmsgError('ERR_RPMSG_LAYOUT', 'give --demo, --image with --layout, or --trace');
  }
  const server = await startView(source, {
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.host === undefined ? {} : { host: options.host }),
  });
  io.out(server.url);
  try {
    await (options.until ?? signalled());
  } finally {
    await server.close();
    await stopSource();
  }
  return 0;
}

function signalled(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

function parseJson(text: string, path: string): object {
  try {
    return JSON.parse(text) as object;
  } catch (error) {
    throw new RpmsgError('ERR_RPMSG_LAYOUT', `${path} is not JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
}
