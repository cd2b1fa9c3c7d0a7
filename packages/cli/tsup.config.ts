import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library entry (programmatic `main(argv)`), dual format for consumers.
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { composite: false, stripInternal: true } },
    tsconfig: 'tsconfig.build.json',
    shims: true,
    sourcemap: true,
    target: 'node20',
  },
  {
    // The command and the worker programs it starts: ESM only, loaded by path at run time.
    entry: {
      bin: 'src/bin.ts',
      'workers/ring': 'src/workers/ring.ts',
      'workers/baseline': 'src/workers/baseline.ts',
      'workers/rpmsg-bench-app': 'src/workers/rpmsg-bench-app.ts',
      'workers/rpmsg-bench-firmware': 'src/workers/rpmsg-bench-firmware.ts',
      'workers/demo-app': 'src/workers/demo-app.ts',
    },
    format: ['esm'],
    tsconfig: 'tsconfig.build.json',
    sourcemap: true,
    target: 'node20',
    banner: {},
  },
]);
