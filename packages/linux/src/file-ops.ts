/**
 * One open device node — a `/dev/rpmsgN` or a `/dev/ttyRPMSGn` — opened non-blocking. Every method is
 * one system call and returns at once; waiting is done with {@link DeviceFile.waitReadable} /
 * {@link DeviceFile.waitWritable}, never by blocking a thread.
 *
 * The contract, as the kernel keeps it (drivers/rpmsg/rpmsg_char.c, drivers/tty/rpmsg_tty.c):
 *
 * - **`read`** on a char device returns one whole message per call (0 for an empty one) and cuts a
 *   message longer than the buffer; on a tty it returns what the line holds, and 0 only once the
 *   tty was hung up (its channel went away). Nothing to read: throws `EAGAIN`. The channel gone
 *   (char device): throws `EPIPE`.
 * - **`write`** on a char device sends one message and returns its length; longer than the MTU:
 *   `EMSGSIZE`; no free TX buffer now: `EAGAIN` (`ENOMEM` from older kernels); the channel gone:
 *   `EPIPE`.
 *   On a tty it may take part of the bytes; `EAGAIN` when the line is full, `ENOMEM` when rpmsg_tty found
 *   no TX buffer, `EIO` once hung up.
 * - **`waitReadable` / `waitWritable`** call back once when the call may succeed now — or with an
 *   error when the file can no longer be waited on (closed, an error condition); a read or write
 *   then tells what happened. At most one wait of each kind at a time.
 * - **`close`** cancels the waits (their callbacks are not called) and closes the descriptor.
 *
 * Errors are Node system errors: an `Error` with `code` (`EAGAIN`, `EPIPE`, `EACCES`…).
 */
export interface DeviceFile {
  read(buffer: Uint8Array): number;
  write(data: Uint8Array): number;
  waitReadable(callback: (error: Error | null) => void): void;
  waitWritable(callback: (error: Error | null) => void): void;
  close(): void;
}

/**
 * The file operations this package performs that change anything or wait: opening device nodes and
 * writing sysfs attributes. Reading sysfs is plain `fs` under the root. Tests replace this seam with
 * the model of `@rpmsg/linux/testing`, whose stand-in for `/dev/rpmsgN` keeps message boundaries as the
 * kernel does, and whose attribute writes act as the kernel's store callbacks would.
 */
export interface RpmsgFileOps {
  /**
   * Opens a `/dev/rpmsgN` read-write and non-blocking. rpmsg_char allows one open file per node:
   * a second open fails with `EBUSY`.
   */
  openCharDevice(path: string): Promise<DeviceFile>;
  /**
   * Opens a tty read-write, non-blocking, in raw mode (no echo, no line editing, no CR/LF or
   * XON/XOFF processing in either direction) and locked against other openers.
   */
  openTty(path: string): Promise<DeviceFile>;
  /**
   * Writes one sysfs attribute (one write(2)): what the kernel's store callback returns comes back as
   * the error (`EBUSY`, `EINVAL`, `ENOENT`, `ENODEV`, `EACCES`…).
   */
  writeAttribute(path: string, value: string): Promise<void>;
}
