import type { EventEmitter } from 'node:events';
import type { Channel } from './channel.js';
import type { ChannelRegistry } from './channel-registry.js';
import { RPMSG_ADDR_ANY, RPMSG_NS_CREATE, RPMSG_NS_DESTROY } from './constants.js';
import type { RpmsgDeviceEvents } from './device-events.js';
import type { DeviceStats } from './device-stats.js';
import type { Endpoint } from './endpoint.js';
import type { EndpointTable } from './endpoint-table.js';
import { RpmsgError } from './errors.js';
import { reportListenerError, safeEmit } from './listener-error.js';
import { decodeNsMessage, type NsMessage } from './ns-message.js';
import type { Sender } from './sender.js';

/** @internal What the name service needs from its link. */
export interface NameServiceHost {
  readonly device: EventEmitter<RpmsgDeviceEvents>;
  readonly stats: DeviceStats;
  readonly endpoints: EndpointTable;
  readonly channels: ChannelRegistry;
  readonly sender: Sender;
  /** Whether NS messages may go out now: link up and name service on at both ends. */
  canAnnounce(): boolean;
  /** Reports an error in what the peer sent as `protocol-error`. */
  protocolError(error: Error & { readonly code: string }): void;
  /** Points `ep` at `dst` and emits `unbound` if it was bound. */
  unbind(ep: Endpoint, reason: RpmsgError, dst: number): void;
}

/**
 * @internal The name service of a link (Linux virtio_rpmsg_bus.c `rpmsg_ns_cb`): our endpoints'
 * NS CREATE / DESTROY announcements, and the channels the peer's announcements create and remove.
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
      this.#host.protocolError(error as RpmsgError);
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
      for (const ep of host.endpoints.list()) {
        if (ep.state.channel === channel || ep.dst === addr) host.unbind(ep, reason, RPMSG_ADDR_ANY);
      }
      this.#channelRemoved(channel);
      return;
    }
    const channel = host.channels.add(name, addr);
    if (!channel) {
      host.stats.nsDuplicates++;
      host.protocolError(
        new RpmsgError('ERR_RPMSG_CHANNEL_EXISTS', `channel '${name}' at ${addr} announced twice`, { addr }),
      );
      return;
    }
    safeEmit(host.device, 'channel', channel);
  }

  /** Sends `ep`'s NS CREATE if it announces and has not on this link. */
  announce(ep: Endpoint): void {
    const s = ep.state;
    if (s.announce && !s.announced && s.nameBytes && this.#host.canAnnounce()) {
      s.announced = true;
      this.#host.sender.sendNs(ep.addr, s.nameBytes, RPMSG_NS_CREATE);
    }
  }

  /** `ep` is being destroyed: sends its NS DESTROY if it was announced and the link can carry it. */
  retract(ep: Endpoint): void {
    const s = ep.state;
    if (s.announced && s.nameBytes && this.#host.canAnnounce()) {
      this.#host.sender.sendNs(ep.addr, s.nameBytes, RPMSG_NS_DESTROY);
    }
    s.announced = false;
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
