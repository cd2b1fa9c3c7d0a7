import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The package's own C files: `include/` (rpmsg_soc.h, the C library, the RPMsg-Lite API headers),
 * `lib/` (start-up code, C library, API glue), `port/` (the port of real RPMsg-Lite to the SoC).
 * They sit beside `dist/` and `src/` alike, so one lookup serves the built package and the tests.
 */
export function packageDir(sub: 'include' | 'lib' | 'port'): string {
  for (const up of ['../', '../../']) {
    const dir = fileURLToPath(new URL(`${up}${sub}/`, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error(`@rpmsg/firmware: its ${sub}/ directory is missing from the package`);
}
