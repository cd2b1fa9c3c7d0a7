/**
 * Per-process allocator of tty numbers, so streams are named like Linux's `/dev/ttyRPMSG<n>`: the
 * lowest free number is taken and freed again on close (Linux `rpmsg_tty.c`: `idr_alloc(…, 0, …)`).
 */
const taken = new Set<number>();

/** Prefix of every tty name, as the Linux driver registers it (`tty_driver->name`). */
export const TTY_NAME_PREFIX = 'ttyRPMSG';

/** Takes the lowest free tty number. */
export function allocateTtyIndex(): number {
  let index = 0;
  while (taken.has(index)) index += 1;
  taken.add(index);
  return index;
}

/** Returns a tty number to the pool; freeing a number twice does nothing. */
export function freeTtyIndex(index: number): void {
  taken.delete(index);
}
