// The A-core program of `rpmsg demo` (built from packages/soc/src/demo-app.ts).
export { default } from '../../packages/soc/dist/demo-app.js';
