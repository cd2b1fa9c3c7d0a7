import { distUrl } from './workers.js';

/**
 * URL of the sample M-core firmware built into this package (`src/demo-firmware.ts`): an
 * RPMsg-Lite-style task that announces `rpmsg-echo` (address 30) and `rpmsg-tty` (address 31) and
 * echoes everything, zero-copy — the firmware `rpmsg demo` runs, ready for `createSoc({ remote })`.
 */
export function demoFirmwareUrl(): URL {
  return distUrl('demo-firmware.js');
}
