import type { EventEmitter } from 'node:events';
import type { Channel } from './channel.js';
import type { ChannelRegistry } from './channel-registry.js';
import type { RpmsgDeviceEvents } from './device-events.js';
import type { DeviceStats } from './device-stats.js';
import type { EndpointTable } from './endpoint-table.js';
import { RpmsgError } from './errors.js';
import { reportListenerError, safeEmit } from './listener-error.js';
import { decodeNsMessage, type NsMessage } from './ns-message.js';
import type { Sender } from './sender.js';

/** What the name service needs from its link (`RpmsgBus` implements it). */
export interface NameServiceHost {
  readonly device: EventEmitter<RpmsgDeviceEvents>;
  readonly stats: DeviceStats;
  readonly endpoints: EndpointTable;
  readonly channels: ChannelRegistry;
  readonly sender: Pick<Sender, 'rejectWhere'>;
  /** Reports an error in what the peer sent as `protocol-error` (the transport sink's `onError`). */
  onError(error: Error & { readonly code: string }): void;
}

/**
 * The receiving half of a link's name service (Linux virtio_rpmsg_bus.c `rpmsg_ns_cb`):
 * the channels the peer's NS CREATE / DESTROY announcements create and remove. Our own endpoints'
 * announcements are their bindings' (`binding.ts`).
 */
export class NameService {
  readonly #host: NameServiceHost;

  constructor(host: NameServiceHost) {
    this.#host = host;
  }

  /**
   * Decodes an NS message's payload; `null` (counted, reported) when it is malformed. The name is
   * copied out, so the caller may release the buffer right after.
   */
  decode(payload: Uint8Array): NsMessage | null {
    try {
      return decodeNsMessage(payload);
    } catch (error) {
      this.#host.stats.nsMalformed++;
      this.#host.onError(error as RpmsgError);
      return null;
    }
  }

  /** Applies the peer's NS CREATE (a new channel) or NS DESTROY (the channel and its bindings gone). */
  onMessage(message: NsMessage): void {
    const host = this.#host;
    const { name, addr } = message;
    if (message.isDestroy) {
      const channel = host.channels.remove(name, addr);
      if (!channel) return; // Linux ignores a DESTROY for a channel it does not know
      const reason = new RpmsgError('ERR_RPMSG_CHANNEL_GONE', `the peer destroyed channel '${name}'`, {
        addr,
      });
      host.sender.rejectWhere((w) => w.owner !== null && w.dst === addr, reason);
      for (const ep of host.endpoints.list()) ep.binding.nsDestroy(channel, addr, reason);
      this.#channelRemoved(channel);
      return;
    }
    const channel = host.channels.add(name, addr);
    if (!channel) {
      host.stats.nsDuplicates++;
      host.onError(
        new RpmsgError('ERR_RPMSG_CHANNEL_EXISTS', `channel '${name}' at ${addr} announced twice`, { addr }),
      );
      return;
    }
    safeEmit(host.device, 'channel', channel);
  }

  /** Link down: every channel the peer announced is gone. */
  clear(): void {
    for (const channel of this.#host.channels.clear()) this.#channelRemoved(channel);
  }

  #channelRemoved(channel: Channel): void {
    try {
      channel.markRemoved();
    } catch (error) {
      reportListenerError(error);
    }
    safeEmit(this.#host.device, 'channel-removed', channel);
  }
}
