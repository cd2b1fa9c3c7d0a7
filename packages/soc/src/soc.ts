import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { Channel, RpmsgDevice, RpmsgLayout, WaitOptions } from '@rpmsg/core';
import { InvalidArgValueError, layoutToJson, RpmsgError } from '@rpmsg/core';
import type { ViewOptions, ViewServer } from '@rpmsg/view';
import { checkSocOptions, watchdogLimit } from './check-options.js';
import { MAILBOX_CHANNELS, Mailbox } from './mailbox.js';
import { MasterCore } from './master-core.js';
import type { PeerLink } from './peer-link-handle.js';
import { PeerLinkSet } from './peer-link-set.js';
import type { CoreStats, CoreWorkerData, SocToWorker, WasmCoreData, WorkerToSoc } from './protocol.js';
import { collectStats, fromWireError, toWireError } from './protocol.js';
import { SharedRam } from './region.js';
import { type LinkStats, RemoteProc } from './remote-proc.js';
import type { SocEvents } from './soc-events.js';
import {
  coreWorkerData,
  type RemoteOptions,
  type SocOptions,
  type SocSnapshot,
  type SocState,
  type SocStats,
  traceOptions,
} from './soc-options.js';
import { type LinkPlan, planSoc, type SocPlan } from './soc-plan.js';
import { type TraceEvent, type TraceOptions, Tracer } from './trace.js';
import { TraceOutput } from './trace-output.js';
import { waitForChannels } from './wait-channels.js';
import { type FirmwareModule, isWasmSource, loadFirmwareModule } from './wasm/firmware-module.js';
import { createSocMemory, regionOffset } from './wasm/memory-map.js';
import { Watchdog } from './watchdog.js';
import { withTimeout } from './with-timeout.js';
import { requestStats } from './worker-stats.js';
import { expectMessage, spawnCore } from './workers.js';

export type { SocEvents } from './soc-events.js';
export type {
  CoreLinkOptions,
  RemoteOptions,
  SocOptions,
  SocSnapshot,
  SocState,
  SocStats,
} from './soc-options.js';

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

/** One M-core of the SoC and its link to the A-core: what `soc.remote(name)` is the handle of. */
interface RemoteSlot {
  readonly name: string;
  /** Its place in `remotes` (its firmware slot in a SoC with C firmware). */
  readonly index: number;
  readonly plan: LinkPlan;
  /** The view of its link's region. */
  readonly ram: SharedRam;
  /** The view of its link's mailbox blocks. */
  readonly mailbox: Mailbox;
  readonly source: string | URL | WebAssembly.Module;
  readonly data: unknown;
  readonly waitFor: readonly string[];
  readonly proc: RemoteProc;
  readonly watchdog: Watchdog;
  /** The A-core's tracer of this link (inline master). */
  readonly tracer: Tracer | undefined;
  layout: RpmsgLayout;
  status: SocState;
  worker: Worker | undefined;
  /** Its worker has loaded its firmware (a peer link can be booted). */
  loaded: boolean;
  masterCore: MasterCore | undefined;
  /** Aborted with the crash error when it crashes (ends a wait for its channels). */
  crashAbort: AbortController;
  /** It failed between its 'up' and the end of its boot: reported once the boot ends. */
  earlyCrash: Error | undefined;
  firmware: FirmwareModule | undefined;
  /** Why it last crashed. */
  lastCrash: Error | undefined;
  /** The restart in flight: a second `restart()` meanwhile joins it. */
  restarting: Promise<void> | undefined;
}

/**
 * A running simulated SoC. Its events are typed by {@link SocEvents}: `trace`, `trace-error`,
 * `crash` (`ERR_RPMSG_PEER_GONE`: a remote threw, exited or missed the watchdog), `restart`,
 * `stop`, `master-crash`, `log`.
 *
 * With `options.remotes` it has several M-cores, each with its own link and lifecycle:
 * `soc.remote(name)` (docs/soc.md#several-remotes).
 */
