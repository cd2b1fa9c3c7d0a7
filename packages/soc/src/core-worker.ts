/**
 * The program of a core worker thread (built to dist/core-worker.js; a worker cannot load
 * TypeScript). It maps shared RAM and the mailbox, builds the core (master or remote), boots it
 * on the SoC's command, and runs the user module's default export with a ready RPMsg device.
 * A module that cannot be loaded is reported as `load-failed` (ERR_RPMSG_LOAD) and the thread ends;
 * uncaught errors after that end the thread too: the SoC sees them as a crash.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RpmsgError } from '@rpmsg/core';
import { loadResourceTable } from './boot.js';
import type { CoreContext, FirmwareModule } from './context.js';
import { RpmsgLite } from './lite.js';
import { loadError, noDefaultExport } from './load-error.js';
import { Mailbox } from './mailbox.js';
import { MasterCore } from './master-core.js';
import { startPeerLinks } from './peer-links.js';
import type { CoreWorkerData, SocToWorker, WasmCoreData, WorkerToSoc } from './protocol.js';
import { collectStats, fromWireError, toWireError } from './protocol.js';
import { SharedRam } from './region.js';
import { RemoteCore } from './remote-core.js';
import { Tracer } from './trace.js';
import { FirmwareExit, runWasmFirmware } from './wasm/run-wasm-core.js';

const data = workerData as CoreWorkerData;
const port = parentPort ?? notInWorker();

function notInWorker(): never {
  throw new Error('core-worker must run in a worker thread');
}
const post = (message: WorkerToSoc) => port.postMessage(message);

interface UserModule {
  default: (device: unknown, ctx: CoreContext) => unknown;
  resourceTable?: FirmwareModule['resourceTable'];
}

/**
 * Imports the user module: a missing file, a syntax error, a throw while it evaluates or no default
 * export function is `ERR_RPMSG_LOAD` (the program could not be loaded), never a crash.
 */
async function load(): Promise<UserModule> {
  let mod: Partial<UserModule>;
  try {
    mod = (await import(data.module)) as Partial<UserModule>;
  } catch (error) {
    throw loadError(data.role, data.module, error);
  }
  if (typeof mod.default !== 'function') throw noDefaultExport(data.role, data.module, mod.default);
  return mod as UserModule;
}

async function main(): Promise<void> {
  let mod: UserModule;
  const wasm = data.wasm;
  const mailbox = new Mailbox(data.mailbox, data.mailboxLinks, data.mailboxLink);
  try {
    mod = wasm ? wasmModule(mailbox) : await load();
  } catch (error) {
    // Nothing else was started: with the message posted, the thread has nothing left and ends.
    post({ type: 'load-failed', error: toWireError(error) });
    return;
  }
  const ram = new SharedRam(data.ram, data.layout.base, data.ramOffset, data.layout.size);
  if (wasm?.info.mode === 'raw') {
    runRawFirmware(ram, mailbox);
    return;
  }
  const tracer = data.trace
    ? new Tracer(data.role, (events) => post({ type: 'trace', events }), data.trace, data.linkName)
    : undefined;
  const controller = new AbortController();
  const ctx = {
    role: data.role,
    profile: data.layout.profile,
    data: data.data,
    signal: controller.signal,
    // With several remotes a remote's lines name it, as its `log` events do.
    log: (...args: unknown[]) => console.log(`[${data.linkName ?? data.role}]`, ...args),
  };
  if (data.role === 'remote') {
    const core: RemoteCore = new RemoteCore({
      ram,
      mailbox,
      layout: data.layout,
      spin: data.spin,
      slice: data.slice,
      sendTimeout: data.sendTimeout,
      tracer,
    });
    let up: Promise<void>;
    try {
      up = core.load(mod.resourceTable);
    } catch (error) {
      // The image's resource table could not be put in place (a patch that throws): not loaded.
      post({ type: 'load-failed', error: toWireError(loadError('remote', data.module, error)) });
      return;
    }
    const peers = startPeerLinks(data, data.ram, mailbox, post);
    port.on('message', (message: SocToWorker) => {
      if (message.link !== undefined) peers.onMessage(message);
      else if (message.type === 'stats')
        post({ type: 'stats', id: message.id, stats: collectStats(core.device) });
    });
    post({ type: 'loaded' });
    const serving = core.run();
    await up;
    post({ type: 'up' });
    let value: unknown;
    try {
      value = await mod.default(core.device, { ...ctx, lite: core.lite, link: peers.link });
    } finally {
      // A firmware that fails takes its thread with it: the events before the fault go out first.
      tracer?.flush();
    }
    post({ type: 'result', value: cloneable(value) });
    await serving;
    return;
  }
  const core = new MasterCore({
    ram,
    mailbox,
    layout: data.layout,
    spin: data.spin,
    sendTimeout: data.sendTimeout,
    tracer,
  });
  let appStarted = false;
  port.on('message', (message: SocToWorker) => {
    if (message.type === 'boot') {
      core.boot().then(
        () => {
          post({ type: 'booted', layout: core.layout });
          if (!appStarted) {
            appStarted = true;
            void runApp(mod, core, ctx);
          }
        },
        (error: unknown) => post({ type: 'boot-failed', error: toWireError(error) }),
      );
    } else if (message.type === 'peer-gone') {
      core.peerGone(fromWireError(message.error) as RpmsgError);
    } else if (message.type === 'stats') {
      post({ type: 'stats', id: message.id, stats: collectStats(core.device) });
    }
  });
  post({ type: 'ready' });
}

