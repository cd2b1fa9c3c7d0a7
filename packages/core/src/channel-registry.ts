import { Channel } from './channel.js';

/** The channels the peer announced, oldest first; a channel is keyed by name and address. */
export class ChannelRegistry {
  #channels: Channel[] = [];

  /** A snapshot, oldest first. */
  list(): Channel[] {
    return [...this.#channels];
  }

  /** The oldest channel called `name`. */
  get(name: string): Channel | undefined {
    return this.#channels.find((ch) => ch.name === name);
  }

  /** The channel `name` at `addr`. */
  find(name: string, addr: number): Channel | undefined {
    return this.#channels.find((ch) => ch.name === name && ch.remoteAddr === addr);
  }

  /**
   * Adds the channel `name` at `addr`, or returns `null` when it exists already: Linux
   * `rpmsg_create_channel` refuses the same name + address twice ("channel already exists").
   */
  add(name: string, addr: number): Channel | null {
    if (this.find(name, addr)) return null;
    const channel = new Channel(name, addr);
    this.#channels.push(channel);
    return channel;
  }

  /** Removes and returns the channel `name` at `addr`, if any. */
  remove(name: string, addr: number): Channel | undefined {
    const channel = this.find(name, addr);
    if (channel) this.#channels = this.#channels.filter((ch) => ch !== channel);
    return channel;
  }

  /** Removes and returns every channel. */
  clear(): Channel[] {
    const all = this.#channels;
    this.#channels = [];
    return all;
  }
}
