export { benchTty, type TtyBenchOptions, type TtyBenchResult } from './bench-tty.js';
export { openTty } from './open-tty.js';
export { RPMSG_TTY_NAME, RpmsgTty, type TtyOptions } from './rpmsg-tty.js';
export { serveTty, type TtyHandler, type TtyService, type TtyServiceOptions } from './tty-service.js';
