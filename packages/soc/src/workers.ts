import { Worker } from 'node:worker_threads';
import { RpmsgError } from '@rpmsg/core';
import type { CoreWorkerData, WorkerToSoc } from './protocol.js';
import { fromWireError } from './protocol.js';

/**
 * Where the package's built programs live. In the built package they sit beside this module in
 * `dist/`; when this module runs from sources (tests), the built copies in `../dist/` are used,
 * because a worker thread cannot load TypeScript.
 */
export function distUrl(file: string): URL {
  const here = new URL('.', import.meta.url);
  const dir = here.pathname.endsWith('/src/') ? new URL('../dist/', here) : here;
  return new URL(file, dir);
}

let live = 0;

/** Core worker threads of every SoC in this process that have started and not yet exited (leak checks). */
export function coreWorkerCount(): number {
  return live;
}

/** Starts a core worker thread running `dist/core-worker.js`. */
export function spawnCore(data: CoreWorkerData): Worker {
  const worker = new Worker(distUrl('core-worker.js'), { workerData: data, stdout: false, stderr: false });
  live++;
  worker.once('exit', () => {
    live--;
  });
  return worker;
}

/**
 * Waits for the first control message of `type` from `worker`; rejects if the worker fails, exits,
 * sends `failType`, or `timeout` ms pass. `link`: the answer about that peer link (docs/soc.md). Every listener it adds is removed when it settles.
 */
export function expectMessage<T extends WorkerToSoc['type']>(
  worker: Worker,
  type: T,
  timeout: number,
  what: string,
  failType?: WorkerToSoc['type'],
  link?: number,
): Promise<Extract<WorkerToSoc, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: WorkerToSoc) => {
      // Answers about a peer link carry its index; those about the core's own link carry none.
      if ((message as { link?: number }).link !== link) return;
      if (message.type === type) {
        cleanup();
        resolve(message as Extract<WorkerToSoc, { type: T }>);
      } else if (failType && message.type === failType && 'error' in message) {
        cleanup();
        reject(fromWireError(message.error));
      }
    };
    const onError = (error: Error) => {
      cleanup();
      reject(
        new RpmsgError('ERR_RPMSG_PEER_GONE', `${what}: the core failed: ${error.message}`, { cause: error }),
      );
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new RpmsgError('ERR_RPMSG_PEER_GONE', `${what}: the core exited with code ${code}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new RpmsgError('ERR_RPMSG_TIMEOUT', `${what}: no answer within ${timeout} ms`, { limit: timeout }),
      );
    }, timeout);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
