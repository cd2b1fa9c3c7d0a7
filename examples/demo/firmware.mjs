// The M-core firmware of `rpmsg demo`: announces "rpmsg-echo" (address 30) and "rpmsg-tty"
// (address 31) and echoes everything, zero-copy. It lives in @rpmsg/soc (src/demo-firmware.ts) so
// the published package runs the demo on its own; this file re-uses the built copy.
export { default } from '../../packages/soc/dist/demo-firmware.js';
