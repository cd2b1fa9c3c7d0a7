import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RpmsgError } from '@rpmsg/core';

/** The two kinds of user module a core worker loads. */
type Role = 'master' | 'remote';

/**
 * Turns what went wrong while loading a user module into `ERR_RPMSG_LOAD`: which program, which
 * file, and — for a syntax error — where. The original error is the `cause`.
 */
export function loadError(role: Role, url: string, error: unknown): RpmsgError {
  const name = moduleName(url);
  const what = role === 'remote' ? `the firmware ${name}` : `the A-core program ${name}`;
  const e = error as (Error & { code?: unknown; url?: unknown }) | undefined;
  let detail = e instanceof Error ? `${e.name}: ${e.message}` : String(error);
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && e.url === url) detail = 'no such file';
  else if (e instanceof SyntaxError) {
    const at = syntaxErrorLocation(url);
    if (at) detail += ` (at ${name}:${at})`;
  }
  return new RpmsgError('ERR_RPMSG_LOAD', `could not load ${what}: ${detail}`, {
    field: role,
    cause: error,
  });
}

/** A module that loaded but has no default export function. */
export function noDefaultExport(role: Role, url: string, exported: unknown): RpmsgError {
  const what = role === 'remote' ? 'the firmware' : 'the A-core program';
  return new RpmsgError(
    'ERR_RPMSG_LOAD',
    `could not load ${what} ${moduleName(url)}: its default export must be a function (device, ctx) => …, got ${typeof exported}`,
    { field: role },
  );
}

/** How a module is named in messages: its path for a file, a short prefix for a `data:` URL. */
export function moduleName(url: string): string {
  if (url.startsWith('file:')) return fileURLToPath(url);
  return url.length > 48 ? `${url.slice(0, 45)}...` : url;
}

/**
 * `line:column` of the syntax error in the module at `url`, found by `node --check` (Node 20's ESM
 * loader reports a module's syntax error without its location). Only on the failure path; `file:`
 * and `data:` URLs; undefined when Node does not say.
 */
export function syntaxErrorLocation(url: string): string | undefined {
  let args: string[];
  let input: string | undefined;
  if (url.startsWith('file:')) args = ['--check', fileURLToPath(url)];
  else if (url.startsWith('data:')) {
    input = dataUrlText(url);
    args = ['--input-type=module', '--check'];
  } else return undefined;
  const run = spawnSync(process.execPath, args, { input, encoding: 'utf8', timeout: 10_000 });
  // Node prints `<file>:<line>`, the source line, then a caret under the column.
  const lines = (run.stderr ?? '').split('\n');
  const line = /:(\d+)$/.exec(lines[0] ?? '')?.[1];
  if (!line) return undefined;
  const caret = (lines[2] ?? '').indexOf('^');
  return caret >= 0 ? `${line}:${caret + 1}` : line;
}

/** The source text of a `data:` URL (percent-encoded or base64). */
function dataUrlText(url: string): string {
  const comma = url.indexOf(',');
  const header = url.slice(5, comma);
  const body = url.slice(comma + 1);
  return header.endsWith(';base64')
    ? Buffer.from(decodeURIComponent(body), 'base64').toString('utf8')
    : decodeURIComponent(body);
}
