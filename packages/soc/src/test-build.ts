import { execSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Test helper: worker threads load `dist/`, so make sure it is not older than `src/` (the repo's
 * `pnpm test` builds first; this covers running one package's tests alone).
 */
export function ensureBuilt(): void {
  const src = fileURLToPath(new URL('.', import.meta.url));
  const dist = fileURLToPath(new URL('../dist/core-worker.js', import.meta.url));
  let built = 0;
  try {
    built = statSync(dist).mtimeMs;
  } catch {}
  // Recursive: the worker bundles src/wasm/ and any other folder under src/ too.
  const newest = Math.max(
    ...(readdirSync(src, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => statSync(src + f).mtimeMs),
  );
  if (newest > built)
    execSync('pnpm run build', { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: 'ignore' });
}
