import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';

const src = (pkg: string) => fileURLToPath(new URL(`../${pkg}/src/index.ts`, import.meta.url));

export default defineConfig([
  // The library: @rpmsg/core and @rpmsg/virtio stay external (one copy of their classes per app).
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: { entry: { index: 'src/index.ts' }, compilerOptions: { composite: false, stripInternal: true } },
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    clean: false,
    target: 'node20',
    shims: true,
  },
  // What runs inside worker threads: self-contained ESM files (the core worker bundles the RPMsg
  // stack it runs; the demo modules import nothing at run time).
  {
    entry: {
      'core-worker': 'src/core-worker.ts',
      'demo-firmware': 'src/demo-firmware.ts',
    },
    format: ['esm'],
    dts: false,
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    clean: false,
    target: 'node20',
    noExternal: [/^@rpmsg\//],
    esbuildOptions(options) {
      options.alias = { '@rpmsg/core': src('core'), '@rpmsg/virtio': src('virtio') };
    },
  },
]);
