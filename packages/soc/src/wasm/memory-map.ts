/**
 * The memory map of a SoC with WebAssembly cores: one shared `WebAssembly.Memory` that every core
 * sees, as on a real SoC where the M-core's firmware and the RPMsg carve-out live in one address
 * space. docs/c-firmware.md#memory-map.
 *
 * | offset        | size     | what                                                         |
 * |---------------|----------|--------------------------------------------------------------|
 * | 0             | 1 MiB    | reserved: a NULL pointer reads zeros here, nothing lives here  |
 * | 0x10_0000     | 1 MiB    | master firmware slot (a wasm master's data, stack and heap)    |
 * | 0x20_0000     | 1 MiB    | remote firmware slot                                          |
 * | 0x30_0000     | region   | the RPMsg region: resource table, vrings, buffers             |
 *
 * A slot: the info block the SoC writes for the firmware (`rpmsg_soc_info()`), the stack (growing
 * down towards the info block), the module's data and bss, then the heap up to the slot's end.
 */
import type { RpmsgLayout } from '@rpmsg/core';

/** Bytes per firmware slot. */
export const SLOT_SIZE = 0x10_0000;
/** Where the RPMsg region starts in the memory. */
export const REGION_OFFSET = 0x30_0000;
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

/** The slot of `role`. */
export function slotOf(role: 'master' | 'remote'): FirmwareSlot {
  const base = role === 'master' ? 0x10_0000 : 0x20_0000;
  const stackLimit = base + INFO_SIZE;
  const stackTop = stackLimit + STACK_SIZE;
  return { base, stackLimit, stackTop, dataBase: stackTop, end: base + SLOT_SIZE };
}

/** The shared memory for `layout`'s region and both slots (initial = maximum: it never grows). */
export function createSocMemory(layout: RpmsgLayout): WebAssembly.Memory {
  const pages = Math.ceil((REGION_OFFSET + layout.size) / PAGE);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}
