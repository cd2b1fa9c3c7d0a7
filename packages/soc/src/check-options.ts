import {
  checkBoolean,
  checkInteger,
  checkMilliseconds,
  checkOneOf,
  InvalidArgTypeError,
  InvalidArgValueError,
  MAX_TIMER_MS,
  OutOfRangeError,
  RPMSG_NAME_SIZE,
} from '@rpmsg/core';
import { isPowerOfTwo, MAX_QUEUE_SIZE } from '@rpmsg/virtio';
import type { SocOptions } from './soc-options.js';

/** Smallest buffer: a power of two that holds the 16-byte header and a 40-byte name-service message. */
export const MIN_BUFFER_SIZE = 64;
/** Largest buffer: a virtio descriptor length is 32 bits, but RPMsg's `len` header field is 16. */
export const MAX_BUFFER_SIZE = 0x10000;
/** Shared RAM starts on a page, as a remoteproc carve-out does; the vrings need 4096-byte alignment. */
export const BASE_ALIGN = 0x1000;
/** Shortest watchdog limit: a healthy firmware beats every ≤ 50 ms; below this, load alone trips it. */
export const MIN_WATCHDOG_MS = 100;
/** Longest spin (µs) before a core sleeps on its doorbell: beyond a second it only burns a CPU. */
export const MAX_SPIN_US = 1_000_000;

/**
 * Checks every option of `createSoc` before anything is allocated or started, so a bad value is a
 * caller error naming the option (`options.watchdog`) — not a crash of a healthy remote, a watchdog
 * silently off, or a Node timer warning later. Returns the options as given.
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE`: an option of the wrong type
 * @throws {InvalidArgValueError} `ERR_INVALID_ARG_VALUE`: an empty module path, a bad channel name,
 *   data that cannot cross `postMessage`, `waitForChannels` with a worker master
 * @throws {OutOfRangeError} `ERR_OUT_OF_RANGE`: a number outside its range (see the README's table)
 */
export function checkSocOptions(options: unknown): SocOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new InvalidArgTypeError('options', 'of type object', options);
  }
  const o = options as Record<keyof SocOptions, unknown>;
  if (o.remotes === undefined) {
    checkModule('options.remote', o.remote);
    if (o.links !== undefined) {
      throw new InvalidArgValueError('options.links', 'needs options.remotes (the cores it joins)', o.links);
    }
  } else {
    if (o.remote !== undefined) {
      throw new InvalidArgValueError(
        'options.remote',
        'goes alone: give options.remote or options.remotes',
        o.remote,
      );
    }
    checkRemotes(o);
  }
  if (o.master !== undefined && o.master !== 'inline') checkModule('options.master', o.master);
  if (o.ramSize !== undefined) checkInteger('options.ramSize', o.ramSize, BASE_ALIGN, 0x1_0000_0000);
  if (o.profile !== undefined) checkOneOf('options.profile', o.profile, ['linux', 'rpmsg-lite'] as const);
  if (o.numBuffers !== undefined) checkPowerOfTwo('options.numBuffers', o.numBuffers, 1, MAX_QUEUE_SIZE);
  if (o.bufferSize !== undefined) {
    checkPowerOfTwo('options.bufferSize', o.bufferSize, MIN_BUFFER_SIZE, MAX_BUFFER_SIZE);
  }
  if (o.base !== undefined) {
    const base = checkInteger('options.base', o.base, 0, 0x1_0000_0000 - BASE_ALIGN);
    if (base % BASE_ALIGN !== 0) {
      throw new OutOfRangeError('options.base', `a multiple of ${BASE_ALIGN} (0x1000)`, base);
    }
  }
  if (o.eventIdx !== undefined) checkBoolean('options.eventIdx', o.eventIdx);
  if (o.align !== undefined) checkPowerOfTwo('options.align', o.align, 4, 0x10000);
  if (o.stride !== undefined) checkInteger('options.stride', o.stride, 1, 0x7fff_ffff);
  if (o.linkId !== undefined) checkInteger('options.linkId', o.linkId, 0, 0x7fff_ffff);
  if (o.spin !== undefined) checkNumber('options.spin', o.spin, 0, MAX_SPIN_US);
  if (o.watchdog !== undefined) checkWatchdog(o.watchdog);
  if (o.trace !== undefined) checkTrace(o.trace);
  if (o.sendTimeout !== undefined) checkMilliseconds('options.sendTimeout', o.sendTimeout);
  if (o.bootTimeout !== undefined) checkNumber('options.bootTimeout', o.bootTimeout, 1, MAX_TIMER_MS);
  checkCloneable('options.masterData', o.masterData);
  checkCloneable('options.remoteData', o.remoteData);
  if (o.waitForChannels !== undefined) {
    checkChannelNames('options.waitForChannels', o.waitForChannels);
    if (o.master !== undefined && o.master !== 'inline') {
      throw new InvalidArgValueError(
        'options.waitForChannels',
        "needs master: 'inline' (a worker master's program waits for its channels itself)",
        o.waitForChannels,
      );
    }
  }
  return options as SocOptions;
}

