/**
 * Stable error codes of `@rpmsg/virtio`. Callers branch on `err.code`, never on message text; codes are
 * never renamed once released (STYLE "Errors").
 *
 * Codes raised by data read from the ring (everything except `ERR_VIRTQ_NO_DESC`, `ERR_VIRTQ_FEATURES`,
 * `ERR_VIRTQ_STATUS` and `ERR_VIRTQ_LAYOUT`) mark the queue broken, like Linux's `BAD_RING()`.
 */
export type VirtioErrorCode =
  /** The ring does not fit in the memory region, or is misaligned. */
  | 'ERR_VIRTQ_LAYOUT'
  /** A buffer address/length read from the ring lies (partly) outside the memory region. */
  | 'ERR_VIRTQ_ADDR'
  /** A descriptor index read from the ring (avail head or `next`) is ≥ num. */
  | 'ERR_VIRTQ_DESC_INDEX'
  /** A chain walk did not end within num descriptors: the `next` links loop. */
  | 'ERR_VIRTQ_CHAIN_LOOP'
  /** A chain has more segments than the queue size, or its byte total overflows 32 bits. */
  | 'ERR_VIRTQ_CHAIN_LEN'
  /** A device-readable descriptor follows a device-writable one (virtio 1.2 §2.7.4.2). */
  | 'ERR_VIRTQ_DESC_ORDER'
  /** avail.idx moved more than num entries ahead of the device. */
  | 'ERR_VIRTQ_AVAIL_IDX'
  /** used.idx moved ahead by more buffers than the driver has outstanding. */
  | 'ERR_VIRTQ_USED_IDX'
  /** A used element names a descriptor that is out of range or not the head of an outstanding buffer. */
  | 'ERR_VIRTQ_USED_ID'
  /** A used element's `len` exceeds the device-writable length of its buffer. */
  | 'ERR_VIRTQ_USED_LEN'
  /** An indirect descriptor table is misplaced, misshaped, nested or not negotiated. */
  | 'ERR_VIRTQ_INDIRECT'
  /** The queue saw a bad ring earlier; its operations fail until `reset()`/`resync()`/`adopt()`. */
  | 'ERR_VIRTQ_BROKEN'
  /** The driver has too few free descriptors for this buffer (a caller condition: the queue stays usable). */
  | 'ERR_VIRTQ_NO_DESC'
  /** A feature set is invalid (e.g. the driver accepted a bit the device did not offer). */
  | 'ERR_VIRTQ_FEATURES'
  /** A device status transition breaks the virtio initialisation order (virtio 1.2 §3.1.1). */
  | 'ERR_VIRTQ_STATUS';

/** Numbers describing what was wrong; which fields are set depends on the code. */
export interface VirtioErrorDetails {
  /** The offending index (descriptor, ring slot or ring index value). */
  index?: number;
  /** The bound it broke (usually num). */
  limit?: number;
  /** The offending device address. */
  addr?: number;
  /** The offending length in bytes. */
  length?: number;
  /** Any other offending value (flags, status, feature bits as a number). */
  value?: number;
}

/**
 * The one error class of `@rpmsg/virtio`. Thrown by the queue operations of `VirtqueueDriver`,
 * `FixedVirtqueueDriver` and `VirtqueueDevice` (ring validation), `MemoryRegion.offsetOf`
 * (`ERR_VIRTQ_ADDR`), `DeviceStatus` (`ERR_VIRTQ_STATUS`) and `checkAcceptedFeatures` (`ERR_VIRTQ_FEATURES`).
 *
 * @see VirtioErrorCode for the list of codes.
 */
export class VirtioError extends Error {
  /** Stable machine-readable code. */
  readonly code: VirtioErrorCode;
  /** @see VirtioErrorDetails.index */
  readonly index?: number;
  /** @see VirtioErrorDetails.limit */
  readonly limit?: number;
  /** @see VirtioErrorDetails.addr */
  readonly addr?: number;
  /** @see VirtioErrorDetails.length */
  readonly length?: number;
  /** @see VirtioErrorDetails.value */
  readonly value?: number;

  /** Creates an error with a code, a human message and the offending numbers. */
  constructor(code: VirtioErrorCode, message: string, details: VirtioErrorDetails = {}) {
    super(message);
    this.name = 'VirtioError';
    this.code = code;
    if (details.index !== undefined) this.index = details.index;
    if (details.limit !== undefined) this.limit = details.limit;
    if (details.addr !== undefined) this.addr = details.addr;
    if (details.length !== undefined) this.length = details.length;
    if (details.value !== undefined) this.value = details.value;
  }
}

/** True when `e` is a `VirtioError` (works across bundle copies by checking `name` and `code`). */
export function isVirtioError(e: unknown): e is VirtioError {
  if (e instanceof VirtioError) return true;
  if (!(e instanceof Error) || e.name !== 'VirtioError') return false;
  const code: unknown = (e as Error & { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_VIRTQ_');
}
