/**
 * The seam under the RPMsg device: something that moves whole RPMsg messages (16-byte header +
 * payload) in fixed-size buffers between this side and one peer. The virtio transport (both roles),
 * the serial bridge and the in-memory mock implement it; `RpmsgDevice` and everything above it are
 * written against this file alone. Types only: no runtime imports.
 *
 * Contract (every implementation must keep it; the mock in `@rpmsg/core/testing` throws on a breach):
 *
 * - **Buffers.** The transport owns a pool of buffers of `bufferSize` bytes each, header included
 *   (Linux: 512). A {@link TransportBuffer} object is made once per slot and reused for the life of the
 *   transport, so lending one never allocates.
 * - **TX ownership.** `getTxBuffer()` lends a free TX buffer to the caller or returns `null` at once
 *   when none is free (or the link is down). The caller then either `sendTxBuffer(buf, length)` — the
 *   buffer goes to the peer — or `releaseTxBuffer(buf)` — it returns unused. Using a buffer after
 *   either call is a contract breach.
 * - **Copying send.** `sendMessage(src, dst, payload)` writes the header and a copy of the payload
 *   into a free TX buffer and hands it to the peer in one call, as `getTxBuffer` + `sendTxBuffer`
 *   would, or returns `false` at once when no TX buffer is free or the link is down. Every transport
 *   has it, so a copying send is one call and no layer above has to track a lent buffer; zero-copy
 *   sends lend (`getTxBuffer`), since the program holds the buffer meanwhile.
 * - **Ordering.** Messages reach the peer in the order of `sendTxBuffer` / `sendMessage` calls; the
 *   sink sees received messages in the order the peer sent them.
 * - **RX ownership.** The transport calls `sink.onMessage(buf, length)` and lends `buf` to the sink
 *   until `releaseRxBuffer(buf)`. The sink may keep it past the call (zero-copy hold); while held the
 *   peer cannot reuse that buffer, which is what flow-controls a fast peer. `length` is what the
 *   transport knows was written (used.len, frame length): untrusted, an upper bound at most.
 *   Returning `true` from `onMessage` instead gives the buffer back on return — RPMsg-Lite's rx
 *   callback returning `RL_RELEASE` — and the transport takes it back exactly as `releaseRxBuffer`
 *   would (ignoring it if the link went down meanwhile). It spares the usual case, a message
 *   consumed inside the callback, a round trip through every layer per message.
 * - **Batching.** `sendTxBuffer`, `sendMessage` and `releaseRxBuffer` may defer publication and
 *   the peer notification; `flush()` publishes everything pending and notifies the peer if — and only if — it
 *   asked to be notified. The device calls `flush()` at the start and end of every `poll()`, for an
 *   answer (the first send made outside `poll()` after one that delivered a message), at the end of
 *   a turn's batch of sends and releases, at the 16th of a batch, and for a sender that finds no
 *   buffer. An answer is never published from inside `sink.onLinkUp()` or `sink.onTxAvailable()`.
 * - **Wake-ups.** When TX buffers come back from the peer the transport calls `sink.onTxAvailable()`
 *   so blocked senders retry `getTxBuffer()`; it is a hint, never a promise that one is free.
 * - **Link.** `isUp` is false until the handshake of the transport is done (virtio: DRIVER_OK or the
 *   first kick; serial: HELLO). `sink.onLinkUp()` / `sink.onLinkDown(reason)` report changes. While
 *   down, `getTxBuffer()` returns `null` and `sendMessage()` false; buffers lent out when the link went down are dead: releasing
 *   them is allowed and does nothing.
 * - **Close.** `close()` takes the link down for good (`onLinkDown` with code `ERR_RPMSG_CLOSED`),
 *   releases every buffer and resolves once nothing more will be delivered. Calls after close are
 *   no-ops or return `null`.
 * - **Observing.** While `observer` is set, the transport shows it every message it hands to the
 *   peer — in the TX buffer, header included, just before the peer can see it — and every message
 *   it delivers, just before the sink gets it — whether it was sent with `sendMessage` or
 *   `sendTxBuffer`, so a trace watches the one send path instead of taking another. Unset (the
 *   default), it costs a property read per message.
 * - **Stats.** `stats` is one live object per transport: the same object on every read, its fields
 *   the counts at the time they are read (copy it, `{ ...t.stats }`, for a snapshot). Reading it
 *   allocates nothing, so a sender may look at `txFree` per message.
 */
