import type { DeviceFile } from '../file-ops.js';
import { errnoError } from './errno.js';

/** The TX side of one virtio rpmsg device in the model: the buffer pool the firmware returns. */
export interface FakeTxPath {
  /** TX buffers free now (virtio_rpmsg_bus's `get_a_tx_buf`). */
  readonly txFree: number;
  /** Hands one message to the firmware (takes a TX buffer). */
  transmit(service: string, data: Uint8Array): void;
  /** Calls `callback` once a TX buffer comes back. */
  onTxFree(callback: () => void): void;
}

/**
 * rpmsg_char's endpoint device in the model, behind the `/dev/rpmsgN` of one channel — what the kernel
 * keeps for it (drivers/rpmsg/rpmsg_char.c): a queue of whole messages from the remote, one opener at
 * a time (`EBUSY`), and `EPIPE` for every call once the channel left the bus.
 */
export class FakeEptdev {
  /** `rpmsgN` */
  readonly node: string;
  readonly #service: string;
  readonly #tx: FakeTxPath;
  readonly #mtu: number;
  readonly #rx: Uint8Array[] = [];
  #file: FakeEptdevFile | null = null;
  #gone = false;

  constructor(node: string, service: string, tx: FakeTxPath, mtu: number) {
    this.node = node;
    this.#service = service;
    this.#tx = tx;
    this.#mtu = mtu;
  }

  /** True while a process has the node open. */
  get isOpen(): boolean {
    return this.#file !== null;
  }

  /**
   * open(2): one opener at a time, as `rpmsg_eptdev_open` (`eptdev->ept` set → EBUSY). Once destroyed
   * the device has no cdev (cdev_device_del in rpmsg_chrdev_eptdev_destroy): its node is gone
   * (ENOENT, the board's doing) and an inode still reached gets ENXIO from chrdev_open.
   */
  open(path: string): DeviceFile {
    if (this.#gone) throw errnoError('ENXIO', 'open', path);
    if (this.#file !== null) throw errnoError('EBUSY', 'open', path);
    this.#file = new FakeEptdevFile(this, path);
    return this.#file;
  }

  /** A message from the remote: queued whole (the default endpoint's callback copies it into an skb). */
  deliver(payload: Uint8Array): void {
    if (this.#gone) return;
    this.#rx.push(payload.slice());
    this.#file?.wake();
  }

  /** The channel left the bus: every call of the open file now fails with EPIPE. */
  destroy(): void {
    this.#gone = true;
    this.#file?.wake();
  }

  /** @internal for the file */
  get gone(): boolean {
    return this.#gone;
  }

  /** @internal for the file */
  take(): Uint8Array | undefined {
    return this.#rx.shift();
  }

  /** @internal for the file */
  get queued(): number {
    return this.#rx.length;
  }

  /** @internal for the file: one message towards the firmware, or why not. */
  transmit(data: Uint8Array, path: string): number {
    if (this.#gone) throw errnoError('EPIPE', 'write', path);
    if (data.length > this.#mtu) throw errnoError('EMSGSIZE', 'write', path);
    // Non-blocking writers get rpmsg_trysendto's "no buffer" as EAGAIN.
    if (this.#tx.txFree === 0) throw errnoError('EAGAIN', 'write', path);
    this.#tx.transmit(this.#service, data.slice());
    return data.length;
  }

  /** @internal for the file */
  get txFree(): number {
    return this.#tx.txFree;
  }

  /** @internal for the file */
  onTxFree(callback: () => void): void {
    this.#tx.onTxFree(callback);
  }

  /** @internal release(2): what was queued is dropped (`skb_queue_purge`). */
  release(file: FakeEptdevFile): void {
    if (this.#file !== file) return;
    this.#file = null;
    this.#rx.length = 0;
  }
}

/** The open file of a {@link FakeEptdev}: the {@link DeviceFile} contract, message by message. */
class FakeEptdevFile implements DeviceFile {
  readonly #dev: FakeEptdev;
  readonly #path: string;
  #closed = false;
  #onReadable: ((error: Error | null) => void) | null = null;

  constructor(dev: FakeEptdev, path: string) {
    this.#dev = dev;
    this.#path = path;
  }

  read(buffer: Uint8Array): number {
    if (this.#closed) throw errnoError('EBADF', 'read');
    if (this.#dev.gone) throw errnoError('EPIPE', 'read', this.#path);
    const message = this.#dev.take();
    if (message === undefined) throw errnoError('EAGAIN', 'read', this.#path);
    // One message per read, cut to the buffer (`min(len, skb->len)`).
    const n = Math.min(buffer.length, message.length);
    buffer.set(message.subarray(0, n));
    return n;
  }

  write(data: Uint8Array): number {
    if (this.#closed) throw errnoError('EBADF', 'write');
    return this.#dev.transmit(data, this.#path);
  }

  waitReadable(callback: (error: Error | null) => void): void {
    if (this.#onReadable !== null) throw new Error('a read wait is already pending');
    this.#onReadable = callback;
    if (this.#dev.queued > 0 || this.#dev.gone) this.wake();
  }

  waitWritable(callback: (error: Error | null) => void): void {
    const fire = () => {
      if (!this.#closed) callback(null);
    };
    if (this.#dev.txFree > 0 || this.#dev.gone) setImmediate(fire);
    else this.#dev.onTxFree(fire);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onReadable = null;
    this.#dev.release(this);
  }

  /** @internal poll(2) would say readable (a message, or EPOLLERR once gone): call the waiter back. */
  wake(): void {
    const callback = this.#onReadable;
    if (callback === null) return;
    this.#onReadable = null;
    // Like epoll, from the event loop — never from inside the call that queued the message.
    setImmediate(() => {
      if (!this.#closed) callback(null);
    });
  }
}
