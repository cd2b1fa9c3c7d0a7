import { isLinuxRpmsgError, type RpmsgFileOps } from '@rpmsg/linux';
import { UsageError } from './command.js';

// The board commands open device nodes and write sysfs attributes through @rpmsg/linux's
// file-operations seam. On a board that is the real one; the tests put the kernel model of
// @rpmsg/linux/testing here, so `rpmsg echo --root <fake tree>` talks to its stand-in devices.

let override: RpmsgFileOps | undefined;

/** @internal Replaces the file operations of `list`, `echo` and `rproc` (undefined: the real ones). */
export function setLinuxFileOps(fileOps: RpmsgFileOps | undefined): void {
  override = fileOps;
}

/** The `fileOps` option for @rpmsg/linux: empty (the real ones) unless a test set the model's. */
export function linuxFileOps(): { fileOps?: RpmsgFileOps } {
  return override === undefined ? {} : { fileOps: override };
}

/**
 * Runs a board command, turning `ERR_RPMSG_LINUX_BAD_ROOT` (the `--root` directory does not exist or
 * is not one) into a usage error: a mistyped path is a mistake on the command line (exit 2), not a
 * failure on the board (exit 1).
 */
export async function withRootChecked<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isLinuxRpmsgError(error) && error.code === 'ERR_RPMSG_LINUX_BAD_ROOT') {
      throw new UsageError(`--root: ${error.message}`);
    }
    throw error;
  }
}