/** Remote names: they name threads, trace tracks and CLI arguments. */
const REMOTE_NAME = /^[A-Za-z0-9_.-]{1,31}$/;

/** `options.remotes` and `options.links`: each entry, unique names, links between known cores. */
function checkRemotes(o: Record<keyof SocOptions, unknown>): void {
  if (!Array.isArray(o.remotes)) throw new InvalidArgTypeError('options.remotes', 'an array', o.remotes);
  // How many fit is the mailbox's to say (planSoc names the first remote that does not).
  if (o.remotes.length < 1)
    throw new InvalidArgValueError('options.remotes', 'must name at least one remote', o.remotes);
  if (o.remoteData !== undefined) {
    throw new InvalidArgValueError(
      'options.remoteData',
      'goes with options.remote: give each remote its data (options.remotes[i].data)',
      o.remoteData,
    );
  }
  if (o.master !== undefined && o.master !== 'inline') {
    throw new InvalidArgValueError(
      'options.master',
      "must be 'inline' with options.remotes (the A-core program runs in this thread and reaches each remote by soc.remote(name))",
      o.master,
    );
  }
  const names = new Set<string>();
  o.remotes.forEach((r: unknown, i) => {
    const arg = `options.remotes[${i}]`;
    if (r === null || typeof r !== 'object' || Array.isArray(r))
      throw new InvalidArgTypeError(arg, 'of type object', r);
    const e = r as Record<string, unknown>;
    if (typeof e.name !== 'string') throw new InvalidArgTypeError(`${arg}.name`, 'of type string', e.name);
    if (!REMOTE_NAME.test(e.name)) {
      throw new InvalidArgValueError(`${arg}.name`, 'must be 1 to 31 letters, digits, -, _ or .', e.name);
    }
    if (e.name === 'master' || e.name === 'soc') {
      // They name the A-core and the SoC in trace tracks and log lines.
      throw new InvalidArgValueError(
        `${arg}.name`,
        `'${e.name}' is reserved: it names the A-core and the SoC`,
        e.name,
      );
    }
    if (names.has(e.name)) {
      throw new InvalidArgValueError(
        `${arg}.name`,
        `'${e.name}' names two remotes: each needs its own name`,
        e.name,
      );
    }
    names.add(e.name);
    checkModule(`${arg}.remote`, e.remote);
    checkCloneable(`${arg}.data`, e.data);
    checkLinkShape(arg, e);
    if (e.waitForChannels !== undefined) checkChannelNames(`${arg}.waitForChannels`, e.waitForChannels);
  });
  if (o.links === undefined) return;
  if (!Array.isArray(o.links)) throw new InvalidArgTypeError('options.links', 'an array', o.links);
  if (o.links.length > 0 && o.profile !== 'rpmsg-lite') {
    throw new InvalidArgValueError(
      'options.links',
      "needs profile 'rpmsg-lite' (an M-core master has no remoteproc resource table to read)",
      o.links,
    );
  }
  const pairs = new Set<string>();
  o.links.forEach((l: unknown, i) => {
    const arg = `options.links[${i}]`;
    if (l === null || typeof l !== 'object' || Array.isArray(l))
      throw new InvalidArgTypeError(arg, 'of type object', l);
    const e = l as Record<string, unknown>;
    for (const end of ['master', 'remote'] as const) {
      if (typeof e[end] !== 'string')
        throw new InvalidArgTypeError(`${arg}.${end}`, 'of type string', e[end]);
      if (!names.has(e[end] as string)) {
        throw new InvalidArgValueError(
          `${arg}.${end}`,
          `names no remote (remotes: ${[...names].join(', ')})`,
          e[end],
        );
      }
    }
    if (e.master === e.remote) {
      throw new InvalidArgValueError(`${arg}.remote`, `'${e.remote}' cannot be its own peer`, e.remote);
    }
    const pair = [e.master, e.remote].sort().join(':');
    if (pairs.has(pair)) {
      throw new InvalidArgValueError(arg, `'${e.master}' and '${e.remote}' are linked twice`, l);
    }
    pairs.add(pair);
    checkLinkShape(arg, e);
  });
}

/** The per-link layout options of a remote or an M-core link. */
function checkLinkShape(arg: string, e: Record<string, unknown>): void {
  if (e.numBuffers !== undefined) checkPowerOfTwo(`${arg}.numBuffers`, e.numBuffers, 1, MAX_QUEUE_SIZE);
  if (e.bufferSize !== undefined) {
    checkPowerOfTwo(`${arg}.bufferSize`, e.bufferSize, MIN_BUFFER_SIZE, MAX_BUFFER_SIZE);
  }
  if (e.linkId !== undefined) checkInteger(`${arg}.linkId`, e.linkId, 0, 0x7fff_ffff);
  if (e.base !== undefined) {
    const base = checkInteger(`${arg}.base`, e.base, 0, 0x1_0000_0000 - BASE_ALIGN);
    if (base % BASE_ALIGN !== 0)
      throw new OutOfRangeError(`${arg}.base`, `a multiple of ${BASE_ALIGN} (0x1000)`, base);
  }
}

