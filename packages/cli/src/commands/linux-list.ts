import { listRemoteprocs, openLinuxRpmsg, type RemoteprocInfo } from '@rpmsg/linux';
import type { CommandIo } from './io.js';
import { linuxFileOps } from './linux-file-ops.js';

/** Options of `rpmsg list`. */
export interface LinuxListOptions {
  /** Where /sys and /dev are (default `/`): a fake tree in tests. */
  readonly root?: string;
  /** One JSON object on stdout instead of the table (docs/cli.md). */
  readonly json?: boolean;
}

/** One channel in `rpmsg list --json` (docs/cli.md: outside tools read these keys). */
export interface ListedChannel {
  readonly name: string;
  /** The channel's device on the rpmsg bus, e.g. `virtio0.rpmsg-raw.-1.30`. */
  readonly device: string;
  readonly dst: number;
  /** Our address, null while no driver is bound. */
  readonly src: number | null;
  readonly driver: string | null;
  /** `/dev/rpmsgN` or `/dev/ttyRPMSGn`, null when the channel has none yet. */
  readonly node: string | null;
  readonly remoteproc: string | null;
}

const ADDR_ANY = 0xffffffff;

/**
 * `rpmsg list` on a Linux board: the channels on the rpmsg bus (name, addresses, driver, device
 * node, remote processor) and the remote processors (state, firmware, recovery). A board without
 * remoteproc or without a running remote is not an error: it lists what there is and says why.
 */
export async function linuxList(options: LinuxListOptions, io: CommandIo): Promise<number> {
  const root = options.root ?? '/';
  const device = await openLinuxRpmsg({ root, ...linuxFileOps() });
  try {
    const channels: ListedChannel[] = device.channels().map((c) => ({
      name: c.name,
      device: c.device,
      dst: c.remoteAddr,
      src: c.localAddr === ADDR_ANY ? null : c.localAddr,
      driver: c.driver,
      node: c.charDevice ?? c.tty,
      remoteproc: c.remoteproc,
    }));
    let remoteprocs: RemoteprocInfo[] = [];
    let noRemoteproc: string | null = null;
    try {
      remoteprocs = (await listRemoteprocs({ root, ...linuxFileOps() })).map((r) => r.info());
    } catch (error) {
      noRemoteproc = (error as Error).message;
    }
    if (options.json === true) {
      io.out(JSON.stringify({ channels, remoteprocs }));
      return 0;
    }
    const lines = [`channels (${channels.length}):`];
    if (channels.length === 0) lines.push(`  none: ${device.describe()}`);
    for (const c of channels) {
      lines.push(
        `  ${c.name.padEnd(16)} dst ${String(c.dst).padEnd(6)} src ${String(c.src ?? '-').padEnd(6)} ` +
          `${(c.driver ?? '(no driver)').padEnd(13)} ${c.node ?? '-'}${c.remoteproc ? `  ${c.remoteproc}` : ''}`,
      );
    }
    lines.push(`remote processors (${remoteprocs.length}):`);
    if (noRemoteproc !== null) lines.push(`  none: ${noRemoteproc}`);
    for (const r of remoteprocs) lines.push(`  ${describeRemoteproc(r)}`);
    io.out(lines.join('\n'));
    return 0;
  } finally {
    await device.close();
  }
}

/** `remoteproc0  m4  running  firmware rproc-m4-fw  recovery enabled` */
export function describeRemoteproc(r: RemoteprocInfo): string {
  return (
    `${r.id.padEnd(12)} ${r.name.padEnd(12)} ${(r.state ?? 'gone').padEnd(8)} firmware ${r.firmware ?? '-'}` +
    (r.recovery === null ? '' : `  recovery ${r.recovery}`)
  );
}
