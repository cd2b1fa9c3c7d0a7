/**
 * Where the CLI's worker programs live. In the built package they sit beside this module under
 * `workers/`; when this module runs from sources (tests), the built copies in `dist/` are used,
 * because a worker thread cannot load TypeScript.
 */
export function workerUrl(name: string): URL {
  const here = new URL('.', import.meta.url);
  const dir = here.pathname.endsWith('/src/') ? new URL('../dist/', here) : here;
  return new URL(`workers/${name}.js`, dir);
}

/** A file shipped at the package's root (`firmware/…`), from `dist/` or from `src/` alike. */
export function packageFile(path: string): URL {
  // This module is src/worker-url.ts in the sources and part of a bundle in dist/: one level down.
  return new URL(path, new URL('../', import.meta.url));
}
