import { listRemoteprocs, openRemoteproc } from '@rpmsg/linux';
import { UsageError } from './command.js';
import type { CommandIo } from './io.js';
import { linuxFileOps } from './linux-file-ops.js';
import { describeRemoteproc } from './linux-list.js';

/** What `rpmsg rproc` does. */
export type RprocAction = 'list' | 'status' | 'start' | 'stop';

/** Options of `rpmsg rproc`. */
export interface LinuxRprocOptions {
  readonly action: RprocAction;
  /** The processor: id (`remoteproc0`), index or name; default the only one. */
  readonly which?: string;
  /** `start`: the firmware file to load (from the kernel's firmware path, /lib/firmware). */
  readonly firmware?: string;
  readonly json?: boolean;
  /** Where /sys is (default `/`). */
  readonly root?: string;
}

/** Parses `rproc [list|status|start|stop] [NAME]`. */
export function parseRprocArgs(positionals: readonly string[]): { action: RprocAction; which?: string } {
  const [first, second, ...rest] = positionals;
  if (rest.length > 0)
    throw new UsageError(`rproc takes an action and at most one processor, got '${rest[0]}'`);
  if (first === undefined) return { action: 'list' };
  if (first !== 'list' && first !== 'status' && first !== 'start' && first !== 'stop') {
    throw new UsageError(`rproc action must be list, status, start or stop, got '${first}'`);
  }
  if (first === 'list' && second !== undefined) throw new UsageError('rproc list takes no processor');
  return second === undefined ? { action: first } : { action: first, which: second };
}

/**
 * `rpmsg rproc` on a Linux board: lists the remote processors, shows one, or starts / stops it
 * through `/sys/class/remoteproc/remoteprocN/state` (choosing the firmware first with `--firmware`).
 * Prints the processor's state afterwards.
 */
export async function linuxRproc(options: LinuxRprocOptions, io: CommandIo): Promise<number> {
  const where = { root: options.root ?? '/', ...linuxFileOps() };
  if (options.action === 'list') {
    const all = (await listRemoteprocs(where)).map((r) => r.info());
    if (options.json === true) io.out(JSON.stringify(all));
    else io.out(all.length === 0 ? '(no remote processors)' : all.map(describeRemoteproc).join('\n'));
    return 0;
  }
  const rproc = await openRemoteproc(options.which, where);
  if (options.action === 'start') {
    io.err(
      `rpmsg rproc: starting ${rproc.id} (${rproc.name})${options.firmware ? ` with ${options.firmware}` : ''}…`,
    );
    await rproc.start(options.firmware === undefined ? {} : { firmware: options.firmware });
  } else if (options.action === 'stop') {
    io.err(`rpmsg rproc: stopping ${rproc.id} (${rproc.name})…`);
    await rproc.stop();
  }
  const info = rproc.info();
  io.out(options.json === true ? JSON.stringify(info) : describeRemoteproc(info));
  return 0;
}
