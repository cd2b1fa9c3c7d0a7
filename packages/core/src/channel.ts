import { EventEmitter } from 'node:events';

/** The events of a {@link Channel}: event name → listener arguments. */
export interface ChannelEvents {
  /** The peer sent NS DESTROY for it, or the link went down. */
  removed: [];
}

/**
 * A service the peer announced through the name service (NS CREATE, docs/wire-format.md "Name
 * service"): a name and the peer endpoint's address. Made by `RpmsgDevice` when the announcement
 * arrives; open it with `device.openChannel(channel)` to get a local endpoint talking to it.
 *
 * Events ({@link ChannelEvents}): `removed` () — the peer sent NS DESTROY, or the link went down.
 */
export class Channel extends EventEmitter<ChannelEvents> {
  /** The announced name (at most 31 bytes of UTF-8). */
  readonly name: string;
  /** The peer endpoint's address, the `dst` for messages to this service. */
  readonly remoteAddr: number;
  #removed = false;

  /** Made by the device only; applications get channels from `channels()` and the `channel` event. */
  constructor(name: string, remoteAddr: number) {
    super();
    this.name = name;
    this.remoteAddr = remoteAddr;
  }

  /** True once the peer destroyed the channel or the link went down. */
  get removed(): boolean {
    return this.#removed;
  }

  /** @internal Marks the channel removed and emits `removed`; called by the device once. */
  markRemoved(): void {
    if (this.#removed) return;
    this.#removed = true;
    this.emit('removed');
  }
}
