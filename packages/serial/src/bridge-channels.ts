import type { Channel, Endpoint, RpmsgDevice } from '@rpmsg/core';

/** Options of {@link bridgeChannels}. */
export interface BridgeChannelsOptions {
  /** Which source channels to bridge; default all. */
  filter?: (name: string) => boolean;
  /** Called for a message that could not be forwarded (no peer bound yet, send failed). */
  onDrop?: (channel: string, reason: unknown) => void;
}

/** A running bridge from {@link bridgeChannels}. */
export interface ChannelBridge {
  /** Names of the channels currently bridged. */
  readonly channels: string[];
  /** Stops bridging: destroys the mirrored endpoints (announcing NS DESTROY) on both devices. */
  close(): void;
}

interface Mirror {
  channel: Channel;
  out: Endpoint; // on the target, announced under the channel's name
  in: Endpoint | null; // on the source, bound to the channel
}

/**
 * Mirrors every channel of `source` (e.g. the MCU behind `connectSerial`) as an announced endpoint
 * of the same name on `target` (e.g. the simulated SoC's M-core device), and forwards messages both
 * ways — so the target's peer (the SoC's master) sees the MCU's channels alongside its own. Channels
 * that appear later are bridged when announced; removed ones are withdrawn (NS DESTROY).
 *
 * A message from the MCU before the target side has sent anything on the channel has no
 * destination yet and is dropped (reported through `onDrop`), as on any unbound RPMsg endpoint.
 *
 * @example
 * const mcu = await connectSerial({ path: '/dev/ttyACM0' });
 * const bridge = bridgeChannels(mcu, mcoreDevice); // the A-core now sees 'rpmsg-echo' too
 */
export function bridgeChannels(
  source: RpmsgDevice,
  target: RpmsgDevice,
  options: BridgeChannelsOptions = {},
): ChannelBridge {
  const mirrors = new Map<Channel, Mirror>();
  const drop = (name: string, reason: unknown) => options.onDrop?.(name, reason);
  let closed = false;

  const remove = (channel: Channel) => {
    const m = mirrors.get(channel);
    if (m === undefined) return;
    mirrors.delete(channel);
    if (!m.out.destroyed) m.out.destroy();
    if (m.in !== null && !m.in.destroyed) m.in.destroy();
  };

  const add = (channel: Channel) => {
    if (closed || mirrors.has(channel) || channel.removed) return;
    if (options.filter && !options.filter(channel.name)) return;
    let out: Endpoint;
    try {
      out = target.createEndpoint({ name: channel.name });
    } catch (error) {
      drop(channel.name, error); // e.g. the name is already served on the target
      return;
    }
    const m: Mirror = { channel, out, in: null };
    mirrors.set(channel, m);
    channel.once('removed', () => remove(channel));
    // Payload views are valid only during the call: copy before the (asynchronous) send.
    out.on('message', (payload: Uint8Array) => {
      if (m.in === null) drop(channel.name, new Error('source endpoint not open yet'));
      else m.in.send(payload.slice()).catch((e: unknown) => drop(channel.name, e));
    });
    source.openChannel(channel, { hello: false }).then(
      (ep) => {
        if (!mirrors.has(channel)) {
          ep.destroy();
          return;
        }
        m.in = ep;
        ep.on('message', (payload: Uint8Array) => {
          out.send(payload.slice()).catch((e: unknown) => drop(channel.name, e));
        });
      },
      (error: unknown) => {
        drop(channel.name, error);
        remove(channel);
      },
    );
  };

  const onChannel = (channel: Channel) => add(channel);
  source.on('channel', onChannel);
  for (const c of source.channels()) add(c);

  return {
    get channels() {
      return [...mirrors.keys()].map((c) => c.name);
    },
    close() {
      closed = true;
      source.off('channel', onChannel);
      for (const c of [...mirrors.keys()]) remove(c);
    },
  };
}
