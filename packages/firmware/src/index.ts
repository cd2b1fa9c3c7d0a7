/**
 * @rpmsg/firmware — C firmware for the WebAssembly cores of @rpmsg/soc: `buildFirmware` compiles it
 * with Clang/LLD from npm (no system compiler), against the SoC's interface (`rpmsg_soc.h`), a small
 * C library and RPMsg-Lite's public API — or against a checkout of the real RPMsg-Lite.
 * docs/c-firmware.md.
 */

export type { BuildFirmwareOptions, BuiltFirmware, OptimizeLevel } from './build.js';
export { buildFirmware } from './build.js';
export { FirmwareBuildError } from './build-error.js';
export type { Diagnostic } from './diagnostics.js';
export { parseDiagnostics } from './diagnostics.js';
export { packageDir as firmwareDir } from './paths.js';
