import type { RpmsgLayout } from '@rpmsg/core';
import type { Doorbell, Mailbox } from '../mailbox.js';
import type { FirmwareModuleInfo } from './firmware-module.js';
import { type FirmwareSlot, INFO_SIZE } from './memory-map.js';
import { FirmwareTrap, toFirmwareTrap, wasmFrames } from './trap.js';

/** The ABI version this SoC implements (rpmsg_soc.h `RPMSG_SOC_ABI_VERSION`). */
export const SOC_ABI_VERSION = 1;

/** rpmsg_soc.h's RPMSG_SOC_WAIT_FOREVER. */
const WAIT_FOREVER = 0xffff_ffff;

/** What the RPMsg-Lite API imports get from the core they serve (API mode). */
export interface WasmApiHost {
  /** The SoC memory: pointers from C are byte offsets into `memory.buffer`. */
  readonly memory: WebAssembly.Memory;
  /** The instance's exports (once instantiated). */
  exports(): WebAssembly.Exports;
  /** Throws a {@link FirmwareTrap} when the firmware's stack pointer left its stack. */
  checkStack(): void;
}

/** What a wasm core runs on. */
export interface WasmCoreOptions {
  readonly role: 'master' | 'remote';
  readonly module: WebAssembly.Module;
  readonly info: FirmwareModuleInfo;
  readonly memory: WebAssembly.Memory;
  readonly slot: FirmwareSlot;
  /** Where the core's link's RPMsg region starts in `memory`. */
  readonly regionOffset: number;
  readonly layout: RpmsgLayout;
  readonly mailbox: Mailbox;
  /** This core's doorbells: a raw firmware waits on them (API mode's RPMsg stack owns its own). */
  readonly doorbell?: Doorbell;
  /** Longest single sleep (ms): a waiting firmware beats its heartbeat at least this often. */
  readonly slice: number;
  /** `performance.timeOrigin + performance.now()` when the SoC started: one clock for every core. */
  readonly clockOrigin: number;
  /** Where the firmware's output goes (a line at a time, newline included). */
  readonly log: (text: string) => void;
  /** Ends the core with `code` (does not return). */
  readonly exit: (code: number) => never;
  /**
   * API mode: the "rpmsg_lite" imports over the SoC's RPMsg stack, and the wait that serves the
   * link (it replaces the raw doorbell wait).
   */
  readonly api?: (host: WasmApiHost) => {
    imports: WebAssembly.ModuleImports;
    wait(timeoutUs: number): number;
  };
}

/**
 * One WebAssembly core: instantiates the firmware in its slot of the shared memory (data at the
 * slot's data base, its own function table, its own stack) and runs its reset handler. The
 * `rpmsg_soc` imports are the SoC's side of rpmsg_soc.h.
 */
