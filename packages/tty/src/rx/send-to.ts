import type { Endpoint, SendOptions } from '@rpmsg/core';
import { Observable, type OperatorFunction } from 'rxjs';

/** Options of {@link sendTo}. */
export interface SendToOptions {
  /** Milliseconds each message may wait for a TX buffer. Default `Infinity` (backpressure). */
  timeout?: number;
}

/**
 * An operator that sends every value on `endpoint` (to its bound destination), in order, one at a
 * time — a value larger than the MTU is split into MTU-sized messages — and emits the number of
 * bytes sent for each value once it is out. Values that arrive while a send waits for a TX buffer are
 * queued in order, so a hot source faster than the peer queues in memory: throttle it upstream.
 *
 * Unsubscribing aborts the send in progress and drops the queue; a failed send errors the result
 * with the `RpmsgError` from the endpoint (`ERR_RPMSG_PEER_GONE`, `ERR_RPMSG_TIMEOUT`, …).
 *
 * ## Example
 * ```ts
 * from([Buffer.from('ping')]).pipe(sendTo(endpoint)).subscribe((n) => console.log(`${n} bytes sent`));
 * ```
 */
export function sendTo(
  endpoint: Endpoint,
  options: SendToOptions = {},
): OperatorFunction<Uint8Array, number> {
  return (source) =>
    new Observable<number>((subscriber) => {
      const abort = new AbortController();
      const sendOptions: SendOptions = {
        timeout: options.timeout ?? Number.POSITIVE_INFINITY,
        signal: abort.signal,
      };
      const queue: Uint8Array[] = [];
      let sending = false;
      let sourceDone = false;

      const pump = async () => {
        sending = true;
        try {
          while (queue.length > 0) {
            const data = queue[0]!;
            const mtu = endpoint.mtu;
            // A 0-byte value still goes out as one (empty) message.
            let offset = 0;
            do {
              await endpoint.send(data.subarray(offset, offset + mtu), sendOptions);
              offset += mtu;
            } while (offset < data.length);
            queue.shift();
            subscriber.next(data.length);
          }
          sending = false;
          if (sourceDone) subscriber.complete();
        } catch (error) {
          sending = false;
          if (!abort.signal.aborted) subscriber.error(error);
        }
      };

      const subscription = source.subscribe({
        next: (data) => {
          // The caller may reuse its array after next() returns: queue a copy.
          queue.push(data.slice());
          if (!sending) void pump();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          if (!sending) subscriber.complete();
        },
      });
      return () => {
        abort.abort();
        queue.length = 0;
        subscription.unsubscribe();
      };
    });
}
