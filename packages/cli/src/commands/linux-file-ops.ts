import type { RpmsgFileOps } from '@rpmsg/linux';

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
