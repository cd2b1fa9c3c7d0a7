import { readFileSync } from 'node:fs';

/**
 * The version of @rpmsg/cli, read from its package.json: the sources (tests) and every built file
 * sit one folder below it (`src/`, `dist/`), so one relative URL serves both. Read when asked, not
 * at load, since only `rpmsg --version` needs it.
 */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
