export { errnoError } from './errno.js';
export { createFakeBoard, type FakeBoard, type FakeBoardOptions } from './fake-board.js';
export { FakeEptdev, type FakeTxPath } from './fake-eptdev.js';
export {
  CHAR_DRIVER,
  FakeKernel,
  type FakeRpmsgDevice,
  type FakeService,
  type FakeServiceHandler,
  TTY_DRIVER,
} from './fake-kernel.js';
export { FakeRemoteproc, type FakeRemoteprocOptions } from './fake-remoteproc.js';
export { type PtyRelay, ptyUnavailableReason, startPtyRelay } from './pty-relay.js';
