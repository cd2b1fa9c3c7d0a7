import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { RpmsgDevice, RpmsgLayout } from '@rpmsg/core';
import { createLayout, layoutToJson, RpmsgError } from '@rpmsg/core';
import type { ViewOptions, ViewServer } from '@rpmsg/view';
import { checkSocOptions, watchdogLimit } from './check-options.js';
import { Mailbox } from './mailbox.js';
import { MasterCore } from './master-core.js';
import type { CoreStats, CoreWorkerData, SocToWorker, WorkerToSoc } from './protocol.js';
import { collectStats, fromWireError, toWireError } from './protocol.js';
import { SharedRam } from './region.js';
import type { SocEvents } from './soc-events.js';
import {
  coreWorkerData,
  type SocOptions,
  type SocSnapshot,
  type SocState,
  traceOptions,
} from './soc-options.js';
import { type TraceEvent, Tracer } from './trace.js';
import { TraceOutput } from './trace-output.js';
import { waitForChannels } from './wait-channels.js';
import { type FirmwareModule, isWasmSource, loadFirmwareModule } from './wasm/firmware-module.js';
import { createSocMemory, REGION_OFFSET } from './wasm/memory-map.js';
import { Watchdog } from './watchdog.js';
import { withTimeout } from './with-timeout.js';
import { requestStats } from './worker-stats.js';
import { expectMessage, spawnCore } from './workers.js';

export type { SocEvents } from './soc-events.js';
export type { SocOptions, SocSnapshot, SocState } from './soc-options.js';

/**
 * Boots a simulated SoC and resolves once both cores are up: shared RAM and mailbox are made, the
 * remote's firmware is loaded in a worker (its resource table goes into shared RAM), the master
 * validates the table, negotiates, posts its RX buffers and sets DRIVER_OK, and the firmware's
 * default export runs with a ready device. The firmware announces its channels asynchronously, just
 * after: `soc.master.channels()` may still be empty when this resolves, unless `waitForChannels`
 * names the ones to wait for (or use `soc.master.waitForChannel(name)`).
 *
 * ```ts
 * const soc = await createSoc({ remote: new URL('./m-core.mjs', import.meta.url) });
 * const ept = await soc.master.openChannel('rpmsg-echo');
 * ept.on('message', (payload) => console.log(payload));
 * await ept.send(new TextEncoder().encode('hello'));
 * await soc.stop();
 * ```
 *
 * Every option is checked before anything starts.
 *
 * @throws {InvalidArgTypeError|InvalidArgValueError|OutOfRangeError} `ERR_INVALID_ARG_TYPE`,
 *   `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`: a bad option, named (`options.watchdog`)
 * @throws {RpmsgError} `ERR_RPMSG_TRACE` (the trace file cannot be opened; the fs error is the
 *   `cause`), `ERR_RPMSG_LOAD` (a module could not be loaded: missing file, syntax error — file and
 *   line in the message — or no default export function), `ERR_RPMSG_RSC_TABLE` (the firmware's
 *   table is bad; `field` names what), `ERR_RPMSG_PEER_GONE` (a core failed while booting),
 *   `ERR_RPMSG_TIMEOUT` (a boot step, or a channel of `waitForChannels`, did not come in time)
 */
export async function createSoc(options: SocOptions): Promise<Soc> {
  const soc = new Soc(options);
  try {
    await soc.start();
  } catch (error) {
    await soc.stop();
    throw error;
  }
  return soc;
}

/**
 * A running simulated SoC. Its events are typed by {@link SocEvents}: `trace`, `trace-error`,
 * `crash` (`ERR_RPMSG_PEER_GONE`: the remote threw, exited or missed the watchdog), `restart`,
 * `stop`, `master-crash`.
 */