export interface Transport {
  /** Which side of the link this is: `master` (virtio driver, owns the pool) or `remote`. */
  readonly role: TransportRole;
  /** Bytes per buffer, header included. The device's MTU is `bufferSize - 16`. */
  readonly bufferSize: number;
  /** True once the link handshake is done and until it goes down. */
  readonly isUp: boolean;
  /** True when the name service (VIRTIO_RPMSG_F_NS) was negotiated with the peer. */
  readonly hasNameService: boolean;

  /** Connects the transport to its one consumer. Called exactly once, before `start()`. */
  attach(sink: TransportSink): void;
  /**
   * Starts the handshake. Resolves when the link is up; rejects with an `AbortError` if `signal`
   * aborts first, or with a typed error if the handshake fails.
   */
  start(signal?: AbortSignal): Promise<void>;
  /**
   * Delivers whatever the peer has published since the last call (messages, returned TX buffers,
   * link changes) to the sink, synchronously. Event-loop drivers call it when the doorbell rings;
   * firmware-style loops call it from their loop. Returns the number of messages delivered.
   *
   * With `budget`, at most that many messages are delivered and the rest stay published for the
   * next call (Linux NAPI's weight): a consumer that works through each batch before polling again
   * hands buffers back sooner. A transport may ignore it and deliver everything.
   */
  poll(budget?: number): number;

  /** Lends a free TX buffer, or returns `null` at once when none is free or the link is down. */
  getTxBuffer(): TransportBuffer | null;
  /** Hands a filled TX buffer to the peer: `length` bytes from the start of `buf.bytes` (header included). */
  sendTxBuffer(buf: TransportBuffer, length: number): void;
  /**
   * Sends a message with a copy of `payload` (see the copying-send rule): true when it went to the
   * peer, false when no TX buffer is free or the link is down. Callers check `payload.length`
   * against `bufferSize - 16` first; a transport throws a `RangeError` (`ERR_OUT_OF_RANGE`) for a
   * longer one.
   */
  sendMessage(src: number, dst: number, payload: Uint8Array): boolean;
  /** Returns an unsent TX buffer to the free pool. */
  releaseTxBuffer(buf: TransportBuffer): void;
  /** Gives a received buffer back so the peer can fill it again. */
  releaseRxBuffer(buf: TransportBuffer): void;
  /** Publishes pending sends and releases, and notifies the peer if it asked to be notified. */
  flush(): void;

  /** Counters for stats and tests: one live object (see the stats rule). */
  readonly stats: TransportStats;
  /** Sees every message sent and delivered while set (a trace; see the observing rule). */
  observer: TransportObserver | undefined;
  /** Takes the link down for good and releases everything. */
  close(): Promise<void>;
}

/**
 * A {@link Transport} that a core's pump drives by doorbell: the virtio transport in both roles.
 * It learns of the peer's work from the shared rings, so its owner tells it when the peer's
 * doorbell rang and asks it before sleeping; a transport fed by I/O events (the serial bridge) or
 * by microtasks (the mock) needs none of this. See docs/architecture.md, "Threads and
 * notifications", for the sleeping rules these follow.
 *
 * A pump pass is: `disableNotifications()`, then `onKick(vring)` for each doorbell that rang, then
 * `poll()`; before sleeping, `prepareToSleep()`; sleep only when it returns true, on the doorbell
 * value read before that call.
 */