/** The watchdog limit in ms, 0 when it is off (`false`, `0` or `Infinity`). */
export function watchdogLimit(options: SocOptions): number {
  const w = options.watchdog;
  if (w === undefined) return 2000;
  return w === false || w === Number.POSITIVE_INFINITY ? 0 : w;
}

function checkModule(argument: string, value: unknown): void {
  if (value instanceof URL || value instanceof WebAssembly.Module) return;
  if (typeof value !== 'string') {
    throw new InvalidArgTypeError(
      argument,
      'of type string or an instance of URL or WebAssembly.Module',
      value,
    );
  }
  if (value.length === 0) throw new InvalidArgValueError(argument, 'must not be empty', value);
}

function checkNumber(argument: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number') throw new InvalidArgTypeError(argument, 'of type number', value);
  if (!(value >= min && value <= max)) throw new OutOfRangeError(argument, `>= ${min} and <= ${max}`, value);
}

function checkPowerOfTwo(argument: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number') throw new InvalidArgTypeError(argument, 'of type number', value);
  if (!Number.isInteger(value) || !isPowerOfTwo(value) || value < min || value > max) {
    throw new OutOfRangeError(argument, `a power of two >= ${min} and <= ${max}`, value);
  }
}

/** `false`, `0` and `Infinity` switch it off; otherwise a limit a healthy firmware cannot miss. */
function checkWatchdog(value: unknown): void {
  if (value === false || value === 0 || value === Number.POSITIVE_INFINITY) return;
  if (typeof value !== 'number')
    throw new InvalidArgTypeError('options.watchdog', 'of type number or false', value);
  if (!(value >= MIN_WATCHDOG_MS && value <= MAX_TIMER_MS)) {
    throw new OutOfRangeError(
      'options.watchdog',
      `>= ${MIN_WATCHDOG_MS} and <= ${MAX_TIMER_MS} ms, or 0, false or Infinity (off)`,
      value,
    );
  }
}

function checkTrace(value: unknown): void {
  if (typeof value === 'boolean') return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgTypeError('options.trace', 'of type boolean or object', value);
  }
  const { file, payloadBytes, format, last } = value as {
    file?: unknown;
    payloadBytes?: unknown;
    format?: unknown;
    last?: unknown;
  };
  if (file !== undefined) {
    if (typeof file !== 'string') throw new InvalidArgTypeError('options.trace.file', 'of type string', file);
    if (file.length === 0) throw new InvalidArgValueError('options.trace.file', 'must not be empty', file);
  }
  if (payloadBytes !== undefined)
    checkInteger('options.trace.payloadBytes', payloadBytes, 0, MAX_BUFFER_SIZE);
  if (format !== undefined && format !== 'jsonl' && format !== 'perfetto') {
    if (typeof format !== 'string')
      throw new InvalidArgTypeError('options.trace.format', 'of type string', format);
    throw new InvalidArgValueError('options.trace.format', "must be 'jsonl' or 'perfetto'", format);
  }
  if (last !== undefined) checkInteger('options.trace.last', last, 1, MAX_TRACE_LAST);
}

/** The most events `trace.last` keeps: about a gigabyte of events held in memory. */
const MAX_TRACE_LAST = 10_000_000;

/** `ctx.data` crosses `postMessage`: what cannot be cloned is refused here, not as a DataCloneError. */
function checkCloneable(argument: string, value: unknown): void {
  if (value === undefined) return;
  try {
    structuredClone(value);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new InvalidArgValueError(argument, `must be structured-cloneable (${why})`, value);
  }
}

const utf8 = new TextEncoder();

/** Names as the name service carries them: 1 to 31 UTF-8 bytes (NUL-padded to 32), no NUL inside. */
function checkChannelNames(argument: string, value: unknown): void {
  if (!Array.isArray(value)) throw new InvalidArgTypeError(argument, 'an array of strings', value);
  value.forEach((name: unknown, i) => {
    const arg = `${argument}[${i}]`;
    if (typeof name !== 'string') throw new InvalidArgTypeError(arg, 'of type string', name);
    const bytes = utf8.encode(name).length;
    if (bytes === 0 || bytes > RPMSG_NAME_SIZE - 1 || name.includes('\0')) {
      throw new InvalidArgValueError(
        arg,
        `must be a channel name of 1 to ${RPMSG_NAME_SIZE - 1} UTF-8 bytes without NUL`,
        name,
      );
    }
  });
}
