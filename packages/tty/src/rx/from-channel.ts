import type { Channel, Endpoint, RpmsgDevice } from '@rpmsg/core';
import { RpmsgError } from '@rpmsg/core';
import { Observable } from 'rxjs';

/** Options of {@link fromChannel}. */
export interface FromChannelOptions {
  /** Milliseconds to wait for the channel to be announced. Default: no limit. */
  timeout?: number;
  /** Called with the endpoint once it is open — the address to answer on, e.g. with `sendTo`. */
  onOpen?: (endpoint: Endpoint) => void;
}

/**
 * A cold Observable of the messages arriving on an RPMsg channel. Each subscription opens its own
 * endpoint bound to the channel (sending the hello so the peer learns its address); unsubscribing
 * destroys it. Every payload is a copy: RX buffers go back to the peer as soon as `next` returns.
 *
 * Errors with an `RpmsgError`: `ERR_RPMSG_CHANNEL_GONE` when the peer destroys the channel,
 * `ERR_RPMSG_PEER_GONE` (or the link's code) when the link goes down, `ERR_RPMSG_TIMEOUT` when the
 * channel is not announced in time.
 *
 * ## Example
 * ```ts
 * fromChannel(device, 'rpmsg-tty', { onOpen: (ep) => ep.send(hello) })
 *   .pipe(take(1))
 *   .subscribe((bytes) => console.log(Buffer.from(bytes).toString()));
 * ```
 *
 * @see sendTo to send on the endpoint, channels$ to watch channels come and go
 */
export function fromChannel(
  device: RpmsgDevice,
  nameOrChannel: string | Channel,
  options: FromChannelOptions = {},
): Observable<Uint8Array> {
  return new Observable<Uint8Array>((subscriber) => {
    const abort = new AbortController();
    let endpoint: Endpoint | null = null;
    const fail = (error: Error) => subscriber.error(error);
    const onDown = (reason: Error) => fail(reason);
    const onUnbound = (reason?: Error) =>
      fail(reason ?? new RpmsgError('ERR_RPMSG_CHANNEL_GONE', 'endpoint unbound'));
    device
      .openChannel(nameOrChannel, {
        signal: abort.signal,
        ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
        onMessage: (payload) => {
          // Hellos (0 bytes) only bind addresses; the copy frees the RX buffer at once.
          if (payload.length > 0) subscriber.next(payload.slice());
        },
      })
      .then(
        (ep) => {
          if (subscriber.closed) {
            ep.destroy();
            return;
          }
          endpoint = ep;
          ep.on('unbound', onUnbound);
          device.on('down', onDown);
          options.onOpen?.(ep);
        },
        (error: Error) => {
          if (!abort.signal.aborted) fail(error);
        },
      );

    return () => {
      abort.abort();
      device.off('down', onDown);
      if (endpoint !== null) {
        endpoint.off('unbound', onUnbound);
        if (!endpoint.destroyed) endpoint.destroy();
      }
    };
  });
}
