import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgTypeError, InvalidArgValueError, RpmsgError } from '@rpmsg/core';
import { FirmwareBuildError } from './build-error.js';
import { parseDiagnostics } from './diagnostics.js';
import { packageDir } from './paths.js';
import { runClang, toolchainVersion } from './toolchain.js';

/** Optimisation levels clang takes (`-O<level>`). */
export type OptimizeLevel = '0' | '1' | '2' | '3' | 's' | 'z';

/** What {@link buildFirmware} compiles, and how. */
export interface BuildFirmwareOptions {
  /** The firmware's C files. */
  sources: readonly string[];
  /** Extra include directories (`-I`), searched before the SoC's headers. */
  includeDirs?: readonly string[];
  /** Macros (`-D`): `NAME` or `NAME=VALUE` strings, or an object of them. */
  defines?: readonly string[] | Readonly<Record<string, string | number | boolean>>;
  /**
   * A checkout of RPMsg-Lite: build its `lib/` with this project's port (real RPMsg-Lite mode)
   * instead of the RPMsg-Lite API headers this package implements (API mode).
   */
  rpmsgLite?: string;
  /** Optimisation level (default '2'). */
  optimize?: OptimizeLevel;
  /** Keep DWARF debug information (`-g`). */
  debug?: boolean;
  /** Also write the module to this file. */
  output?: string;
  /** Where built modules are kept, keyed by the inputs' content (default: the OS temp dir); `false`: no cache. */
  cacheDir?: string | false;
}

/** A built firmware module. */
export interface BuiltFirmware {
  /** The WebAssembly module's bytes. */
  readonly wasm: Uint8Array;
  /** `api`: RPMsg-Lite API headers of this package; `rpmsg-lite`: the real RPMsg-Lite library. */
  readonly mode: 'api' | 'rpmsg-lite';
  /** True when it came from the cache (nothing was compiled). */
  readonly cached: boolean;
  /** Clang's warnings (empty when it printed none). */
  readonly warnings: string;
  /** Where it was written (`options.output`). */
  readonly output: string | undefined;
}

/** RPMsg-Lite's own sources, relative to a checkout (its `lib/`). */
const RPMSG_LITE_SOURCES = [
  'lib/common/llist.c',
  'lib/rpmsg_lite/rpmsg_lite.c',
  'lib/rpmsg_lite/rpmsg_ns.c',
  'lib/rpmsg_lite/rpmsg_queue.c',
  'lib/virtio/virtqueue.c',
];

/**
 * Largest memory a firmware module may ask for: 2 GiB (wasm32's addresses reach 4 GiB; the SoC's
 * memories are far smaller). The SoC gives the real size when it instantiates the module.
 */
const MAX_MEMORY = 2 ** 31;

/**
 * The flags that make a SoC firmware: wasm32, atomics and bulk memory (the memory is shared with the
 * other cores), position independent (the SoC places each core's data at load time, so one module runs
 * on any core), hidden symbols (only what the SoC calls is exported), no host C library.
 */
function targetFlags(optimize: OptimizeLevel, debug: boolean): string[] {
  return [
    '--target=wasm32',
    `-O${optimize}`,
    ...(debug ? ['-g'] : []),
    '-std=gnu11',
    '-fPIC',
    '-fvisibility=hidden',
    '-matomics',
    '-mbulk-memory',
    '-ffreestanding',
    '-nostdlib',
    '-nostdlibinc',
    '-Wall',
    '-Wl,--experimental-pic',
    '-Wl,-shared',
    '-Wl,--shared-memory',
    '-Wl,--import-memory',
    `-Wl,--max-memory=${MAX_MEMORY}`,
    // A shared module would turn every undefined function into an import the SoC cannot satisfy;
    // a typo or a missing C library function is a link error instead, as on an MCU.
    '-Wl,--unresolved-symbols=report-all',
  ];
}

/**
 * Compiles and links a C firmware for a WebAssembly core of `@rpmsg/soc`, with Clang and LLD
 * compiled to WebAssembly (`@yowasp/clang`: nothing to install). The SoC's headers
 * (`rpmsg_soc.h`, a small C library, and — in API mode — RPMsg-Lite's public API) are on the
 * include path. A module built from the same inputs comes from the cache.
 *
 * ```ts
 * const { wasm } = await buildFirmware({ sources: ['echo.c'], output: 'echo.wasm' });
 * const soc = await createSoc({ remote: 'echo.wasm' });
 * ```
 *
 * @throws {FirmwareBuildError} `ERR_RPMSG_BUILD`: clang's errors, `file:line:column` first
 * @throws {RpmsgError} `ERR_RPMSG_BUILD` when a source, an include directory or the RPMsg-Lite
 *   checkout cannot be read
 */
