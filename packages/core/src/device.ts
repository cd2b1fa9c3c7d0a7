import { EventEmitter } from 'node:events';
import { checkBoolean, checkInteger, checkOptions, InvalidArgTypeError } from '@rpmsg/virtio';
import { RpmsgBus } from './bus.js';
import { closedError } from './bus-errors.js';
import type { Channel } from './channel.js';
import { ChannelRegistry } from './channel-registry.js';
import type { Clock } from './clock.js';
import { checkClock, checkTimeout, systemClock } from './clock.js';
import {
  RPMSG_ADDR_ANY,
  RPMSG_HEADER_SIZE,
  RPMSG_MAX_PAYLOAD,
  RPMSG_NS_ADDR,
  RPMSG_SEND_TIMEOUT_MS,
} from './constants.js';
import type { RpmsgDeviceEvents } from './device-events.js';
import {
  checkEndpointOptions,
  checkMaxQueued,
  isChannel,
  type OpenChannelOptions,
  type RpmsgDeviceOptions,
} from './device-options.js';
import { DeviceStats, type RpmsgDeviceStats } from './device-stats.js';
import { Endpoint, type EndpointOptions } from './endpoint.js';
import { EndpointTable } from './endpoint-table.js';
import { RpmsgError } from './errors.js';
import { encodeNsName } from './ns-message.js';
import type { Transport } from './transport.js';
import { checkSignal, checkWaitOptions, type WaitOptions, waitUntil } from './wait-until.js';

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
 * Events ({@link RpmsgDeviceEvents}, typed): `up` (); `down` (reason: RpmsgError); `channel`
 * (Channel); `channel-removed` (Channel); `endpoint` (Endpoint); `protocol-error` (error with a
 * `code` — the peer sent something this side refused; counted in `stats` and dropped).
 */
export class RpmsgDevice extends EventEmitter<RpmsgDeviceEvents> {
  /** The transport under this device. */
  readonly transport: Transport;
  /** Counters; buffer numbers are live from the transport. */
  readonly stats: RpmsgDeviceStats;
  /** Largest payload of one message: buffer size − 16 (496 for 512-byte buffers). */
  readonly mtu: number;
  readonly #link: RpmsgBus;
  readonly #counters: DeviceStats;
  readonly #endpoints = new EndpointTable();
  readonly #channels = new ChannelRegistry();
  readonly #clock: Clock;
  #starting: Promise<void> | undefined;

