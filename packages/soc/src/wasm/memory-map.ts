/**
 * The memory map of a SoC with WebAssembly cores: one shared `WebAssembly.Memory` that every core
 * sees, as on a real SoC where the M-core's firmware and the RPMsg carve-out live in one address
 * space. docs/c-firmware.md#memory-map.
 *
 * | offset        | size     | what                                                         |
 * |---------------|----------|--------------------------------------------------------------|
 * | 0             | 1 MiB    | reserved: a NULL pointer reads zeros here, nothing lives here  |
 * | 0x10_0000     | 1 MiB    | master firmware slot (a wasm master's data, stack and heap)    |
 * | 0x20_0000     | 1 MiB    | remote firmware slot (remote k of `remotes`: 0x20_0000 + k MiB) |
 * | 0x30_0000     | region   | the RPMsg region: resource table, vrings, buffers             |
 *
 * With n remotes the region starts at (2 + n) MiB: 0x30_0000 for one.
 *
 * A slot: the info block the SoC writes for the firmware (`rpmsg_soc_info()`), the stack (growing
 * down towards the info block), the module's data and bss, then the heap up to the slot's end.
 */

/** Bytes per firmware slot. */
export const SLOT_SIZE = 0x10_0000;
/** Where the RPMsg region starts in the memory of a SoC with one remote. */
export const REGION_OFFSET = 0x30_0000;

/** Where the RPMsg region starts in the memory of a SoC with `remotes` remote slots. */
export function regionOffset(remotes: number): number {
  return (2 + remotes) * SLOT_SIZE;
}

/** Bytes at the start of a slot for the info block. */
export const INFO_SIZE = 256;
/** Bytes of stack a firmware gets. */
export const STACK_SIZE = 0x1_0000;
/** A wasm page. */
const PAGE = 0x1_0000;

/** The slot of a role's firmware: where its info block, stack, data and heap go. */
export interface FirmwareSlot {
  /** First byte of the slot (the info block). */
  readonly base: number;
  /** Lowest address the stack may reach; below it is the info block. */
  readonly stackLimit: number;
  /** Initial stack pointer (the stack grows down from here). */
  readonly stackTop: number;
  /** Where the module's data goes (`__memory_base`). */
  readonly dataBase: number;
  /** One past the slot's last byte. */
  readonly end: number;
}

/** The slot of `role` (remote `index` of a several-remote SoC). */
export function slotOf(role: 'master' | 'remote', index = 0): FirmwareSlot {
  const base = role === 'master' ? 0x10_0000 : 0x20_0000 + index * SLOT_SIZE;
  const stackLimit = base + INFO_SIZE;
  const stackTop = stackLimit + STACK_SIZE;
  return { base, stackLimit, stackTop, dataBase: stackTop, end: base + SLOT_SIZE };
}

/**
 * The shared memory for `size` bytes of RPMsg region above the slots of the master and `remotes`
 * remotes (initial = maximum: it never grows).
 */
export function createSocMemory(size: number, remotes = 1): WebAssembly.Memory {
  const pages = Math.ceil((regionOffset(remotes) + size) / PAGE);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}
