import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index.ts') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${entry}`, import.meta.url));

// Tests run on sources (STYLE §1): @rpmsg/* resolves to packages/*/src. Code that starts worker
// threads loads the built dist instead, which `pnpm test` builds first.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@rpmsg\/(virtio|core|serial|linux)\/testing$/, replacement: src('$1', 'testing/index.ts') },
      { find: /^@rpmsg\/tty\/rx$/, replacement: src('tty', 'rx/index.ts') },
      { find: /^@rpmsg\/(virtio|core|soc|tty|serial|cli|firmware|view|linux)$/, replacement: src('$1') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