async function runApp(mod: UserModule, core: MasterCore, ctx: Omit<CoreContext, 'lite'>): Promise<void> {
  try {
    // A C firmware master calls RPMsg-Lite's blocking API: it waits on the master's own pump.
    const lite = data.wasm ? new RpmsgLite(core.device, core.pump, data.layout.vrings[1].num) : undefined;
    const value = await mod.default(core.device, { ...ctx, lite });
    post({ type: 'result', value: cloneable(value) });
  } catch (error) {
    if (error instanceof FirmwareExit) post({ type: 'result', value: error.code });
    // A C firmware's trap is the core's crash (master-crash), not a rejected program.
    if (data.wasm) fail(error);
    else post({ type: 'failed', error: toWireError(error) });
  }
}

/** A module's result crosses postMessage: keep it if it clones, else its string form. */
function cloneable(value: unknown): unknown {
  try {
    structuredClone(value);
    return value;
  } catch {
    return String(value);
  }
}

/**
 * A C firmware in API mode: the SoC's RPMsg stack (RemoteCore / MasterCore) runs as for a
 * JavaScript module, and this default export runs the firmware's main over its RPMsg-Lite API.
 */
function wasmModule(mailbox: Mailbox): UserModule {
  const wasm = data.wasm as WasmCoreData;
  // No doorbell of its own: the RPMsg stack's pump takes this core's doorbells, and the firmware's
  // waits are the stack's (rpmsg_soc_wfi serves the link).
  return {
    default: (_device, ctx) =>
      runWasmFirmware({
        role: data.role,
        wasm,
        layout: data.layout,
        mailbox,
        slice: data.slice,
        log: (line) => post({ type: 'log', line }),
        lite: ctx.lite,
      }),
  };
}

/**
 * A C firmware that drives the rings itself (real RPMsg-Lite): no RPMsg stack of ours on this core.
 * The remote's image is loaded (linux: the default resource table) and the firmware starts at once;
 * a master starts on the SoC's boot command. Returning from main halts the core: the thread ends
 * with main's value as exit code (a remote's end is a crash the SoC reports).
 */
function runRawFirmware(ram: SharedRam, mailbox: Mailbox): void {
  // The core's interrupt line exists from its reset: a kick before main() runs stays pending.
  const doorbell = mailbox.inbox(data.role);
  const start = () => {
    const code = runWasmFirmware({
      role: data.role,
      wasm: data.wasm as WasmCoreData,
      layout: data.layout,
      mailbox,
      doorbell,
      slice: data.slice,
      log: (line) => post({ type: 'log', line }),
    });
    if (data.role === 'master') post({ type: 'result', value: code });
    throw new FirmwareExit(code);
  };
  if (data.role === 'remote') {
    if (data.layout.profile === 'linux') loadResourceTable(ram.memory, data.layout, undefined);
    mailbox.setEpoch('remote', mailbox.epoch('master'));
    post({ type: 'loaded' });
    post({ type: 'up' });
    setImmediate(() => guard(start));
    return;
  }
  port.on('message', (message: SocToWorker) => {
    if (message.type !== 'boot') return;
    // The firmware blocks this thread for good: answer first, then start it.
    post({ type: 'booted', layout: data.layout });
    setImmediate(() => guard(start));
  });
  post({ type: 'ready' });
}

/** Runs `fn`; an exit() ends the thread with its code, any other throw is the core's crash. */
function guard(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    fail(error);
  }
}

function fail(error: unknown): void {
  if (error instanceof FirmwareExit) {
    // Let the log lines posted before it go out first.
    setImmediate(() => process.exit(error.code));
    return;
  }
  // Let the thread die with it: the SoC's 'error' handler reports a crash with the error's code.
  setImmediate(() => {
    throw error;
  });
}

main().catch(fail);