  /**
   * Attaches to `transport` (which must not be attached to anything else).
   *
   * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE`: `transport` or `options` not an object, an
   *   option of the wrong type (`sendTimeout`, `maxQueuedSends` not numbers, `clock` not a Clock,
   *   `nameService` not a boolean)
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: `sendTimeout` negative or NaN, `maxQueuedSends`
   *   not an integer ≥ 0 or `Infinity`, a transport `bufferSize` that is not an integer ≥ 16
   */
  constructor(transport: Transport, options: RpmsgDeviceOptions = {}) {
    super();
    if (transport === null || typeof transport !== 'object') {
      throw new InvalidArgTypeError('transport', 'a Transport object', transport);
    }
    checkOptions('options', options);
    checkInteger('transport.bufferSize', transport.bufferSize, RPMSG_HEADER_SIZE, Number.MAX_SAFE_INTEGER);
    const sendTimeout = checkTimeout(options.sendTimeout, RPMSG_SEND_TIMEOUT_MS, 'options.sendTimeout');
    const maxQueuedSends = checkMaxQueued('options.maxQueuedSends', options.maxQueuedSends);
    if (options.nameService !== undefined) checkBoolean('options.nameService', options.nameService);
    this.transport = transport;
    this.mtu = Math.min(transport.bufferSize - RPMSG_HEADER_SIZE, RPMSG_MAX_PAYLOAD);
    this.#clock = options.clock === undefined ? systemClock : checkClock('options.clock', options.clock);
    this.#counters = new DeviceStats(transport);
    this.stats = this.#counters;
    this.#link = new RpmsgBus({
      device: this,
      transport,
      clock: this.#clock,
      sendTimeout,
      maxQueuedSends,
      useNameService: options.nameService !== false,
      mtu: this.mtu,
      stats: this.#counters,
      endpoints: this.#endpoints,
      channels: this.#channels,
    });
    transport.attach(this.#link);
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

  /**
   * Starts the transport's handshake; resolves when the link is up (the `up` event fires first).
   * Calling it again returns the same promise.
   *
   * @throws {RpmsgError} `ERR_RPMSG_CLOSED`, or the transport's handshake error; `AbortError`
   * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` when `signal` is not an AbortSignal (rejects)
   */
  start(signal?: AbortSignal): Promise<void> {
    if (this.#link.isClosed) return Promise.reject(closedError());
    try {
      checkSignal('signal', signal);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#starting ??= this.transport.start(signal).then(() => this.#link.syncUp());
    return this.#starting;
  }

  /**
   * Pumps the transport: delivers what the peer published (messages, returned buffers, link changes),
   * then flushes this side's releases in one batch. Drivers call it when the doorbell rings. Returns
   * the number of messages delivered. With `budget`, delivers at most that many (the rest wait on
   * the ring for the next call, as with Linux NAPI's weight).
   *
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE` when `budget` is not a positive integer
   *   (`InvalidArgTypeError` when not a number)
   */
  poll(budget?: number): number {
    if (budget !== undefined) checkInteger('budget', budget, 1, Number.MAX_SAFE_INTEGER);
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
   * name service now or when the link comes up. Without `addr` it gets a dynamic address ≥ 1024:
   * the next free one after the last handed out (cyclic, as ephemeral ports), so an address freed a
   * moment ago — with messages to its old endpoint maybe still in flight — is not given out again soon.
   *
   * @throws {RpmsgError} `ERR_RPMSG_ADDR_IN_USE`, `ERR_RPMSG_ADDR_RESERVED` (53, the name service),
   *   `ERR_RPMSG_NO_ADDR`, `ERR_RPMSG_CLOSED`
   * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE`: `options` not an object, an option of the
   *   wrong type (`onMessage` not a function, `name` not a string, `announce` / `hello` not booleans)
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE`: a name that is empty, longer than 31
   *   UTF-8 bytes or holds a NUL; `announce: true` without a name
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: `addr` / `dst` not an integer in [0, 0xFFFFFFFF],
   *   `maxQueuedSends` not an integer ≥ 0 or `Infinity`
   */
  createEndpoint(options: EndpointOptions = {}): Endpoint {
    if (this.#link.isClosed) throw closedError();
    const { requested, init } = checkEndpointOptions(options);
    if (requested === RPMSG_NS_ADDR) {
      throw new RpmsgError('ERR_RPMSG_ADDR_RESERVED', `address ${RPMSG_NS_ADDR} is the name service`, {
        addr: requested,
      });
    }
    if (requested !== RPMSG_ADDR_ANY && this.#endpoints.has(requested)) {
      throw new RpmsgError('ERR_RPMSG_ADDR_IN_USE', `address ${requested} is in use`, { addr: requested });
    }
    const addr = requested === RPMSG_ADDR_ANY ? this.#endpoints.allocate() : requested;
    const ep = new Endpoint(this.#link, addr, options.name, init);
    this.#endpoints.add(ep);
    this.emit('endpoint', ep);
    ep.binding.open();
    return ep;
  }

  /** The live local endpoints. */
  endpoints(): Endpoint[] {
    return this.#endpoints.list();
  }

  /**
   * The channels the peer announced and has not destroyed, oldest first. Announcements arrive
   * asynchronously after the link comes up — the peer sends its NS CREATEs when it sees the link
   * up, and they are delivered by a later `poll()` — so right after `start()` resolves this can
   * still be `[]`: wait for a channel with {@link RpmsgDevice.waitForChannel} (or `openChannel(name)`,
   * which waits) rather than reading it once.
   */
  channels(): Channel[] {
    return this.#channels.list();
  }

  /** The oldest live channel called `name`. */
  getChannel(name: string): Channel | undefined {
    return this.#channels.get(name);
  }

  /**
   * Resolves with the channel `name` once the peer announced it (at once if it has). Default timeout:
   * none (wait until `signal` aborts or the device closes). A name no channel can have (empty, over
   * 31 UTF-8 bytes, with a NUL) rejects at once instead of waiting for ever.
   *
   * @throws {RpmsgError} `ERR_RPMSG_TIMEOUT`, `ERR_RPMSG_CLOSED`; `AbortError`
   * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE`: `name` not a string, bad `options` (rejects)
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE`: a name no channel can have (rejects)
   * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: `options.timeout` negative or NaN (rejects)
   */
  waitForChannel(name: string, options?: WaitOptions): Promise<Channel> {
    let timeout: number;
    try {
      encodeNsName(name);
      timeout = checkWaitOptions(options, Number.POSITIVE_INFINITY);
    } catch (error) {
      return Promise.reject(error);
    }
    const what = `waitForChannel('${name}')`;
    return waitUntil<Channel>(this.#clock, timeout, options?.signal, what, (settle) => {
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
   * 0-byte hello so the peer learns our address (docs/interop.md "Addresses and the first message").
   * `timeout` and `signal` bound both the wait for the channel and the hello. The name and options
   * are checked before anything waits: a name no channel can have rejects at once.
   *
   * @throws {RpmsgError} `ERR_RPMSG_CHANNEL_GONE`, and the codes of `waitForChannel`, `createEndpoint`, `send`
   * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE`: `nameOrChannel` neither a string nor a
   *   Channel, bad options (rejects)
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE`: a name that is empty, longer than 31
   *   UTF-8 bytes or holds a NUL (rejects)
   */
  async openChannel(nameOrChannel: string | Channel, options: OpenChannelOptions = {}): Promise<Endpoint> {
    checkOptions('options', options);
    const { timeout, signal, hello = true, ...rest } = options;
    // Everything is checked before anything waits: a mistake must not surface only once (or never,
    // for a name no channel can have) the channel is announced.
    checkWaitOptions({ timeout, signal }, 0);
    checkBoolean('options.hello', hello);
    checkEndpointOptions(rest);
    if (typeof nameOrChannel === 'string') encodeNsName(nameOrChannel);
    else if (!isChannel(nameOrChannel)) {
      throw new InvalidArgTypeError('name', 'of type string or a Channel', nameOrChannel);
    }
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
    ep.binding.openOnChannel(channel, hello);
    if (hello) {
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
   * Closes the device: pending sends, lends and waits reject with `ERR_RPMSG_CLOSED`, every endpoint
   * is destroyed (announcing NS DESTROY while the link is up), and the transport closes. Every later
   * operation — on the device or on one of its endpoints — fails with `ERR_RPMSG_CLOSED`. Calling it
   * again returns the same promise.
   */
  close(): Promise<void> {
    return this.#link.close();
  }
}
