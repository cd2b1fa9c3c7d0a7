import { EventEmitter } from 'node:events';
import type { Channel } from './channel.js';
import { ChannelRegistry } from './channel-registry.js';
import type { Clock } from './clock.js';
import { checkTimeout, systemClock } from './clock.js';
import {
  RPMSG_ADDR_ANY,
  RPMSG_HDR_SIZE,
  RPMSG_MAX_PAYLOAD,
  RPMSG_NS_ADDR,
  RPMSG_SEND_TIMEOUT_MS,
} from './constants.js';
import { DeviceStats, type RpmsgDeviceStats } from './device-stats.js';
import { checkAddress, Endpoint, type EndpointOptions, type EndpointState } from './endpoint.js';
import { EndpointTable } from './endpoint-table.js';
import { RpmsgError } from './errors.js';
import { closedError, RpmsgLink } from './link.js';
import { encodeNsName } from './ns-message.js';
import type { Transport } from './transport.js';
import { type WaitOptions, waitUntil } from './wait-until.js';

/** Options of {@link RpmsgDevice}. */
export interface RpmsgDeviceOptions {
  /** Default time (ms) a send waits for a TX buffer; default 15 000 as Linux `rpmsg_send`. */
  sendTimeout?: number;
  /** Where timeouts get their time; default Node's timers (tests pass a `FakeClock`). */
  clock?: Clock;
  /** Use the name service when the transport negotiated it (default true). */
  nameService?: boolean;
}

/** Options of {@link RpmsgDevice.openChannel}. */
export type OpenChannelOptions = Omit<EndpointOptions, 'dst' | 'announce' | 'name'> & WaitOptions;

const EMPTY = new Uint8Array(0);

/**
 * The RPMsg bus over any {@link Transport}, in either role — Linux `virtio_rpmsg_bus` / RPMsg-Lite
 * `rpmsg_lite` without the virtio part: the endpoint table, the name service and its channels, and the
 * send paths (blocking with timeout and AbortSignal, try, zero-copy).
 *
 * @example
 * const device = new RpmsgDevice(transport);
 * await device.start();
 * const ep = await device.openChannel('rpmsg-tty', { timeout: 5000 });
 * ep.on('message', (payload) => console.log(payload));
 * await ep.send(new TextEncoder().encode('hi'));
 *
 * Events: `up` (); `down` (reason: RpmsgError); `channel` (Channel); `channel-removed` (Channel);
 * `endpoint` (Endpoint); `protocol-error` (RpmsgError — the peer sent something this side refused;
 * counted in `stats` and dropped).
 */
export class RpmsgDevice extends EventEmitter {
  /** The transport under this device. */
  readonly transport: Transport;
  /** Counters; buffer numbers are live from the transport. */
  readonly stats: RpmsgDeviceStats;
  /** Largest payload of one message: buffer size − 16 (496 for 512-byte buffers). */
  readonly mtu: number;
  readonly #link: RpmsgLink;
  readonly #counters: DeviceStats;
  readonly #endpoints = new EndpointTable();
  readonly #channels = new ChannelRegistry();
  readonly #clock: Clock;
  #starting: Promise<void> | undefined;

