import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildFirmwareOptions, buildFirmware } from '@rpmsg/firmware';

/** A C file of `src/fixtures/c/`. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/c/${name}`, import.meta.url));
}

/**
 * Builds a test firmware from `src/fixtures/c/` (cached by content: a rerun compiles nothing) and
 * returns the path of its module.
 */
export async function buildFixture(
  name: string,
  options: Omit<BuildFirmwareOptions, 'sources' | 'output'> = {},
): Promise<string> {
  const tag = (options.defines as string[] | undefined)?.join('_') ?? '';
  const output = join(
    tmpdir(),
    'rpmsg-soc-fixtures',
    `${name.replace(/\.c$/, '')}${tag ? `-${tag}` : ''}.wasm`,
  );
  await buildFirmware({ ...options, sources: [fixture(name)], output });
  return output;
}
