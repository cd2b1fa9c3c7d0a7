import type { Channel } from '@rpmsg/core';
import { Observable } from 'rxjs';

/** A channel appearing (`added`, the peer's NS CREATE) or disappearing (`removed`). */
export interface ChannelEvent {
  readonly type: 'added' | 'removed';
  readonly channel: Channel;
}

/** What {@link channels$} needs of a device (an `RpmsgDevice` fits): its channel list and channel events. */
export interface ChannelSource {
  /** The live channels (`RpmsgDevice.channels()`). */
  channels(): Channel[];
  /** Adds a `channel` / `channel-removed` listener. */
  on(event: 'channel' | 'channel-removed', listener: (channel: Channel) => void): unknown;
  /** Removes a listener added with `on`. */
  off(event: 'channel' | 'channel-removed', listener: (channel: Channel) => void): unknown;
}

/**
 * The channels of a device as a stream of events: first an `added` for every channel already known,
 * then `added` / `removed` as the peer announces and destroys them (including removals when the link
 * goes down). Hot underneath, but each subscriber starts with the current list; never completes.
 *
 * ## Example
 * ```ts
 * channels$(device).pipe(filter((e) => e.type === 'added' && e.channel.name === 'rpmsg-tty'));
 * ```
 */
export function channels$(device: ChannelSource): Observable<ChannelEvent> {
  return new Observable<ChannelEvent>((subscriber) => {
    const onAdded = (channel: Channel) => subscriber.next({ type: 'added', channel });
    const onRemoved = (channel: Channel) => subscriber.next({ type: 'removed', channel });
    device.on('channel', onAdded);
    device.on('channel-removed', onRemoved);
    for (const channel of device.channels()) {
      if (subscriber.closed) break;
      onAdded(channel);
    }
    return () => {
      device.off('channel', onAdded);
      device.off('channel-removed', onRemoved);
    };
  });
}
