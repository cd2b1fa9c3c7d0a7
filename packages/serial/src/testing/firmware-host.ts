import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The C sources shipped in the package (`packages/serial/firmware`). */
export const FIRMWARE_DIR: string = fileURLToPath(new URL('../../firmware', import.meta.url));

/** True when the C compiler `cc` runs (C tests skip without it). */
export function hasCompiler(cc = 'gcc'): boolean {
  const r = spawnSync(cc, ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

/** Options of {@link buildFirmwareHost}. */
export interface BuildFirmwareOptions {
  /** Where the binary goes; default a fresh directory under the OS temp dir (never the sources). */
  outDir?: string;
  /** Extra `-D` definitions (e.g. `{ RPMSG_SERIAL_RELIABLE: 0 }`). */
  defines?: Record<string, string | number>;
  /** Compiler; default `gcc`. */
  cc?: string;
}

/**
 * Compiles the firmware's POSIX host build (firmware/host/main.c + rpmsg_serial.c) with
 * `-std=c99 -Wall -Wextra -Werror -pedantic`; resolves to the binary's path.
 */
export async function buildFirmwareHost(options: BuildFirmwareOptions = {}): Promise<string> {
  const outDir = options.outDir ?? (await mkdtemp(join(tmpdir(), 'rpmsg-serial-fw-')));
  const out = join(outDir, 'rpmsg-serial-host');
  const defines = Object.entries(options.defines ?? {}).map(([k, v]) => `-D${k}=${v}`);
  const args = ['-std=c99', '-Wall', '-Wextra', '-Werror', '-pedantic', '-O2', ...defines];
  args.push(
    `-I${FIRMWARE_DIR}`,
    join(FIRMWARE_DIR, 'rpmsg_serial.c'),
    join(FIRMWARE_DIR, 'host', 'main.c'),
    '-o',
    out,
  );
  await new Promise<void>((resolve, reject) => {
    execFile(options.cc ?? 'gcc', args, (error, _stdout, stderr) =>
      error ? reject(new Error(`firmware build failed:\n${stderr}`, { cause: error })) : resolve(),
    );
  });
  return out;
}

/** A running firmware host build: the simulated board at the other end of a pty. */
export interface FirmwareHost {
  /** The pty slave to open (`/dev/pts/N`), or the `link` symlink when one was asked for. */
  readonly path: string;
  /** The process. */
  readonly process: ChildProcess;
  /** Closes the pty (and removes the symlink), as pulling the USB cable would. */
  unplug(): Promise<void>;
  /** Opens a new pty (and re-points the symlink); the firmware restarts its handshake. */
  replug(): Promise<string>;
  /** Ends the process ("quit" on its command pipe, or SIGTERM without one); resolves once it exited. */
  stop(): Promise<void>;
}

/** Options of {@link startFirmwareHost}. */
export interface StartFirmwareOptions {
  /** Keep a symlink at this path pointing at the current pty, like /dev/serial/by-id. */
  link?: string;
  /**
   * Drive the firmware through a command pipe on its stdin (`--commands`: unplug, replug, quit; it
   * exits when the pipe closes, so it never outlives the test). Default true. With false its stdin
   * is /dev/null, as when started in the background, and it runs until a signal: `unplug` and
   * `replug` are then unavailable.
   */
  commands?: boolean;
}

/**
 * Starts a binary from {@link buildFirmwareHost}. With `link`, the firmware keeps a symlink at that
 * path pointing at its current pty, like /dev/serial/by-id, so the host can reopen it after a replug.
 */
export async function startFirmwareHost(
  binary: string,
  options: StartFirmwareOptions = {},
): Promise<FirmwareHost> {
  const commands = options.commands ?? true;
  const args = [...(options.link ? ['--link', options.link] : []), ...(commands ? ['--commands'] : [])];
  const child = spawn(binary, args, {
    stdio: [commands ? 'pipe' : 'ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiters: ((line: string) => boolean)[] = [];
  lines.on('line', (line) => {
    const i = waiters.findIndex((w) => w(line));
    if (i >= 0) waiters.splice(i, 1);
  });
  const next = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`firmware host: no "${prefix}" line`)), 5000);
      waiters.push((line) => {
        if (!line.startsWith(prefix)) return false;
        clearTimeout(timer);
        resolve(line.slice(prefix.length).trim());
        return true;
      });
    });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pty = await next('PTY');
  return {
    path: options.link ?? pty,
    process: child,
    async unplug() {
      if (!commands) throw new Error('firmware host started without a command pipe');
      const done = next('UNPLUGGED');
      child.stdin!.write('unplug\n');
      await done;
    },
    async replug() {
      if (!commands) throw new Error('firmware host started without a command pipe');
      const p = next('PTY');
      child.stdin!.write('replug\n');
      return p;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        if (commands) child.stdin!.write('quit\n');
        else child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 1000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
