export { type AdviceContext, permissionAdvice, UDEV_RULES, UDEV_RULES_FILE } from './advice.js';
export type { ChannelRecord } from './channel-scan.js';
export type { ChannelLike, EndpointLike, RpmsgDeviceLike } from './device-like.js';
export { LINUX_DEFAULT_MTU, type LinuxOpenChannelOptions, type LinuxRpmsgOptions } from './device-options.js';
export {
  errnoOf,
  isLinuxRpmsgError,
  LinuxRpmsgError,
  type LinuxRpmsgErrorCode,
  type LinuxRpmsgErrorDetails,
} from './errors.js';
export type { DeviceFile, RpmsgFileOps } from './file-ops.js';
export { KERNEL_FEATURES, type KernelFeature, parseRelease, readKernelRelease } from './kernel.js';
export { LinuxChannel, type LinuxChannelEvents } from './linux-channel.js';
export { LinuxRpmsgDevice, type LinuxRpmsgDeviceEvents } from './linux-device.js';
export { LinuxEndpoint, type LinuxEndpointEvents, type LinuxEndpointStats } from './linux-endpoint.js';
export { LinuxTty, type LinuxTtyOptions } from './linux-tty.js';
export { type NodeFileOpsOptions, nodeFileOps } from './node-file-ops.js';
export { openLinuxRpmsg } from './open-linux-rpmsg.js';
export { openTty, type TtyStream } from './open-tty.js';
export {
  listRemoteprocs,
  openRemoteproc,
  Remoteproc,
  type RemoteprocInfo,
  type RemoteprocOptions,
  type RemoteprocState,
} from './remoteproc.js';
export { RemoteprocWatcher, type RemoteprocWatcherEvents } from './remoteproc-watcher.js';
