import type { DuplexOptions } from 'node:stream';
import type { TtyOptions } from './rpmsg-tty.js';

/** The options of a tty stream that belong to the `Duplex` under it. */
type TtyStreamOptions = Pick<
  TtyOptions,
  'allowHalfOpen' | 'highWaterMark' | 'readableHighWaterMark' | 'writableHighWaterMark' | 'signal'
>;

/**
 * The `Duplex` options of a tty stream: `allowHalfOpen` (default false, as a tty), and the
 * buffering and abort options only where they were given, so Node's own defaults apply otherwise.
 * Shared by `RpmsgTty` and the streams built like it on other transports (`@rpmsg/linux`'s tty).
 */
export function ttyDuplexOptions(options: TtyStreamOptions): DuplexOptions {
  return {
    // Node's own rule: when the readable side has ended ('end') and this is false, end() follows.
    allowHalfOpen: options.allowHalfOpen ?? false,
    ...(options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark }),
    ...(options.readableHighWaterMark === undefined
      ? {}
      : { readableHighWaterMark: options.readableHighWaterMark }),
    ...(options.writableHighWaterMark === undefined
      ? {}
      : { writableHighWaterMark: options.writableHighWaterMark }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}