export class Soc extends EventEmitter<SocEvents> {
  /** The layout of the current boot (vrings where the firmware's table put them). */
  layout: RpmsgLayout;
  /** The shared RAM. */
  readonly ram: SharedRam;
  /** The doorbells. */
  readonly mailbox: Mailbox;
  /** Resolves with the A-core program's return value (worker master); rejects if it throws. */
  readonly result: Promise<unknown>;
  readonly #options: SocOptions;
  #status: SocState = 'booting';
  #masterCore: MasterCore | undefined;
  #masterWorker: Worker | undefined;
  #remoteWorker: Worker | undefined;
  readonly #tracer: Tracer | undefined;
  readonly #masterTracer: Tracer | undefined;
  #traceOutput: TraceOutput | undefined;
  /** A trace-file error from before the caller could listen (during `start()`), reported after. */
  #heldTraceError: RpmsgError | undefined;
  #reportTraceErrors = false;
  /** The trace's 'stop' is written: a batch still in flight from an ended worker comes too late. */
  #traceEnded = false;
  /** Aborted with the crash error when the remote crashes (ends a wait for its channels). */
  #crashAbort = new AbortController();
  readonly #watchdog = new Watchdog();
  #settleResult: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  #nextStatsId = 0;
  /** Workers being terminated after a crash; stop() and restart() wait for them. */
  readonly #dying = new Set<Promise<number>>();
  /** The remote failed between its 'up' and the end of the boot: reported once the boot ends. */
  #earlyCrash: Error | undefined;
  /** The shared WebAssembly memory, when a core runs a C firmware. */
  readonly #wasmMemory: WebAssembly.Memory | undefined;
  /** The C firmwares, compiled and checked once (a restart instantiates them afresh). */
  readonly #firmware: { master?: FirmwareModule; remote?: FirmwareModule } = {};
  readonly #clockOrigin = performance.timeOrigin + performance.now();
  /** Views serving this SoC ({@link view}); closed by `stop()`. */
  readonly #views = new Set<ViewServer>();

  /**
   * Prefer {@link createSoc}, which also starts it.
   *
   * @throws {InvalidArgTypeError|InvalidArgValueError|OutOfRangeError} a bad option (see createSoc)
   */
  constructor(options: SocOptions) {
    super();
    this.#options = checkSocOptions(options);
    this.layout = createLayout(options.profile ?? 'linux', {
      numBuffers: options.numBuffers,
      bufferSize: options.bufferSize,
      base: options.base,
      eventIdx: options.eventIdx,
      align: options.align,
      stride: options.stride,
      linkId: options.linkId,
    });
    if (isWasmSource(options.remote) || isWasmSource(options.master)) {
      // A C firmware runs in WebAssembly: shared RAM is then its memory, the RPMsg region above the
      // firmware slots (docs/c-firmware.md#memory-map), so every core sees the same bytes.
      this.#wasmMemory = createSocMemory(this.layout);
      const buffer = this.#wasmMemory.buffer as unknown as SharedArrayBuffer;
      this.ram = new SharedRam(buffer, this.layout.base, REGION_OFFSET, this.layout.size);
    } else {
      this.ram = SharedRam.create(this.layout);
    }
    this.mailbox = Mailbox.create();
    const trace = traceOptions(options);
    if (trace) {
      this.#tracer = new Tracer('soc', (events) => this.#onTrace(events), trace);
      this.#masterTracer = new Tracer('master', (events) => this.#onTrace(events), trace);
    }
    this.result = new Promise((resolve, reject) => {
      this.#settleResult = { resolve, reject };
    });
    this.result.catch(() => {});
  }

  /** Where the SoC is in its life. */
  get state(): SocState {
    return this.#status;
  }

  /**
   * The master's RPMsg device, when the master runs in this thread (`master: 'inline'`).
   *
   * @throws {TypeError} when the master runs in a worker
   */
  get master(): RpmsgDevice {
    if (!this.#masterCore) throw new TypeError("soc.master exists only with master: 'inline'");
    return this.#masterCore.device;
  }

  get #inline(): boolean {
    return this.#options.master === undefined || this.#options.master === 'inline';
  }

  #workerData(role: 'master' | 'remote', module: string | URL | WebAssembly.Module): CoreWorkerData {
    const firmware = this.#firmware[role];
    const wasm = firmware && {
      module: firmware.module,
      info: firmware.info,
      memory: this.#wasmMemory as WebAssembly.Memory,
      clockOrigin: this.#clockOrigin,
    };
    return coreWorkerData(this.#options, role, module, this.ram, this.mailbox, this.layout, wasm);
  }