export interface PolledTransport extends Transport {
  /**
   * The peer rang the doorbell of `vring`. Call it before the `poll()` that follows; one rung before
   * `start()` is remembered. A transport that learns everything from the rings may ignore it.
   */
  onKick(vring: 0 | 1): void;
  /**
   * Rule 1 of "Threads and notifications": re-enables notifications and re-checks the rings. True
   * when nothing is pending (sleep on the doorbell value read before this call), false when work
   * arrived (poll again). True while the link is down: there is nothing to wait for.
   */
  prepareToSleep(): boolean;
  /**
   * Asks the peer not to ring while this side is awake and polling; `prepareToSleep()` asks again.
   * Saves the peer a doorbell per message while this side spins.
   */
  disableNotifications(): void;
}

/** Sees the messages crossing a transport (a trace). Called on the data path, so keep it cheap. */
export interface TransportObserver {
  /** A message is about to reach the peer: `buf` holds it, 16-byte header first, `length` bytes in all. */
  onSend(buf: TransportBuffer, length: number): void;
  /** A message arrived: `buf` as the sink is about to get it; `length` is untrusted. */
  onReceive(buf: TransportBuffer, length: number): void;
}

/** `master` is the virtio driver (Linux side); `remote` the virtio device (MCU side). */
export type TransportRole = 'master' | 'remote';

/**
 * One buffer slot. Made once per slot and reused: the same object comes back every time that
 * slot is lent, so holders must not keep it after giving it back.
 */
export interface TransportBuffer {
  /** Stable slot number, unique per transport (TX and RX slots do not overlap). */
  readonly index: number;
  /** The whole buffer, `bufferSize` bytes: the 16-byte RPMsg header then payload space. */
  readonly bytes: Uint8Array;
  /** A DataView over the same bytes, for reading and writing the header without allocation. */
  readonly view: DataView;
}

/** What the transport reports to its consumer (the RPMsg device). */
export interface TransportSink {
  /**
   * A message arrived. `buf` is lent until `releaseRxBuffer(buf)`, or returned at once by
   * returning `true` (see the RX ownership rule); `length` is untrusted.
   */
  onMessage(buf: TransportBuffer, length: number): boolean | undefined;
  /** TX buffers came back from the peer: a hint to retry `getTxBuffer()`. */
  onTxAvailable(): void;
  /** The link handshake completed. */
  onLinkUp(): void;
  /** The link went down; `reason` carries a stable `code` (ERR_RPMSG_CLOSED, ERR_RPMSG_PEER_GONE, …). */
  onLinkDown(reason: Error & { readonly code: string }): void;
  /**
   * The peer broke the protocol (a corrupt ring, a bad frame). The transport has counted it and
   * carries on where it safely can; the error carries a stable `code`.
   */
  onError(error: Error & { readonly code: string }): void;
}

/**
 * Counters kept by every transport, read live from one object per transport (see the stats rule).
 * All but `txFree`, `txTotal` and `rxHeld` are monotonic.
 */
export interface TransportStats {
  /** Messages handed to the peer. */
  readonly txMessages: number;
  /** Messages delivered to the sink. */
  readonly rxMessages: number;
  /**
   * Times this side woke the peer to look at what it was sent. Virtio: doorbells rung (kicks) —
   * only when the peer asked to be notified (or after every publish, for a remote with
   * `alwaysNotify`), so with a busy peer far fewer than messages. Serial:
   * writes that reached the port — frames are flushed in batches and each write wakes the peer's
   * receive path once, however many frames it carries. Mock: flushes that published something.
   */
  readonly notifications: number;
  /** TX buffers currently free in the pool. */
  readonly txFree: number;
  /** Total TX buffers this side can use. */
  readonly txTotal: number;
  /** RX buffers currently lent to the sink. */
  readonly rxHeld: number;
  /** Protocol errors seen from the peer. */
  readonly errors: number;
}
