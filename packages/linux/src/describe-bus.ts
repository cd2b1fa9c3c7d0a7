import { join } from 'node:path';
import type { LinuxChannel } from './linux-channel.js';
import { isDirectory, listDirectory, readAttribute, type SysfsPaths } from './sysfs.js';

/**
 * What the rpmsg bus and the remote processors look like now, in one line: the reason a wait for a
 * channel timed out is nearly always here (the processor is offline, crashed, or announced other names).
 */
export function describeBus(paths: SysfsPaths, channels: readonly LinuxChannel[]): string {
  const parts: string[] = [];
  if (!isDirectory(paths.rpmsgBus)) {
    parts.push(
      'there is no rpmsg bus (/sys/bus/rpmsg): no remote processor with an rpmsg virtio device runs, ' +
        'or the kernel lacks CONFIG_RPMSG_VIRTIO',
    );
  } else if (channels.length === 0) {
    parts.push('the remote announced no channel');
  } else {
    parts.push(`the remote announced ${channels.map((c) => `'${c.name}'`).join(', ')}`);
  }
  const rprocs = listDirectory(paths.remoteprocClass);
  for (const id of rprocs) {
    const dir = paths.remoteproc(id);
    const name = readAttribute(join(dir, 'name'));
    const state = readAttribute(join(dir, 'state')) ?? 'unknown';
    const hint = state === 'offline' ? ' (start it: rpmsg rproc start)' : '';
    parts.push(`${id}${name === null ? '' : ` (${name})`} is ${state}${hint}`);
  }
  if (rprocs.length === 0 && !isDirectory(paths.remoteprocClass))
    parts.push('no remoteproc class (CONFIG_REMOTEPROC)');
  return parts.join('; ');
}
