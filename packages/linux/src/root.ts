import { statSync } from 'node:fs';
import { join } from 'node:path';
import { errnoOf, LinuxRpmsgError } from './errors.js';
import { isDirectory, SysfsPaths } from './sysfs.js';

/**
 * Checks the `root` option once, before anything is read under it, so that a mistyped path gets one
 * clear error naming it — not an empty listing (a file as root used to pass) nor a missing driver.
 * Then checks that it has a `sys` directory, as every Linux with sysfs mounted does.
 *
 * @throws {LinuxRpmsgError} `ERR_RPMSG_LINUX_BAD_ROOT` (missing, or not a directory),
 *   `ERR_RPMSG_LINUX_IO` (no `sys` under it)
 */
export function openRoot(root: string): SysfsPaths {
  let directory: boolean;
  try {
    directory = statSync(root).isDirectory();
  } catch (error) {
    const errno = errnoOf(error);
    const what = errno === 'ENOENT' || errno === 'ENOTDIR' ? 'does not exist' : `cannot be read (${errno})`;
    throw new LinuxRpmsgError('ERR_RPMSG_LINUX_BAD_ROOT', `root '${root}' ${what}`, {
      path: root,
      cause: error,
      ...(errno === undefined ? {} : { errno }),
    });
  }
  if (!directory) {
    throw new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_BAD_ROOT',
      `root '${root}' is not a directory: it must be where /sys and /dev are ('/' on a board)`,
      { path: root },
    );
  }
  const sys = join(root, 'sys');
  if (!isDirectory(sys)) {
    throw new LinuxRpmsgError(
      'ERR_RPMSG_LINUX_IO',
      `${sys} does not exist: this is not Linux, or sysfs is not mounted (mount -t sysfs sysfs /sys)`,
      { path: sys },
    );
  }
  return new SysfsPaths(root);
}
