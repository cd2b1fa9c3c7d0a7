/**
 * The program of a core worker thread (built to dist/core-worker.js; a worker cannot load
 * TypeScript). It maps shared RAM and the mailbox, builds the core (master or remote), boots it
 * on the SoC's command, and runs the user module's default export with a ready RPMsg device.
 * A module that cannot be loaded is reported as `load-failed` (ERR_RPMSG_LOAD) and the thread ends;
 * uncaught errors after that end the thread too: the SoC sees them as a crash.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RpmsgError } from '@rpmsg/core';
import type { CoreContext, FirmwareModule } from './context.js';
import { loadError, noDefaultExport } from './load-error.js';
import { Mailbox } from './mailbox.js';
import { MasterCore } from './master-core.js';
import type { CoreWorkerData, SocToWorker, WorkerToSoc } from './protocol.js';
import { collectStats, fromWireError, toWireError } from './protocol.js';
import { SharedRam } from './region.js';
import { RemoteCore } from './remote-core.js';
import { Tracer } from './trace.js';

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
  try {
    mod = await load();
  } catch (error) {
    // Nothing else was started: with the message posted, the thread has nothing left and ends.
    post({ type: 'load-failed', error: toWireError(error) });
    return;
  }
  const ram = new SharedRam(data.ram, data.layout.base);
  const mailbox = new Mailbox(data.mailbox);
  const tracer = data.trace
    ? new Tracer(data.role, (events) => post({ type: 'trace', events }), data.trace)
    : undefined;
  const controller = new AbortController();
  const ctx = {
    role: data.role,
    profile: data.layout.profile,
    data: data.data,
    signal: controller.signal,
    log: (...args: unknown[]) => console.log(`[${data.role}]`, ...args),
  };
  if (data.role === 'remote') {
    const core = new RemoteCore({
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
    port.on('message', (message: SocToWorker) => {
      if (message.type === 'stats') post({ type: 'stats', id: message.id, stats: collectStats(core.device) });
    });
    post({ type: 'loaded' });
    const serving = core.run();
    await up;
    post({ type: 'up' });
    const value = await mod.default(core.device, { ...ctx, lite: core.lite });
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
    const value = await mod.default(core.device, ctx);
    post({ type: 'result', value: cloneable(value) });
  } catch (error) {
    post({ type: 'failed', error: toWireError(error) });
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

main().catch((error: unknown) => {
  // Let the thread die with it: the SoC's 'error' handler reports a crash with the error's code.
  setImmediate(() => {
    throw error;
  });
});
