import { EventEmitter } from 'node:events';

/**
 * A service the peer announced through the name service (DESIGN §2: NS CREATE): a name and the
 * peer endpoint's address. Made by `RpmsgDevice` when the announcement arrives; open it with
 * `device.openChannel(channel)` to get a local endpoint talking to it.
 *
 * Events: `removed` () — the peer sent NS DESTROY, or the link went down.
 */
export class Channel extends EventEmitter {
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
