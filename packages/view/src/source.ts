/** A shared-memory dump and its layout JSON: what `soc.snapshot()` returns and `rpmsg inspect` reads. */
export interface ViewSnapshot {
  readonly image: Uint8Array;
  readonly layout: object;
}

/** Counters of one endpoint (the shape of @rpmsg/soc's `EndpointCounters`; only `addr` is required). */
export interface ViewEndpointCounters {
  readonly addr: number;
  readonly name?: string | undefined;
  readonly dst?: number;
  readonly sent?: number;
  readonly received?: number;
  readonly dropped?: number;
  readonly bytesSent?: number;
  readonly bytesReceived?: number;
}

/** Per core, its endpoints (null for a core that is down). */
export interface ViewStats {
  readonly master: { readonly endpoints: readonly ViewEndpointCounters[] } | null;
  readonly remote: { readonly endpoints: readonly ViewEndpointCounters[] } | null;
}

/** A listener of a source event; arguments as the source emits them (an `Error` for `crash`). */
export type ViewListener = (...args: never[]) => void;

/**
 * What the view watches. A `Soc` from @rpmsg/soc is one as it stands; {@link replaySource} is another.
 *
 * Contract: `snapshot()` is cheap enough to call several times a second and returns a copy (or
 * bytes nobody writes while the frame is built); `undefined` means there is no memory to show (a
 * trace replayed without an image). `stats()` may be slow or reject: a frame then keeps the last
 * counters. Events the view listens to, when `on` exists: `crash` (error), `restart`, `stop`, and
 * `trace` (a trace event; `lifecycle` ones are listed). `restart()` and `stop()` are only called
 * by a server started with `control: true`.
 */
export interface ViewSource {
  snapshot(): ViewSnapshot | undefined;
  stats?(): Promise<ViewStats>;
  on?(event: 'crash' | 'restart' | 'stop' | 'trace', listener: ViewListener): unknown;
  off?(event: 'crash' | 'restart' | 'stop' | 'trace', listener: ViewListener): unknown;
  /** `booting`, `running`, `crashed`, `stopped`, or a source's own word. */
  readonly state?: string;
  restart?(): Promise<void>;
  stop?(): Promise<void>;
}
