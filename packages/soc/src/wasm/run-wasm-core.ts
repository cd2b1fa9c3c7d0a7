import type { RpmsgLayout } from '@rpmsg/core';
import type { RpmsgLite } from '../lite.js';
import type { Doorbell, Mailbox } from '../mailbox.js';
import type { WasmCoreData } from '../protocol.js';
import { createLiteImports } from './lite-imports.js';
import { slotOf } from './memory-map.js';
import { FirmwareExit } from './trap.js';
import { WasmCore } from './wasm-core.js';

export { FirmwareExit } from './trap.js';

/** What a worker needs to run one C firmware. */
export interface RunWasmOptions {
  readonly role: 'master' | 'remote';
  readonly wasm: WasmCoreData;
  readonly layout: RpmsgLayout;
  readonly mailbox: Mailbox;
  readonly slice: number;
  /**
   * This core's doorbells, made when the core was reset — before the peer can kick — so a kick that
   * comes before the firmware runs is pending for it, as a real mailbox keeps it.
   */
  readonly doorbell?: Doorbell;
  /** Output lines go here (the worker posts them to the SoC). */
  readonly log: (line: string) => void;
  /** API mode: the blocking RPMsg-Lite style API of the core's RPMsg device. */
  readonly lite?: RpmsgLite;
}

/**
 * Instantiates the firmware in its core's slot and runs main; returns what main returned.
 *
 * @throws {FirmwareTrap} a trap, a stack overflow, a failed assertion
 * @throws {FirmwareExit} the firmware called exit()
 */
export function runWasmFirmware(options: RunWasmOptions): number {
  const { role, wasm, layout, mailbox, lite } = options;
  const core = new WasmCore({
    role,
    module: wasm.module,
    info: wasm.info,
    memory: wasm.memory,
    slot: slotOf(role, wasm.slot),
    regionOffset: wasm.regionOffset,
    layout,
    mailbox,
    doorbell: options.doorbell,
    slice: options.slice,
    clockOrigin: wasm.clockOrigin,
    log: options.log,
    exit: (code) => {
      throw new FirmwareExit(code);
    },
    api: lite && ((host) => createLiteImports({ ...host, role, lite })),
  });
  return core.run();
}