  /** Reads and checks the C firmwares before any thread starts (ERR_RPMSG_LOAD, nothing to undo). */
  async #loadFirmware(): Promise<void> {
    const { remote, master } = this.#options;
    if (isWasmSource(remote)) this.#firmware.remote = await loadFirmwareModule('remote', remote);
    if (isWasmSource(master)) this.#firmware.master = await loadFirmwareModule('master', master);
  }

  /** A line of a core's output: the `log` event, or stdout when nobody listens. */
  #onLog(core: 'master' | 'remote', line: string): void {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    this.#tracer?.emit({ type: 'log', from: core, line: text });
    if (this.listenerCount('log') > 0) this.emit('log', core, text);
    else process.stdout.write(`[${core}] ${text}\n`);
  }

  /** @internal Boots both cores (createSoc calls it). */
  async start(): Promise<void> {
    try {
      await this.#boot();
    } finally {
      // The caller can listen once this settles: report a trace-file error that came meanwhile.
      setImmediate(() => {
        this.#reportTraceErrors = true;
        const held = this.#heldTraceError;
        this.#heldTraceError = undefined;
        if (held) this.#onTraceError(held);
      });
    }
  }

  async #boot(): Promise<void> {
    // Before any thread starts: a trace file that cannot be opened fails the boot with nothing to undo.
    const trace = traceOptions(this.#options);
    if (trace) this.#traceOutput = await TraceOutput.open(trace, (error) => this.#onTraceError(error));
    await this.#loadFirmware();
    this.#lifecycle('boot');
    if (this.#inline) {
      this.#masterCore = new MasterCore({
        ram: this.ram,
        mailbox: this.mailbox,
        layout: this.layout,
        spin: this.#options.spin,
        sendTimeout: this.#options.sendTimeout,
        tracer: this.#masterTracer,
      });
    } else {
      await this.#startMasterWorker();
    }
    await this.#bootRemote();
  }

  get #bootTimeout(): number {
    return this.#options.bootTimeout ?? 10_000;
  }

  async #startMasterWorker(): Promise<void> {
    const worker = spawnCore(this.#workerData('master', this.#options.master as string | URL));
    this.#masterWorker = worker;
    worker.on('message', (message: WorkerToSoc) => {
      if (message.type === 'trace') this.#onTrace(message.events);
      else if (message.type === 'log') this.#onLog('master', message.line);
      else if (message.type === 'result') this.#settleResult?.resolve(message.value);
      else if (message.type === 'failed') this.#settleResult?.reject(fromWireError(message.error));
    });
    worker.on('error', (error) => {
      if (this.#masterWorker !== worker) return;
      this.#settleResult?.reject(error);
      this.emit('master-crash', error);
    });
    await expectMessage(worker, 'ready', this.#bootTimeout, 'master start', 'load-failed');
  }

  /**
   * Loads the firmware in a new remote worker, boots the master over it, waits for both ends up
   * (and for the channels of `waitForChannels`). On failure the new worker is ended.
   */
  async #bootRemote(): Promise<void> {
    this.#status = 'booting';
    this.#earlyCrash = undefined;
    this.#crashAbort = new AbortController();
    const worker = spawnCore(this.#workerData('remote', this.#options.remote));
    this.#remoteWorker = worker;
    worker.on('message', (message: WorkerToSoc) => {
      if (message.type === 'trace') this.#onTrace(message.events);
      else if (message.type === 'log') this.#onLog('remote', message.line);
    });
    worker.on('error', (error) => this.#crash(worker, error));
    worker.on('exit', (code) => this.#crash(worker, new Error(`the remote exited with code ${code}`)));
    try {
      const up = expectMessage(worker, 'up', this.#bootTimeout, 'remote boot');
      up.catch(() => {});
      await expectMessage(worker, 'loaded', this.#bootTimeout, 'firmware load', 'load-failed');
      await this.#bootMaster();
      await up;
      const early = this.#earlyCrash as Error | undefined; // set by a crash while this awaited
      this.#earlyCrash = undefined;
      // The remote was up and died before the boot ended: the boot failed (createSoc rejects).
      if (early)
        throw new RpmsgError('ERR_RPMSG_PEER_GONE', `the remote failed while booting: ${early.message}`, {
          cause: early,
        });
      this.#status = 'running';
      this.#lifecycle('up');
      this.#startWatchdog(worker);
      const names = this.#options.waitForChannels ?? [];
      if (this.#masterCore && names.length > 0) {
        await waitForChannels(this.#masterCore.device, names, this.#bootTimeout, this.#crashAbort.signal);
      }
    } catch (error) {
      if (this.#remoteWorker === worker) {
        this.#watchdog.stop();
        this.#remoteWorker = undefined;
        this.#status = 'crashed';
        this.#peerGone(new RpmsgError('ERR_RPMSG_PEER_GONE', 'the remote failed to boot', { cause: error }));
        this.#retire(worker);
      }
      throw error;
    }
  }

  async #bootMaster(): Promise<void> {
    if (this.#masterCore) {
      await withTimeout(this.#masterCore.boot(), this.#bootTimeout, 'master boot');
      this.layout = this.#masterCore.layout;
      return;
    }
    const worker = this.#masterWorker as Worker;
    const booted = expectMessage(worker, 'booted', this.#bootTimeout, 'master boot', 'boot-failed');
    this.#send(worker, { type: 'boot' });
    this.layout = (await booted).layout;
  }

  #send(worker: Worker, message: SocToWorker): void {
    worker.postMessage(message);
  }

  #startWatchdog(worker: Worker): void {
    this.#watchdog.start(this.mailbox, watchdogLimit(this.#options), (reason) => this.#crash(worker, reason));
  }

  /**
   * The remote failed: the master sees the link go down (channels removed, pending sends reject
   * with `ERR_RPMSG_PEER_GONE`), the remote thread is ended, `crash` is emitted.
   */
  #crash(worker: Worker, reason: Error): void {
    if (worker !== this.#remoteWorker) return;
    if (this.#status === 'booting') {
      // Up already, the boot not yet finished (a firmware that fails at once): reported when it is.
      this.#earlyCrash ??= reason;
      return;
    }
    if (this.#status !== 'running') return;
    this.#status = 'crashed';
    this.#watchdog.stop();
    this.#remoteWorker = undefined;
    this.#retire(worker);
    const error = new RpmsgError('ERR_RPMSG_PEER_GONE', `the remote core crashed: ${reason.message}`, {
      cause: reason,
    });
    this.#peerGone(error);
    this.#lifecycle('crash', reason.message);
    this.#dumpTrace();
    this.#crashAbort.abort(error);
    this.emit('crash', error);
  }

  /** Ends a remote worker that is no longer the SoC's; stop() and restart() wait for it. */
  #retire(worker: Worker): void {
    const ending = worker.terminate();
    this.#dying.add(ending);
    ending.finally(() => this.#dying.delete(ending));
  }

  #peerGone(error: RpmsgError): void {
    if (this.#masterCore) this.#masterCore.peerGone(error);
    else if (this.#masterWorker)
      this.#send(this.#masterWorker, { type: 'peer-gone', error: toWireError(error) });
  }

  /**
   * remoteproc recovery: stops the remote (if still running), takes the master's link down with
   * `ERR_RPMSG_PEER_GONE`, loads the firmware again in a fresh worker and repeats the whole
   * handshake; the firmware announces its channels again, so `waitForChannel` resolves again.
   * Resolves once both ends are up (and the `waitForChannels` are announced). On failure the new
   * worker is ended and the SoC is left `crashed`.
   *
   * @throws {RpmsgError} `ERR_RPMSG_CLOSED` after `stop()`; the boot codes of {@link createSoc}
   */
  async restart(): Promise<void> {
    if (this.#status === 'stopped') throw new RpmsgError('ERR_RPMSG_CLOSED', 'the SoC is stopped');
    this.#watchdog.stop();
    const old = this.#remoteWorker;
    this.#remoteWorker = undefined;
    if (old) {
      this.#peerGone(new RpmsgError('ERR_RPMSG_PEER_GONE', 'the remote core is being restarted'));
      await old.terminate();
    }
    await Promise.all(this.#dying);
    this.#lifecycle('restart');
    await this.#bootRemote();
    this.emit('restart');
  }

  /**
   * Reboots the master while the remote keeps running: the master resets the rings and boots the
   * link again; the remote drops its rings, resyncs and re-announces (docs/interop.md#restart-and-resync). With an inline
   * master the same `soc.master` device carries on; a worker master is started afresh.
   */
  async restartMaster(): Promise<void> {
    if (this.#status === 'stopped') throw new RpmsgError('ERR_RPMSG_CLOSED', 'the SoC is stopped');
    this.#lifecycle('master-restart');
    if (!this.#masterCore) {
      const old = this.#masterWorker;
      this.#masterWorker = undefined;
      await old?.terminate();
      await this.#startMasterWorker();
    }
    await this.#bootMaster();
  }

  /** Counters of both cores (null for a core that is down or did not answer within 500 ms). */
  async stats(): Promise<{ master: CoreStats | null; remote: CoreStats | null }> {
    const ask = async (worker: Worker | undefined): Promise<CoreStats | null> =>
      worker ? requestStats(worker, this.#nextStatsId++) : null;
    const master = this.#masterCore ? collectStats(this.#masterCore.device) : await ask(this.#masterWorker);
    return { master, remote: await ask(this.#remoteWorker) };
  }

  /**
   * Serves the live picture of this SoC in a local web page — both vrings with each descriptor
   * coloured by its owner, the heads and notification state, TX buffers free, channels and their
   * counters, lifecycle events (docs/observability.md) — on 127.0.0.1 unless `host` says otherwise,
   * read-only. Resolves with `{ url, close() }`; `stop()` closes it too.
   */
  async view(options: ViewOptions = {}): Promise<ViewServer> {
    const { startView } = await import('@rpmsg/view');
    const server = await startView(this, options);
    this.#views.add(server);
    return server;
  }

  /** A copy of shared RAM and the layout JSON of the current boot, for `rpmsg inspect`. */
  snapshot(): SocSnapshot {
    return { image: this.ram.snapshot(), layout: layoutToJson(this.layout) };
  }

  /** Stops both cores and releases everything (threads, timers, the trace file). Idempotent. */
  async stop(): Promise<void> {
    if (this.#status === 'stopped') return;
    this.#status = 'stopped';
    this.#watchdog.stop();
    const remote = this.#remoteWorker;
    const master = this.#masterWorker;
    this.#remoteWorker = undefined;
    this.#masterWorker = undefined;
    const views = [...this.#views].map((v) => v.close());
    this.#views.clear();
    await Promise.all([
      remote?.terminate(),
      master?.terminate(),
      this.#masterCore?.close(),
      ...this.#dying,
      ...views,
    ]);
    this.#settleResult?.reject(new RpmsgError('ERR_RPMSG_CLOSED', 'the SoC was stopped'));
    // 'stop' is the trace's last event: first the batches the workers posted before they ended (a
    // turn of the event loop lets them in) and the inline master's pending batch, then the marker.
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#masterTracer?.flush();
    this.#lifecycle('stop');
    this.#tracer?.flush();
    this.#traceEnded = true;
    await this.#traceOutput?.close();
    this.emit('stop');
  }

  #lifecycle(event: string, detail?: string): void {
    this.#tracer?.emit(
      detail === undefined ? { type: 'lifecycle', event } : { type: 'lifecycle', event, detail },
    );
  }

  /**
   * After a crash: a kept trace (`perfetto`, `last`) is written now, with what led to the crash, in
   * case the process ends before `stop()`. The SoC's own batches first; the rest come by `stop()`.
   */
  #dumpTrace(): void {
    if (!this.#traceOutput) return;
    this.#masterTracer?.flush();
    this.#tracer?.flush();
    this.#traceOutput.dump().catch(() => {}); // a failure is reported through onError
  }

  #onTrace(events: TraceEvent[]): void {
    if (this.#traceEnded) return;
    this.#traceOutput?.write(events);
    for (const event of events) this.emit('trace', event);
  }

  /**
   * The trace file failed: a `trace-error` event, or — nobody listening — a process warning, so it
   * is neither an uncaught error nor silent. Held until `start()` settled (nobody could listen yet).
   */
  #onTraceError(error: RpmsgError): void {
    if (!this.#reportTraceErrors) {
      this.#heldTraceError ??= error;
      return;
    }
    if (this.listenerCount('trace-error') > 0) this.emit('trace-error', error);
    else process.emitWarning(error);
  }
}