export class Soc extends EventEmitter<SocEvents> {
  /** The whole shared RAM (every link's region). */
  readonly ram: SharedRam;
  /** The doorbells (the view of the first link; `mailbox.link(i)` for the others). */
  readonly mailbox: Mailbox;
  /** Resolves with the A-core program's return value (worker master); rejects if it throws. */
  readonly result: Promise<unknown>;
  readonly #options: SocOptions;
  readonly #plan: SocPlan;
  readonly #slots: RemoteSlot[];
  readonly #peerLinks: PeerLinkSet;
  #status: SocState = 'booting';
  #masterWorker: Worker | undefined;
  readonly #tracer: Tracer | undefined;
  #traceOutput: TraceOutput | undefined;
  /** A trace-file error from before the caller could listen (during `start()`), reported after. */
  #heldTraceError: RpmsgError | undefined;
  #reportTraceErrors = false;
  /** The trace's 'stop' is written: a batch still in flight from an ended worker comes too late. */
  #traceEnded = false;
  #settleResult: { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined;
  #nextStatsId = 0;
  /** Workers being terminated after a crash; stop() and restart() wait for them. */
  readonly #dying = new Set<Promise<number>>();
  /** The shared WebAssembly memory, when a core runs a C firmware. */
  readonly #wasmMemory: WebAssembly.Memory | undefined;
  /** A C firmware master, compiled and checked once. */
  #masterFirmware: FirmwareModule | undefined;
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
    this.#plan = planSoc(this.#options);
    const plan = this.#plan;
    const remotes = this.#options.remotes ?? [{ name: 'remote', remote: this.#options.remote as string }];
    if (remotes.some((r) => isWasmSource(r.remote)) || isWasmSource(options.master)) {
      // A C firmware runs in WebAssembly: shared RAM is then its memory, the RPMsg regions above the
      // firmware slots (docs/c-firmware.md#memory-map), so every core sees the same bytes.
      this.#wasmMemory = createSocMemory(plan.size, remotes.length);
      const buffer = this.#wasmMemory.buffer as unknown as SharedArrayBuffer;
      this.ram = new SharedRam(buffer, plan.base, regionOffset(remotes.length), plan.size);
    } else {
      this.ram = new SharedRam(new SharedArrayBuffer(plan.size), plan.base);
    }
    this.mailbox = Mailbox.create(MAILBOX_CHANNELS, plan.links.length);
    const trace = traceOptions(options);
    if (trace) this.#tracer = new Tracer('soc', (events) => this.#onTrace(events), trace);
    this.#slots = remotes.map((r, index) => this.#makeSlot(r, index, trace));
    this.#peerLinks = new PeerLinkSet(plan.links.slice(remotes.length), (name) => this.#slotNamed(name), {
      bootTimeout: this.#bootTimeout,
      regionOffset: this.ram.memory.offset,
      snapshot: (link) => this.#linkSnapshot(link, link.layout),
      bootFailed: (link, error) =>
        this.#tracer?.emit({
          type: 'lifecycle',
          event: 'link-boot-failed',
          detail: error.message,
          link: link.name,
        }),
      nextStatsId: () => this.#nextStatsId++,
    });
    // A caller error like any bad option: refused here, before a file is read or a thread started.
    const cLinked = this.#slots.find((slot) => isWasmSource(slot.source) && this.#peerLinks.has(slot));
    if (cLinked) {
      throw new InvalidArgValueError(
        'options.links',
        `'${cLinked.name}' runs a C firmware: a core with M-core links runs a JavaScript firmware (docs/soc.md#m-core-to-m-core-links)`,
        cLinked.name,
      );
    }
    this.result = new Promise((resolve, reject) => {
      this.#settleResult = { resolve, reject };
    });
    this.result.catch(() => {});
  }

  #makeSlot(r: RemoteOptions, index: number, trace: TraceOptions | false): RemoteSlot {
    const plan = this.#plan.links[index] as LinkPlan;
    const linkName = this.#plan.named ? r.name : undefined;
    const slot: RemoteSlot = {
      name: r.name,
      index,
      plan,
      ram: new SharedRam(
        this.ram.buffer,
        plan.layout.base,
        this.ram.memory.offset + plan.offset,
        plan.layout.size,
      ),
      mailbox: this.mailbox.link(index),
      source: r.remote,
      data: this.#plan.named ? r.data : this.#options.remoteData,
      waitFor: [...(this.#options.waitForChannels ?? []), ...(r.waitForChannels ?? [])],
      proc: new RemoteProc(r.name, {
        state: () => (this.#status === 'stopped' ? 'stopped' : slot.status),
        layout: () => slot.layout,
        master: () => this.#masterDevice(slot),
        restart: () => this.#restart(slot),
        stats: () => this.#linkStats(slot),
        snapshot: () => this.#linkSnapshot(slot.plan, slot.layout),
      }),
      watchdog: new Watchdog(),
      tracer: trace ? new Tracer('master', (events) => this.#onTrace(events), trace, linkName) : undefined,
      layout: plan.layout,
      status: 'booting',
      worker: undefined,
      loaded: false,
      masterCore: undefined,
      crashAbort: new AbortController(),
      earlyCrash: undefined,
      firmware: undefined,
      lastCrash: undefined,
      restarting: undefined,
    };
    return slot;
  }

  #slotNamed(name: string): RemoteSlot {
    return this.#slots.find((s) => s.name === name) as RemoteSlot;
  }

  /** The layout of the current boot of the (first) remote's link. */
  get layout(): RpmsgLayout {
    return (this.#slots[0] as RemoteSlot).layout;
  }

  /**
   * Where the SoC is in its life. One remote: its state (`crashed` after a crash). Several: the
   * SoC's — `running` once booted, whatever one remote does (`soc.remote(name).state`).
   */
  get state(): SocState {
    if (this.#plan.named || this.#status === 'stopped' || this.#status === 'booting') return this.#status;
    return (this.#slots[0] as RemoteSlot).status;
  }

  /**
   * The master's RPMsg device, when the master runs in this thread (`master: 'inline'`) and there
   * is one remote; with `options.remotes`, each remote's is `soc.remote(name).master`.
   *
   * @throws {TypeError} when the master runs in a worker, or the SoC has `remotes`
   */
  get master(): RpmsgDevice {
    if (this.#plan.named) {
      throw new TypeError(
        'with options.remotes the A-core has one device per remote: soc.remote(name).master',
      );
    }
    return this.#masterDevice(this.#slots[0] as RemoteSlot);
  }

  #masterDevice(slot: RemoteSlot): RpmsgDevice {
    if (!slot.masterCore) throw new TypeError("soc.master exists only with master: 'inline'");
    return slot.masterCore.device;
  }

  /**
   * The remote called `name` (`'remote'` in the one-remote form): its state, the A-core's device for
   * it, its own restart, stats and snapshot, its `crash` / `restart` events.
   *
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE`: no remote has that name
   */
  remote(name: string): RemoteProc {
    const slot = this.#slots.find((s) => s.name === name);
    if (!slot) {
      throw new InvalidArgValueError('name', `names no remote (remotes: ${this.#names()})`, name);
    }
    return slot.proc;
  }

  /**
   * The M-core↔M-core link called `name` (`'m7:m4'`: master, then remote): its cores, layout,
   * counters and region.
   *
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE`: no such link
   */
  link(name: string): PeerLink {
    return this.#peerLinks.link(name);
  }

  /** The remotes' names, quoted, for errors. */
  #names(): string {
    return this.#slots.map((s) => `'${s.name}'`).join(', ');
  }

  /** Every remote, in `options.remotes` order. */
  get remotes(): readonly RemoteProc[] {
    return this.#slots.map((s) => s.proc);
  }

  /**
   * Resolves with channel `name` once remote `options.remote` announced it (the only remote when
   * there is one): `soc.remote(r).master.waitForChannel(name)`.
   *
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE`: several remotes and none named, or an
   *   unknown one; and the codes of `RpmsgDevice.waitForChannel`
   */
  async waitForChannel(name: string, options: WaitOptions & { remote?: string } = {}): Promise<Channel> {
    const { remote, ...wait } = options;
    if (remote === undefined && this.#slots.length > 1) {
      throw new InvalidArgValueError(
        'options.remote',
        `must name the remote whose channel to wait for (remotes: ${this.#names()})`,
        remote,
      );
    }
    const proc = remote === undefined ? (this.#slots[0] as RemoteSlot).proc : this.remote(remote);
    return proc.master.waitForChannel(name, wait);
  }

  #workerData(slot: RemoteSlot): CoreWorkerData {
    const firmware = slot.firmware;
    const wasm = firmware && this.#wasmData(firmware, slot.index, slot.ram);
    return coreWorkerData(
      this.#options,
      'remote',
      slot.source,
      {
        ram: slot.ram,
        mailbox: slot.mailbox,
        layout: slot.plan.layout,
        linkName: this.#plan.named ? slot.name : undefined,
        peerLinks: this.#peerLinks.workerData(slot),
        data: slot.data,
      },
      wasm,
    );
  }

  #wasmData(firmware: FirmwareModule, index: number, ram: SharedRam): WasmCoreData {
    return {
      module: firmware.module,
      info: firmware.info,
      memory: this.#wasmMemory as WebAssembly.Memory,
      clockOrigin: this.#clockOrigin,
      slot: index,
      regionOffset: ram.memory.offset,
    };
  }

  /** Reads and checks the C firmwares before any thread starts (ERR_RPMSG_LOAD, nothing to undo). */
  async #loadFirmware(): Promise<void> {
    for (const slot of this.#slots) {
      if (!isWasmSource(slot.source)) continue;
      slot.firmware = await loadFirmwareModule(
        this.#plan.named ? `remote '${slot.name}'` : 'remote',
        slot.source,
      );
    }
    const { master } = this.#options;
    if (isWasmSource(master)) this.#masterFirmware = await loadFirmwareModule('master', master);
  }

  /** A line of a core's output: the `log` event, or stdout when nobody listens. */
  #onLog(core: string, line: string): void {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    this.#tracer?.emit({
      type: 'log',
      from: core === 'master' ? 'master' : 'remote',
      line: text,
      ...this.#tag(core),
    });
    if (this.listenerCount('log') > 0) this.emit('log', core, text);
    else process.stdout.write(`[${core}] ${text}\n`);
  }

  /** The `link` tag of a remote's SoC-level trace events (several-remote SoCs only). */
  #tag(name: string): { link?: string } {
    return this.#plan.named && name !== 'master' ? { link: name } : {};
  }

  /** @internal Boots every core (createSoc calls it). */
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
      for (const slot of this.#slots) {
        slot.masterCore = new MasterCore({
          ram: slot.ram,
          mailbox: slot.mailbox,
          layout: slot.plan.layout,
          spin: this.#options.spin,
          sendTimeout: this.#options.sendTimeout,
          tracer: slot.tracer,
        });
      }
    } else {
      await this.#startMasterWorker();
    }
    // Every remote at once: an M-core↔M-core link boots when both of its cores have loaded.
    const boots = this.#slots.map((slot) => this.#bootRemote(slot));
    const results = await Promise.allSettled(boots);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // A remote up early that crashed while another still booted: nobody could listen to its
    // `crash` yet, so the boot fails with it, as a one-remote boot does.
    const lost = this.#slots.find((slot) => slot.status !== 'running');
    if (lost) {
      throw new RpmsgError('ERR_RPMSG_PEER_GONE', `${this.#called(lost)} failed while the SoC booted`, {
        cause: lost.lastCrash,
      });
    }
    this.#status = 'running';
  }

  get #inline(): boolean {
    return this.#options.master === undefined || this.#options.master === 'inline';
  }

  get #bootTimeout(): number {
    return this.#options.bootTimeout ?? 10_000;
  }

  async #startMasterWorker(): Promise<void> {
    const slot = this.#slots[0] as RemoteSlot;
    const module = this.#options.master as string | URL | WebAssembly.Module;
    const wasm = this.#masterFirmware && this.#wasmData(this.#masterFirmware, 0, slot.ram);
    const data = coreWorkerData(
      this.#options,
      'master',
      module,
      {
        ram: slot.ram,
        mailbox: slot.mailbox,
        layout: slot.plan.layout,
        linkName: undefined,
        peerLinks: [],
        data: this.#options.masterData,
      },
      wasm,
    );
    const worker = spawnCore(data);
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

  /** A boot step as timeouts name it: `firmware load`, or `remote 'm4-1': firmware load`. */
  #step(slot: RemoteSlot, what: string): string {
    return this.#plan.named ? `remote '${slot.name}': ${what}` : what;
  }

  /** "the remote" or "remote 'm4-1'": how errors and boot steps name it. */
  #called(slot: RemoteSlot): string {
    return this.#plan.named ? `remote '${slot.name}'` : 'the remote';
  }

  /**
   * Loads the firmware in a new remote worker, boots the master over it (and its M-core links whose
   * other core is loaded), waits for both ends up (and for the channels of `waitForChannels`). On
   * failure the new worker is ended.
   */
  async #bootRemote(slot: RemoteSlot): Promise<void> {
    slot.status = 'booting';
    slot.earlyCrash = undefined;
    slot.loaded = false;
    slot.crashAbort = new AbortController();
    const worker = spawnCore(this.#workerData(slot));
    slot.worker = worker;
    const called = this.#called(slot);
    worker.on('message', (message: WorkerToSoc) => {
      if (message.type === 'trace') this.#onTrace(message.events);
      else if (message.type === 'log') this.#onLog(this.#plan.named ? slot.name : 'remote', message.line);
    });
    worker.on('error', (error) => this.#crash(slot, worker, error));
    worker.on('exit', (code) => this.#crash(slot, worker, new Error(`${called} exited with code ${code}`)));
    try {
      const up = expectMessage(worker, 'up', this.#bootTimeout, this.#step(slot, 'remote boot'));
      up.catch(() => {});
      await expectMessage(
        worker,
        'loaded',
        this.#bootTimeout,
        this.#step(slot, 'firmware load'),
        'load-failed',
      );
      slot.loaded = true;
      await this.#bootMaster(slot);
      this.#peerLinks.boot(slot);
      await up;
      const early = slot.earlyCrash as Error | undefined; // set by a crash while this awaited
      slot.earlyCrash = undefined;
      // The remote was up and died before the boot ended: the boot failed (createSoc rejects).
      if (early)
        throw new RpmsgError('ERR_RPMSG_PEER_GONE', `${called} failed while booting: ${early.message}`, {
          cause: early,
        });
      slot.status = 'running';
      this.#lifecycle('up', undefined, slot);
      this.#startWatchdog(slot, worker);
      if (slot.masterCore && slot.waitFor.length > 0) {
        await waitForChannels(
          slot.masterCore.device,
          slot.waitFor,
          this.#bootTimeout,
          slot.crashAbort.signal,
        );
      }
    } catch (error) {
      if (slot.worker === worker) {
        slot.watchdog.stop();
        slot.worker = undefined;
        slot.loaded = false;
        slot.status = 'crashed';
        this.#peerGone(
          slot,
          new RpmsgError('ERR_RPMSG_PEER_GONE', `${called} failed to boot`, { cause: error }),
        );
        this.#retire(worker);
      }
      throw error;
    }
  }

  async #bootMaster(slot: RemoteSlot): Promise<void> {
    if (slot.masterCore) {
      await withTimeout(slot.masterCore.boot(), this.#bootTimeout, this.#step(slot, 'master boot'));
      slot.layout = slot.masterCore.layout;
      return;
    }
    const worker = this.#masterWorker as Worker;
    const booted = expectMessage(worker, 'booted', this.#bootTimeout, 'master boot', 'boot-failed');
    this.#send(worker, { type: 'boot' });
    slot.layout = (await booted).layout;
  }

  #send(worker: Worker, message: SocToWorker): void {
    worker.postMessage(message);
  }

  #startWatchdog(slot: RemoteSlot, worker: Worker): void {
    slot.watchdog.start(slot.mailbox, watchdogLimit(this.#options), (reason) =>
      this.#crash(slot, worker, reason),
    );
  }

  /**
   * A remote failed: the master sees its link go down (channels removed, pending sends reject with
   * `ERR_RPMSG_PEER_GONE`), so do its M-core peers; the remote thread is ended, `crash` is emitted.
   * The other remotes are not touched.
   */
  #crash(slot: RemoteSlot, worker: Worker, reason: Error): void {
    if (worker !== slot.worker) return;
    if (slot.status === 'booting') {
      // Up already, the boot not yet finished (a firmware that fails at once): reported when it is.
      slot.earlyCrash ??= reason;
      return;
    }
    if (slot.status !== 'running' || this.#status === 'stopped') return;
    slot.status = 'crashed';
    slot.lastCrash = reason;
    slot.watchdog.stop();
    slot.worker = undefined;
    slot.loaded = false;
    this.#retire(worker);
    const error = new RpmsgError(
      'ERR_RPMSG_PEER_GONE',
      `${this.#plan.named ? `remote '${slot.name}'` : 'the remote core'} crashed: ${reason.message}`,
      {
        cause: reason,
      },
    );
    this.#peerGone(slot, error);
    this.#lifecycle('crash', reason.message, slot);
    this.#dumpTrace();
    slot.crashAbort.abort(error);
    slot.proc.emit('crash', error);
    this.emit('crash', error, slot.name);
  }

  /** Ends a remote worker that is no longer the SoC's; stop() and restart() wait for it. */
  #retire(worker: Worker): void {
    const ending = worker.terminate();
    this.#dying.add(ending);
    ending.finally(() => this.#dying.delete(ending));
  }

  /** `slot`'s core is gone: its link's master and its M-core peers see their links go down. */
  #peerGone(slot: RemoteSlot, error: RpmsgError): void {
    if (slot.masterCore) slot.masterCore.peerGone(error);
    else if (this.#masterWorker)
      this.#send(this.#masterWorker, { type: 'peer-gone', error: toWireError(error) });
    this.#peerLinks.gone(slot, error);
  }

  /**
   * remoteproc recovery: stops the remote (if still running), takes the master's link down with
   * `ERR_RPMSG_PEER_GONE`, loads the firmware again in a fresh worker and repeats the whole
   * handshake; the firmware announces its channels again, so `waitForChannel` resolves again.
   * Resolves once both ends are up (and the `waitForChannels` are announced). On failure the new
   * worker is ended and the SoC is left `crashed`. With `options.remotes`, name the remote (or use
   * `soc.remote(name).restart()`): the others keep running.
   *
   * @throws {RpmsgError} `ERR_RPMSG_CLOSED` after `stop()`; the boot codes of {@link createSoc}
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE`: several remotes and none named
   */
  async restart(name?: string): Promise<void> {
    if (name === undefined && this.#slots.length > 1) {
      throw new InvalidArgValueError(
        'name',
        `must name the remote to restart (remotes: ${this.#names()})`,
        name,
      );
    }
    return name === undefined ? this.#restart(this.#slots[0] as RemoteSlot) : this.remote(name).restart();
  }

  /** A second restart of the same remote while one is in flight joins it (one worker, one boot). */
  #restart(slot: RemoteSlot): Promise<void> {
    if (this.#status === 'stopped')
      return Promise.reject(new RpmsgError('ERR_RPMSG_CLOSED', 'the SoC is stopped'));
    if (!slot.restarting) {
      slot.restarting = this.#restartOnce(slot).finally(() => {
        slot.restarting = undefined;
      });
    }
    return slot.restarting;
  }

  async #restartOnce(slot: RemoteSlot): Promise<void> {
    slot.watchdog.stop();
    const old = slot.worker;
    slot.worker = undefined;
    slot.loaded = false;
    if (old) {
      this.#peerGone(slot, new RpmsgError('ERR_RPMSG_PEER_GONE', `${this.#called(slot)} is being restarted`));
      await old.terminate();
    }
    await Promise.all(this.#dying);
    // stop() may have come while the old worker ended: no new one then.
    if ((this.#status as SocState) === 'stopped')
      throw new RpmsgError('ERR_RPMSG_CLOSED', 'the SoC is stopped');
    this.#lifecycle('restart', undefined, slot);
    await this.#bootRemote(slot);
    slot.proc.emit('restart');
    this.emit('restart', slot.name);
  }

  /**
   * Reboots the master while the remote keeps running: the master resets the rings and boots the
   * link again; the remote drops its rings, resyncs and re-announces (docs/interop.md#restart-and-resync). With an inline
   * master the same `soc.master` device carries on; a worker master is started afresh. With
   * `options.remotes`, every link of the A-core to a running remote is rebooted.
   */
  async restartMaster(): Promise<void> {
    if (this.#status === 'stopped') throw new RpmsgError('ERR_RPMSG_CLOSED', 'the SoC is stopped');
    this.#lifecycle('master-restart');
    if (!this.#inline) {
      const old = this.#masterWorker;
      this.#masterWorker = undefined;
      await old?.terminate();
      await this.#startMasterWorker();
    }
    // A remote that is down keeps its link down (its restart boots it); one booting boots it itself.
    const running = this.#slots.filter((slot) => slot.status === 'running');
    await Promise.all(running.map((slot) => this.#bootMaster(slot)));
  }

  /**
   * Counters of both ends of the link (null for a core that is down or did not answer within
   * 500 ms). With `options.remotes`, `master` and `remote` are the first remote's link and `links`
   * has every link by name — the M-core↔M-core ones too (`'m7:m4'`).
   */
  async stats(): Promise<SocStats> {
    if (!this.#plan.named) return this.#linkStats(this.#slots[0] as RemoteSlot);
    const links: Record<string, LinkStats> = {};
    const all = await Promise.all([
      ...this.#slots.map(async (slot) => [slot.name, await this.#linkStats(slot)] as const),
    ]);
    all.push(...(await this.#peerLinks.stats()));
    for (const [name, stats] of all) links[name] = stats;
    return { ...(links[(this.#slots[0] as RemoteSlot).name] as LinkStats), links };
  }

  async #linkStats(slot: RemoteSlot): Promise<LinkStats> {
    const ask = async (worker: Worker | undefined): Promise<CoreStats | null> =>
      worker ? requestStats(worker, this.#nextStatsId++) : null;
    const master = slot.masterCore ? collectStats(slot.masterCore.device) : await ask(this.#masterWorker);
    return { master, remote: await ask(slot.worker) };
  }

  /**
   * Serves the live picture of this SoC in a local web page — both vrings with each descriptor
   * coloured by its owner, the heads and notification state, TX buffers free, channels and their
   * counters, lifecycle events (docs/observability.md) — on 127.0.0.1 unless `host` says otherwise,
   * read-only. Resolves with `{ url, close() }`; `stop()` closes it too. With `options.remotes` it
   * shows one remote's link: `remote` names it (default: the first).
   *
   * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE`: `remote` names no remote
   */
  async view(options: ViewOptions & { remote?: string } = {}): Promise<ViewServer> {
    const { remote, ...rest } = options;
    if (remote !== undefined && !this.#slots.some((s) => s.name === remote)) {
      throw new InvalidArgValueError('options.remote', `names no remote (remotes: ${this.#names()})`, remote);
    }
    const source =
      this.#plan.named || remote !== undefined ? this.remote(remote ?? this.#slots[0]!.name) : this;
    const { startView } = await import('@rpmsg/view');
    const server = await startView(source, rest);
    this.#views.add(server);
    return server;
  }

  /**
   * A copy of shared RAM and the layout JSON of the current boot, for `rpmsg inspect`. With
   * `options.remotes`, `layout` is the first remote's link and `links` the layout JSON of every link,
   * each over the whole image: `rpmsg inspect image.bin --layout <one of them>` decodes that link.
   */
  snapshot(): SocSnapshot {
    const snapshot: SocSnapshot = { image: this.ram.snapshot(), layout: layoutToJson(this.layout) };
    if (!this.#plan.named) return snapshot;
    const whole = (layout: RpmsgLayout) => ({
      ...layoutToJson(layout),
      base: `0x${this.#plan.base.toString(16)}`,
      size: this.#plan.size,
    });
    snapshot.layout = whole(this.layout);
    snapshot.links = {};
    for (const slot of this.#slots) snapshot.links[slot.name] = whole(slot.layout);
    for (const [name, layout] of this.#peerLinks.layouts()) snapshot.links[name] = whole(layout);
    return snapshot;
  }

  /** One link's region alone, with its own layout JSON. */
  #linkSnapshot(plan: LinkPlan, layout: RpmsgLayout): SocSnapshot {
    const bytes = this.ram.memory.bytes;
    return { image: bytes.slice(plan.offset, plan.offset + plan.layout.size), layout: layoutToJson(layout) };
  }

  /** Stops every core and releases everything (threads, timers, the trace file). Idempotent. */
  async stop(): Promise<void> {
    if (this.#status === 'stopped') return;
    this.#status = 'stopped';
    const workers: Worker[] = [];
    for (const slot of this.#slots) {
      slot.watchdog.stop();
      if (slot.worker) workers.push(slot.worker);
      slot.worker = undefined;
    }
    const master = this.#masterWorker;
    this.#masterWorker = undefined;
    const views = [...this.#views].map((v) => v.close());
    this.#views.clear();
    await Promise.all([
      ...workers.map((w) => w.terminate()),
      master?.terminate(),
      ...this.#slots.map((slot) => slot.masterCore?.close()),
      ...this.#dying,
      ...views,
    ]);
    this.#settleResult?.reject(new RpmsgError('ERR_RPMSG_CLOSED', 'the SoC was stopped'));
    // 'stop' is the trace's last event: first the batches the workers posted before they ended (a
    // turn of the event loop lets them in) and the inline master's pending batch, then the marker.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const slot of this.#slots) slot.tracer?.flush();
    this.#lifecycle('stop');
    this.#tracer?.flush();
    this.#traceEnded = true;
    await this.#traceOutput?.close();
    this.emit('stop');
  }

  #lifecycle(event: string, detail?: string, slot?: RemoteSlot): void {
    const tag = slot ? this.#tag(slot.name) : {};
    this.#tracer?.emit(
      detail === undefined
        ? { type: 'lifecycle', event, ...tag }
        : { type: 'lifecycle', event, detail, ...tag },
    );
  }

  /**
   * After a crash: a kept trace (`perfetto`, `last`) is written now, with what led to the crash, in
   * case the process ends before `stop()`. The SoC's own batches first; the rest come by `stop()`.
   */
  #dumpTrace(): void {
    if (!this.#traceOutput) return;
    for (const slot of this.#slots) slot.tracer?.flush();
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