  /**
   * Attaches to `transport` (which must not be attached to anything else).
   *
   * @throws {RangeError} a `sendTimeout` that is not a number ≥ 0, or a transport buffer smaller than 16 bytes
   */
  constructor(transport: Transport, options: RpmsgDeviceOptions = {}) {
    super();
    if (!Number.isInteger(transport.bufferSize) || transport.bufferSize < RPMSG_HDR_SIZE) {
      throw new RangeError(`transport bufferSize must be ≥ ${RPMSG_HDR_SIZE}, got ${transport.bufferSize}`);
    }
    this.transport = transport;
    this.mtu = Math.min(transport.bufferSize - RPMSG_HDR_SIZE, RPMSG_MAX_PAYLOAD);
    this.#clock = options.clock ?? systemClock;
    this.#counters = new DeviceStats(transport);
    this.stats = this.#counters;
    this.#link = new RpmsgLink({
      device: this,
      transport,
      clock: this.#clock,
      sendTimeout: checkTimeout(options.sendTimeout, RPMSG_SEND_TIMEOUT_MS),
      useNameService: options.nameService !== false,
      mtu: this.mtu,
      stats: this.#counters,
      endpoints: this.#endpoints,
      channels: this.#channels,
    });
    transport.attach(this.#link.sink);
  }

  /** `master` (virtio driver, owns the buffers) or `remote` (virtio device), from the transport. */
  get role(): Transport['role'] {
    return this.transport.role;
  }

  /** True while the link is up and the device open. */
  get isUp(): boolean {
    return this.#link.isUp;
  }

  /** True when name-service messages are sent and understood (option on and negotiated). */
  get hasNameService(): boolean {
    return this.#link.hasNameService;
  }

  /** Same as {@link RpmsgDevice.mtu} (Linux `rpmsg_get_mtu`). */
  getMtu(): number {
    return this.mtu;
  }

  /**
   * Starts the transport's handshake; resolves when the link is up (the `up` event fires first).
   * Calling it again returns the same promise.
   *
   * @throws {RpmsgError} `ERR_RPMSG_CLOSED`, or the transport's handshake error; `AbortError`
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.#link.isClosed) return Promise.reject(closedError());
    this.#starting ??= this.transport.start(signal).then(() => this.#link.syncUp());
    return this.#starting;
  }

  /**
   * Pumps the transport: delivers what the peer published (messages, returned buffers, link changes),
   * then flushes this side's releases in one batch. Drivers call it when the doorbell rings. Returns
   * the number of messages delivered. With `budget`, delivers at most that many (the rest wait on
   * the ring for the next call, as with Linux NAPI's weight).
   *
   * @throws {RangeError} when `budget` is not a positive integer
   */
  poll(budget?: number): number {
    if (budget !== undefined && !(Number.isInteger(budget) && budget > 0)) {
      throw new RangeError(`budget must be a positive integer, got ${String(budget)}`);
    }
    return this.#link.poll(budget);
  }

  /**
   * Publishes now what this side has batched — sends and released RX buffers, otherwise published
   * every 16th, at the next `poll()`, or when the current task's microtasks run — and kicks the peer
   * if it asked. Code that sends or releases and then blocks the thread without waiting on the device
   * calls it, so the peer sees the messages (and gets the buffers back) at once.
   */
  flush(): void {
    this.#link.flush();
  }

  /**
   * Creates a local endpoint. With `name` (and `announce`, default on) it is announced through the
   * name service now or when the link comes up.
   *
   * @throws {RpmsgError} `ERR_RPMSG_ADDR_IN_USE`, `ERR_RPMSG_ADDR_RESERVED` (53, the name service),
   *   `ERR_RPMSG_NO_ADDR`, `ERR_RPMSG_CLOSED`
   * @throws {RangeError|TypeError} a bad address or name (1–31 UTF-8 bytes)
   */
  createEndpoint(options: EndpointOptions = {}): Endpoint {
    if (this.#link.isClosed) throw closedError();
    const { name, onMessage, hello = false } = options;
    const requested = options.addr ?? RPMSG_ADDR_ANY;
    checkAddress('addr', requested);
    const dst = options.dst ?? RPMSG_ADDR_ANY;
    checkAddress('dst', dst);
    if (onMessage !== undefined && typeof onMessage !== 'function')
      throw new TypeError('onMessage must be a function');
    const nameBytes = name === undefined ? null : encodeNsName(name);
    const announce = options.announce ?? name !== undefined;
    if (announce && nameBytes === null) throw new TypeError('announce needs a name');
    if (requested === RPMSG_NS_ADDR) {
      throw new RpmsgError('ERR_RPMSG_ADDR_RESERVED', `address ${RPMSG_NS_ADDR} is the name service`, {
        addr: requested,
      });
    }
    if (requested !== RPMSG_ADDR_ANY && this.#endpoints.has(requested)) {
      throw new RpmsgError('ERR_RPMSG_ADDR_IN_USE', `address ${requested} is in use`, { addr: requested });
    }
    const addr = requested === RPMSG_ADDR_ANY ? this.#endpoints.allocate() : requested;
    const state: EndpointState = {
      configuredDst: dst,
      nameBytes,
      announce,
      hello,
      announced: false,
      helloSent: false,
      channel: null,
      onMessage,
      destroyed: false,
      stats: { sent: 0, received: 0, dropped: 0, bytesSent: 0, bytesReceived: 0 },
    };
    const ep = new Endpoint(this.#link.host, addr, name, state);
    this.#endpoints.add(ep);
    this.emit('endpoint', ep);
    this.#link.activate(ep);
    return ep;
  }

  /** The live local endpoints. */
  endpoints(): Endpoint[] {
    return this.#endpoints.list();
  }

  /** The channels the peer announced and has not destroyed, oldest first. */
  channels(): Channel[] {
    return this.#channels.list();
  }

  /** The oldest live channel called `name`. */
  getChannel(name: string): Channel | undefined {
    return this.#channels.get(name);
  }

  /**
   * Resolves with the channel `name` once the peer announced it (at once if it has). Default timeout:
   * none (wait until `signal` aborts or the device closes).
   *
   * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT`, `ERR_RPMSG_CLOSED`; `AbortError`
   */
  waitForChannel(name: string, options: WaitOptions = {}): Promise<Channel> {
    if (typeof name !== 'string') return Promise.reject(new TypeError('name must be a string'));
    let timeout: number;
    try {
      timeout = checkTimeout(options.timeout, Number.POSITIVE_INFINITY);
    } catch (error) {
      return Promise.reject(error);
    }
    return waitUntil<Channel>(this.#clock, timeout, options.signal, `waitForChannel('${name}')`, (settle) => {
      if (this.#link.isClosed) {
        settle(closedError());
        return () => {};
      }
      const existing = this.#channels.get(name);
      if (existing) {
        settle(null, existing);
        return () => {};
      }
      const onChannel = (channel: Channel) => {
        if (channel.name === name) settle(null, channel);
      };
      const onClose = () => settle(closedError());
      this.on('channel', onChannel);
      this.#link.onClose.add(onClose);
      return () => {
        this.off('channel', onChannel);
        this.#link.onClose.delete(onClose);
      };
    });
  }

  /**
   * Opens a channel: waits for it if needed, creates a local endpoint at a dynamic address (or
   * `options.addr`) whose `dst` is the channel's remote address, and — unless `hello: false` — sends a
   * 0-byte hello so the peer learns our address (DESIGN §7, the first-message problem). `timeout` and
   * `signal` bound both the wait for the channel and the hello.
   *
   * @throws {RpmsgError} `ERR_RPMSG_CHANNEL_GONE`, and the codes of `waitForChannel`, `createEndpoint`, `send`
   */
  async openChannel(nameOrChannel: string | Channel, options: OpenChannelOptions = {}): Promise<Endpoint> {
    const { timeout, signal, hello = true, ...rest } = options;
    const channel =
      typeof nameOrChannel === 'string'
        ? (this.#channels.get(nameOrChannel) ??
          (await this.waitForChannel(nameOrChannel, { timeout, signal })))
        : nameOrChannel;
    if (channel.removed) {
      throw new RpmsgError('ERR_RPMSG_CHANNEL_GONE', `channel '${channel.name}' was removed`, {
        addr: channel.remoteAddr,
      });
    }
    const ep = this.createEndpoint({ ...rest, dst: channel.remoteAddr, announce: false, hello: false });
    // Bound by the channel: a link down or NS DESTROY unbinds it (back to ANY).
    ep.state.configuredDst = RPMSG_ADDR_ANY;
    ep.state.channel = channel;
    if (hello) {
      ep.state.hello = true;
      ep.state.helloSent = true;
      try {
        await ep.send(EMPTY, { timeout, signal });
      } catch (error) {
        ep.destroy();
        throw error;
      }
    }
    return ep;
  }

  /**
   * Destroys every endpoint (announcing NS DESTROY while the link is up), rejects pending sends with
   * `ERR_RPMSG_CLOSED` and closes the transport. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    return this.#link.close();
  }
}
