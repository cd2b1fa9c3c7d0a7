import { join } from 'node:path';
import { RpmsgError } from '@rpmsg/core';
import { virtioReplaced } from './channel-scan.js';
import type { LinuxChannel } from './linux-channel.js';
import { readAttribute, type SysfsPaths } from './sysfs.js';

/** The error for a channel that left the bus: the same code as the simulator's NS DESTROY. */
export function channelGone(channel: { readonly name: string; readonly remoteAddr: number }): RpmsgError {
  return new RpmsgError('ERR_RPMSG_CHANNEL_GONE', `channel '${channel.name}' was removed`, {
    addr: channel.remoteAddr,
  });
}

/**
 * Why a channel went away, as the simulator would say it: `ERR_RPMSG_PEER_GONE` when its processor is
 * not running or the virtio device the channel lived on went away with it (a stop, a crash, the
 * kernel's recovery), else `ERR_RPMSG_CHANNEL_GONE` (the remote destroyed this one channel).
 *
 * The kernel removes a stopping processor's channels before it marks the processor offline, so the
 * state alone can still read `running`; the virtio device, removed in the same step and made anew by
 * a restart (another sysfs inode), settles it.
 */
export function goneReason(paths: SysfsPaths, channel: LinuxChannel): RpmsgError {
  const rproc = channel.remoteproc ?? 'the remote processor';
  const state =
    channel.remoteproc === null ? null : stateOrNull(join(paths.remoteproc(channel.remoteproc), 'state'));
  if (state !== null && state !== 'running' && state !== 'attached') {
    return new RpmsgError('ERR_RPMSG_PEER_GONE', `channel '${channel.name}': ${rproc} is ${state}`, {
      addr: channel.remoteAddr,
    });
  }
  if (virtioReplaced(channel.virtio)) {
    return new RpmsgError(
      'ERR_RPMSG_PEER_GONE',
      `channel '${channel.name}': ${rproc} stopped or restarted (its virtio device went away)`,
      { addr: channel.remoteAddr },
    );
  }
  return channelGone(channel);
}

/**
 * The processor's state, or null when it cannot be read: this runs while an endpoint is being ended,
 * where a permission error would replace the reason the channel went — the virtio check then decides.
 */
function stateOrNull(path: string): string | null {
  try {
    return readAttribute(path);
  } catch {
    return null;
  }
}
