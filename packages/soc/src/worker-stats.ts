import type { Worker } from 'node:worker_threads';
import type { CoreStats, SocToWorker, WorkerToSoc } from './protocol.js';

/** @internal Asks a core worker for its counters (request `id`); `null` if it does not answer within 500 ms. */
export function requestStats(worker: Worker, id: number, link?: number): Promise<CoreStats | null> {
  return new Promise((resolve) => {
    const done = (value: CoreStats | null) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      resolve(value);
    };
    const onMessage = (m: WorkerToSoc) => {
      if (m.type === 'stats' && m.id === id) done(m.stats);
    };
    const timer = setTimeout(() => done(null), 500);
    worker.on('message', onMessage);
    worker.postMessage(
      (link === undefined ? { type: 'stats', id } : { type: 'stats', id, link }) satisfies SocToWorker,
    );
  });
}