export async function buildFirmware(options: BuildFirmwareOptions): Promise<BuiltFirmware> {
  const plan = await planBuild(options);
  const key = createHash('sha256').update(plan.fingerprint).digest('hex').slice(0, 32);
  const cacheDir = options.cacheDir === undefined ? join(tmpdir(), 'rpmsg-firmware-cache') : options.cacheDir;
  const cacheFile = cacheDir === false ? undefined : join(cacheDir, `${key}.wasm`);
  const hit: Uint8Array | undefined = cacheFile
    ? await readFile(cacheFile).catch(() => undefined)
    : undefined;
  let warnings = '';
  let wasm: Uint8Array;
  if (hit) wasm = hit;
  else {
    ({ wasm, warnings } = await compile(plan));
    if (cacheFile) await writeAtomically(cacheFile, wasm).catch(() => {}); // a cache that cannot be written is no cache
  }
  const cached = hit !== undefined;
  if (options.output) await writeAtomically(resolve(options.output), wasm);
  return {
    wasm: new Uint8Array(wasm.buffer, wasm.byteOffset, wasm.byteLength),
    mode: plan.mode,
    cached,
    warnings,
    output: options.output && resolve(options.output),
  };
}

interface BuildPlan {
  mode: 'api' | 'rpmsg-lite';
  args: string[];
  /** Every file clang may read, by absolute path. */
  files: Map<string, Uint8Array>;
  fingerprint: string;
}

async function planBuild(options: BuildFirmwareOptions): Promise<BuildPlan> {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgTypeError('options', 'an object', options);
  const sources = stringList(options.sources, 'options.sources');
  if (sources.length === 0)
    throw new InvalidArgValueError('options.sources', 'must name at least one C file', sources);
  const userIncludes = stringList(options.includeDirs ?? [], 'options.includeDirs').map((d) => resolve(d));
  const optimize = options.optimize ?? '2';
  if (!['0', '1', '2', '3', 's', 'z'].includes(optimize)) {
    throw new InvalidArgValueError('options.optimize', "must be one of '0' '1' '2' '3' 's' 'z'", optimize);
  }
  const mode = options.rpmsgLite === undefined ? 'api' : 'rpmsg-lite';
  const include = packageDir('include');
  const lib = packageDir('lib');
  const port = packageDir('port');
  const ownIncludes = [include, join(include, 'libc')];
  const ownSources = [join(lib, 'crt.c'), join(lib, 'libc.c')];
  if (mode === 'api') {
    ownIncludes.push(join(include, 'rpmsg-lite-api'));
    ownSources.push(join(lib, 'rpmsg_lite_api.c'));
  } else {
    const checkout = resolve(options.rpmsgLite as string);
    ownIncludes.unshift(port);
    ownIncludes.push(join(checkout, 'lib', 'include'));
    ownSources.push(...(await cFiles(port)), ...RPMSG_LITE_SOURCES.map((s) => join(checkout, s)));
  }
  const allSources = [...sources.map((s) => resolve(s)), ...ownSources];
  const includes = [...userIncludes, ...ownIncludes];
  const files = new Map<string, Uint8Array>();
  for (const file of allSources) files.set(file, await readInput(file));
  for (const dir of includes) for (const file of await headers(dir)) files.set(file, await readInput(file));
  const args = [
    ...targetFlags(optimize, options.debug === true),
    ...defineFlags(options.defines),
    ...includes.map((d) => `-I${d}`),
    ...allSources,
    '-o',
    '/out/firmware.wasm',
  ];
  const hash = createHash('sha256');
  hash.update(`${toolchainVersion()}\0${args.join('\0')}\0`);
  for (const [path, bytes] of [...files].sort(([a], [b]) => (a < b ? -1 : 1)))
    hash.update(`${path}\0`).update(bytes);
  return { mode, args, files, fingerprint: hash.digest('hex') };
}

async function compile(plan: BuildPlan): Promise<{ wasm: Uint8Array; warnings: string }> {
  const { status, stderr, output } = await runClang(plan.args, plan.files, '/out/firmware.wasm');
  const diagnostics = parseDiagnostics(stderr);
  if (status !== 0 || !output) throw new FirmwareBuildError(stderr, diagnostics);
  return { wasm: output, warnings: stderr };
}

function stringList(value: unknown, name: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) {
    throw new InvalidArgTypeError(name, 'an array of non-empty strings', value);
  }
  return value as string[];
}

const MACRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function defineFlags(defines: BuildFirmwareOptions['defines']): string[] {
  if (defines === undefined) return [];
  const list = Array.isArray(defines)
    ? (defines as readonly string[])
    : Object.entries(defines as Record<string, unknown>).map(([k, v]) =>
        v === true ? k : `${k}=${String(v)}`,
      );
  return list.map((d) => {
    const name = String(d).split('=')[0] as string;
    if (typeof d !== 'string' || !MACRO_NAME.test(name)) {
      throw new InvalidArgValueError('options.defines', 'must be NAME or NAME=VALUE with a C identifier', d);
    }
    return `-D${d}`;
  });
}

async function readInput(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new RpmsgError('ERR_RPMSG_BUILD', `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Every header under `dir` (what an #include may read), as absolute paths. */
async function headers(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries: import('node:fs').Dirent[];
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (error) {
    throw new RpmsgError(
      'ERR_RPMSG_BUILD',
      `cannot read include directory ${dir}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  for (const e of entries) {
    if (e.isFile() && /\.(h|inc)$/.test(e.name))
      out.push(join(e.parentPath ?? (e as { path: string }).path, e.name));
  }
  return out;
}

async function cFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((f) => f.endsWith('.c')).map((f) => join(dir, f));
}

/** Writes through a temporary file and a rename, so a reader never sees half a module. */
async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}
