export { RPMSG_TTY_NAME } from '@rpmsg/core';
export { ttyDuplexOptions } from './duplex-options.js';
export { RPMSG_TTY_F_EOF } from './end-marker.js';
export { TtyError, type TtyErrorCode } from './errors.js';
export { openTty } from './open-tty.js';
export { RpmsgTty, type TtyOptions } from './rpmsg-tty.js';
export { serveTty, type TtyHandler, type TtyService, type TtyServiceOptions } from './tty-service.js';
