import { buildFirmware, FirmwareBuildError, type OptimizeLevel } from '@rpmsg/firmware';
import type { CommandIo } from './io.js';

/** Options of `rpmsg build-firmware`. */
export interface BuildFirmwareCommandOptions {
  readonly sources: readonly string[];
  readonly output: string;
  readonly includeDirs: readonly string[];
  readonly defines: readonly string[];
  readonly rpmsgLite: string | undefined;
  readonly optimize: OptimizeLevel;
  readonly debug: boolean;
}

/**
 * `rpmsg build-firmware`: compiles C files into a firmware module for the simulated SoC's
 * WebAssembly cores. Clang's warnings and errors go to stderr as clang prints them
 * (`file:line:column: error: …`); a build that fails exits 1 with `ERR_RPMSG_BUILD`.
 */
export async function buildFirmwareCommand(
  options: BuildFirmwareCommandOptions,
  io: CommandIo,
): Promise<number> {
  let built: Awaited<ReturnType<typeof buildFirmware>>;
  try {
    built = await buildFirmware({
      sources: options.sources,
      output: options.output,
      includeDirs: options.includeDirs,
      defines: options.defines,
      optimize: options.optimize,
      debug: options.debug,
      ...(options.rpmsgLite === undefined ? {} : { rpmsgLite: options.rpmsgLite }),
    });
  } catch (error) {
    // Clang's own report first, as a compiler prints it; the summary line follows (main).
    if (error instanceof FirmwareBuildError && error.stderr) io.err(error.stderr.trimEnd());
    throw error;
  }
  if (built.warnings) io.err(built.warnings.trimEnd());
  const mode = built.mode === 'api' ? 'RPMsg-Lite API mode' : 'real RPMsg-Lite';
  io.err(`${built.output}: ${built.wasm.length} bytes, ${mode}${built.cached ? ' (cached)' : ''}`);
  return 0;
}
