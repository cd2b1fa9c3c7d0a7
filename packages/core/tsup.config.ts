import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  // stripInternal: members tagged @internal (the endpoint's binding and counters, the receive slot…)
  // stay out of the shipped .d.ts, so users cannot come to rely on them.
  dts: { compilerOptions: { composite: false, stripInternal: true } },
  tsconfig: 'tsconfig.build.json',
  sourcemap: true,
  clean: true,
  target: 'node20',
});
