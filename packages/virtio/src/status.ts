import { VirtioError } from './errors.js';

/** Status bit: the guest OS has noticed the device (virtio 1.2 §2.1). */
export const VIRTIO_CONFIG_S_ACKNOWLEDGE = 1;
/** Status bit: the guest OS knows how to drive the device. */
export const VIRTIO_CONFIG_S_DRIVER = 2;
/** Status bit: the driver is set up and ready to drive the device. */
export const VIRTIO_CONFIG_S_DRIVER_OK = 4;
/** Status bit: feature negotiation is complete (virtio 1.x; legacy remoteproc vdevs skip it). */
export const VIRTIO_CONFIG_S_FEATURES_OK = 8;
/** Status bit: the device hit an error it cannot recover from without a reset. */
export const VIRTIO_CONFIG_S_NEEDS_RESET = 64;
/** Status bit: something went wrong in the guest; it gave up on the device. */
export const VIRTIO_CONFIG_S_FAILED = 128;

const KNOWN =
  VIRTIO_CONFIG_S_ACKNOWLEDGE |
  VIRTIO_CONFIG_S_DRIVER |
  VIRTIO_CONFIG_S_DRIVER_OK |
  VIRTIO_CONFIG_S_FEATURES_OK |
  VIRTIO_CONFIG_S_NEEDS_RESET |
  VIRTIO_CONFIG_S_FAILED;

const STATUS_NAMES: ReadonlyArray<readonly [number, string]> = [
  [VIRTIO_CONFIG_S_ACKNOWLEDGE, 'ACKNOWLEDGE'],
  [VIRTIO_CONFIG_S_DRIVER, 'DRIVER'],
  [VIRTIO_CONFIG_S_DRIVER_OK, 'DRIVER_OK'],
  [VIRTIO_CONFIG_S_FEATURES_OK, 'FEATURES_OK'],
  [VIRTIO_CONFIG_S_NEEDS_RESET, 'NEEDS_RESET'],
  [VIRTIO_CONFIG_S_FAILED, 'FAILED'],
];

/** Names of the set status bits in bit order (`0x10`-style hex for unknown bits). */
export function statusNames(status: number): string[] {
  const names: string[] = [];
  for (const [bit, name] of STATUS_NAMES) if (status & bit) names.push(name);
  for (let bit = 1; bit <= 0x80; bit <<= 1) if (status & bit & ~KNOWN) names.push(`0x${bit.toString(16)}`);
  return names;
}

function bad(from: number, to: number, why: string): never {
  throw new VirtioError('ERR_VIRTQ_STATUS', `status 0x${from.toString(16)} → 0x${to.toString(16)}: ${why}`, {
    value: to,
  });
}

/**
 * Checks a device status write against the initialisation order of virtio 1.2 §3.1.1:
 * writing 0 resets; otherwise bits are only added, ACKNOWLEDGE before DRIVER before FEATURES_OK before
 * DRIVER_OK. FEATURES_OK may be skipped (legacy devices such as remoteproc vdevs: Linux only sets it for
 * VERSION_1), but not set after DRIVER_OK. After FAILED only a reset is allowed. FAILED and NEEDS_RESET
 * may appear at any time.
 * @throws VirtioError ERR_VIRTQ_STATUS (with `value` = `to`) for any other transition.
 */
export function validateStatusTransition(from: number, to: number): void {
  if (!Number.isInteger(to) || to < 0 || to > 0xff) bad(from, to, 'not a status byte');
  if (to === 0) return; // reset, always allowed
  if (to & ~KNOWN) bad(from, to, 'reserved bits set');
  if (from & ~to) bad(from, to, 'bits can only be cleared by a reset (write 0)');
  const added = to & ~from;
  if (added === 0) return;
  if (from & VIRTIO_CONFIG_S_FAILED) bad(from, to, 'after FAILED only a reset is allowed');
  if (added & VIRTIO_CONFIG_S_DRIVER && !(to & VIRTIO_CONFIG_S_ACKNOWLEDGE))
    bad(from, to, 'DRIVER before ACKNOWLEDGE');
  if (added & VIRTIO_CONFIG_S_FEATURES_OK) {
    if (!(to & VIRTIO_CONFIG_S_DRIVER)) bad(from, to, 'FEATURES_OK before DRIVER');
    if (from & VIRTIO_CONFIG_S_DRIVER_OK) bad(from, to, 'FEATURES_OK after DRIVER_OK');
  }
  if (added & VIRTIO_CONFIG_S_DRIVER_OK && !(to & VIRTIO_CONFIG_S_DRIVER))
    bad(from, to, 'DRIVER_OK before DRIVER');
}

/**
 * The device status byte as a small state machine (virtio 1.2 §2.1, §3.1.1). `set()` refuses
 * out-of-order transitions; `reset()` returns to 0.
 */
export class DeviceStatus {
  #value: number;

  /** @throws VirtioError ERR_VIRTQ_STATUS if `initial` is not a reachable status byte. */
  constructor(initial = 0) {
    validateStatusTransition(0, initial);
    this.#value = initial;
  }

  /** The current status byte. */
  get value(): number {
    return this.#value;
  }

  /** Adds status bit(s) `bit`. @throws VirtioError ERR_VIRTQ_STATUS when out of order. */
  set(bit: number): void {
    const to = this.#value | bit;
    validateStatusTransition(this.#value, to);
    this.#value = to;
  }

  /** Marks the driver as having given up on the device (FAILED). */
  fail(): void {
    this.#value |= VIRTIO_CONFIG_S_FAILED;
  }

  /** Device side: flags that the device needs a reset (DEVICE_NEEDS_RESET). */
  needsReset(): void {
    this.#value |= VIRTIO_CONFIG_S_NEEDS_RESET;
  }

  /** Writes 0: the device forgets features and queues (virtio 1.2 §2.1). */
  reset(): void {
    this.#value = 0;
  }

  /** True when DRIVER_OK is set and neither FAILED nor NEEDS_RESET: the queues may be used. */
  isDriverOk(): boolean {
    return (
      (this.#value & VIRTIO_CONFIG_S_DRIVER_OK) !== 0 &&
      (this.#value & (VIRTIO_CONFIG_S_FAILED | VIRTIO_CONFIG_S_NEEDS_RESET)) === 0
    );
  }

  /** True when FAILED is set. */
  isFailed(): boolean {
    return (this.#value & VIRTIO_CONFIG_S_FAILED) !== 0;
  }

  /** True when DEVICE_NEEDS_RESET is set. */
  isResetNeeded(): boolean {
    return (this.#value & VIRTIO_CONFIG_S_NEEDS_RESET) !== 0;
  }
}