export class WasmCore {
  readonly #options: WasmCoreOptions;
  readonly #stackPointer: WebAssembly.Global;
  readonly #u8: Uint8Array;
  #instance: WebAssembly.Instance | undefined;
  #wait: (timeoutUs: number) => number;
  /** Doorbell channels rung since the firmware last asked (bit n: channel n). */
  #rang = 0;
  readonly #onKick = (notifyId: number) => {
    if (notifyId < 31) this.#rang |= 1 << notifyId;
  };

  constructor(options: WasmCoreOptions) {
    this.#options = options;
    this.#stackPointer = new WebAssembly.Global({ value: 'i32', mutable: true }, options.slot.stackTop);
    this.#u8 = new Uint8Array(options.memory.buffer);
    this.#wait = (timeoutUs) => this.#rawWait(timeoutUs);
  }

  /**
   * Instantiates the module afresh (the slot is zeroed first: a restart starts from a clean RAM, as
   * a reset with the image loaded again) and runs its reset handler; returns what main returned.
   *
   * @throws {FirmwareTrap} the firmware trapped, overflowed its stack or failed an assertion
   * @throws {RpmsgError} `ERR_RPMSG_LOAD` when it cannot be instantiated
   */
  run(): number {
    const { slot, module, info, role } = this.#options;
    this.#u8.fill(0, slot.base, slot.end);
    this.#writeInfo();
    const table = new WebAssembly.Table({ initial: info.tableSize + 1, element: 'anyfunc' });
    const imports: WebAssembly.Imports = {
      env: {
        memory: this.#options.memory,
        __indirect_function_table: table,
        __stack_pointer: this.#stackPointer,
        __memory_base: new WebAssembly.Global({ value: 'i32', mutable: false }, slot.dataBase),
        // Entry 0 stays empty: calling a NULL function pointer traps.
        __table_base: new WebAssembly.Global({ value: 'i32', mutable: false }, 1),
      },
      rpmsg_soc: this.#socImports(),
    };
    if (info.mode === 'api') {
      if (!this.#options.api) throw new Error('API-mode firmware without an RPMsg stack');
      const lite = this.#options.api({
        memory: this.#options.memory,
        exports: () => (this.#instance as WebAssembly.Instance).exports,
        checkStack: () => this.#checkStack(),
      });
      imports.rpmsg_lite = lite.imports;
      this.#wait = lite.wait;
    } else if (!this.#options.doorbell) {
      throw new Error('a firmware that drives the rings itself needs its doorbell');
    }
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(module, imports);
    } catch (error) {
      throw toFirmwareTrap(role, error, info.lines);
    }
    this.#instance = instance;
    const exports = instance.exports as Record<string, unknown>;
    try {
      if (typeof exports.__wasm_apply_data_relocs === 'function') exports.__wasm_apply_data_relocs();
      if (typeof exports.__wasm_call_ctors === 'function') exports.__wasm_call_ctors();
      const abi =
        typeof exports.rpmsg_soc_abi_version === 'function' ? Number(exports.rpmsg_soc_abi_version()) : 0;
      if (abi !== SOC_ABI_VERSION) {
        throw new FirmwareTrap(
          `the ${role} firmware was built for SoC ABI ${abi}; this SoC implements ${SOC_ABI_VERSION}`,
          [],
        );
      }
      return Number((exports.rpmsg_soc_start as () => number)());
    } catch (error) {
      throw toFirmwareTrap(role, error, info.lines);
    }
  }

  /** The info block of rpmsg_soc.h (`struct rpmsg_soc_info`), at the slot's start. */
  #writeInfo(): void {
    const { slot, layout, role } = this.#options;
    const view = new DataView(this.#options.memory.buffer, slot.base, INFO_SIZE);
    const vringSize = layout.profile === 'rpmsg-lite' ? layout.vrings[1].da - layout.vrings[0].da : 0;
    const words = [
      SOC_ABI_VERSION,
      role === 'master' ? 0 : 1,
      layout.profile === 'linux' ? 0 : 1,
      layout.base,
      this.#options.regionOffset,
      layout.size,
      layout.numBuffers,
      layout.bufferSize,
      layout.vrings[0].align,
      vringSize,
      layout.vrings[0].notifyId,
      layout.vrings[1].notifyId,
      slot.dataBase + alignUp(this.#options.info.memorySize, 16),
      slot.end,
      layout.linkId ?? 0,
    ];
    for (const [i, w] of words.entries()) view.setUint32(i * 4, w >>> 0, true);
  }

  #socImports(): WebAssembly.ModuleImports {
    const { mailbox, role, log, exit, clockOrigin } = this.#options;
    const peer = role === 'master' ? 'remote' : 'master';
    const decoder = new TextDecoder();
    return {
      info: () => this.#options.slot.base,
      kick: (notifyId: number) => {
        this.#checkStack();
        if (notifyId >>> 0 < mailbox.channels) mailbox.ring(peer, notifyId >>> 0);
      },
      wait: (timeoutUs: number) => {
        this.#checkStack();
        return this.#wait(timeoutUs >>> 0);
      },
      time_us: () => BigInt(Math.floor((performance.timeOrigin + performance.now() - clockOrigin) * 1000)),
      log: (ptr: number, len: number) => {
        log(decoder.decode(this.#bytes(ptr, len).slice()));
      },
      exit: (code: number) => exit(code | 0),
      assert_fail: (expr: number, file: number, line: number, func: number) => {
        const where = `${this.#cString(file)}:${line}`;
        throw new FirmwareTrap(
          `the ${role} firmware failed an assertion: ${this.#cString(expr)} (${where}, in ${this.#cString(func)}())`,
          wasmFrames(new Error(), this.#options.info.lines),
        );
      },
    };
  }

  /** Raw mode: sleeps on the doorbell (heartbeats every slice) until a channel rings or time is up. */
  #rawWait(timeoutUs: number): number {
    const { slice } = this.#options;
    const doorbell = this.#options.doorbell as Doorbell; // checked in run()
    const deadline =
      timeoutUs === WAIT_FOREVER ? Number.POSITIVE_INFINITY : performance.now() + timeoutUs / 1000;
    doorbell.beat();
    for (;;) {
      this.#ackEpoch();
      const seen = doorbell.irq();
      doorbell.takeKicks(this.#onKick);
      if (this.#rang !== 0) {
        const rang = this.#rang;
        this.#rang = 0;
        return rang >>> 0;
      }
      const left = deadline - performance.now();
      if (left <= 0) return 0;
      doorbell.wait(seen, Math.min(left, slice));
      doorbell.beat();
    }
  }

  /**
   * A master that (re)boots the link waits for the remote to acknowledge its epoch (docs/interop.md,
   * restart and resync). A firmware that drives the rings itself keeps no state of ours to drop:
   * its wait points acknowledge for it, so the master does not wait out its resync timeout.
   */
  #ackEpoch(): void {
    const { mailbox, role } = this.#options;
    if (role !== 'remote') return;
    const epoch = mailbox.epoch('master');
    if (mailbox.epoch('remote') !== epoch) mailbox.setEpoch('remote', epoch);
  }

  /** The firmware's stack pointer left its stack: stop it before it tramples the info block or worse. */
  #checkStack(): void {
    const sp = this.#stackPointer.value as number;
    const { slot, role } = this.#options;
    if (sp < slot.stackLimit || sp > slot.stackTop) {
      throw new FirmwareTrap(
        `the ${role} firmware overflowed its stack (${slot.stackTop - slot.stackLimit} bytes; stack pointer 0x${(sp >>> 0).toString(16)})`,
        wasmFrames(new Error(), this.#options.info.lines),
      );
    }
  }

  /** `len` bytes at C pointer `ptr`, checked against the memory. */
  #bytes(ptr: number, len: number): Uint8Array {
    const p = ptr >>> 0;
    const n = Math.min(len >>> 0, 1 << 16);
    if (p + n > this.#u8.length) return new Uint8Array(0);
    return this.#u8.subarray(p, p + n);
  }

  /** A NUL-terminated C string at `ptr` (at most 512 bytes). */
  #cString(ptr: number): string {
    const bytes = this.#bytes(ptr, 512);
    const end = bytes.indexOf(0);
    return new TextDecoder().decode((end < 0 ? bytes : bytes.subarray(0, end)).slice());
  }
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
