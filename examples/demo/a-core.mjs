// The A-core program of `rpmsg demo` (built from packages/cli/src/workers/demo-app.ts).
export { default } from '../../packages/cli/dist/workers/demo-app.js';
