export {
  type ArgError,
  type ArgErrorCode,
  checkBoolean,
  checkFunction,
  checkInteger,
  checkMilliseconds,
  checkOneOf,
  checkOptions,
  InvalidArgTypeError,
  InvalidArgValueError,
  isArgError,
  OutOfRangeError,
} from './arg-errors.js';
export { DescriptorChain } from './descriptor.js';
export { type ResyncOptions, VirtqueueDevice } from './device.js';
export {
  VIRTIO_ID_9P,
  VIRTIO_ID_BALLOON,
  VIRTIO_ID_BLOCK,
  VIRTIO_ID_CONSOLE,
  VIRTIO_ID_IOMEM,
  VIRTIO_ID_MAC80211_WLAN,
  VIRTIO_ID_NET,
  VIRTIO_ID_RNG,
  VIRTIO_ID_RPMSG,
  VIRTIO_ID_SCSI,
  virtioDeviceName,
} from './device-ids.js';
export { type AddBufOptions, type BufferSegment, VirtqueueDriver } from './driver.js';
export { isVirtioError, VirtioError, type VirtioErrorCode, type VirtioErrorDetails } from './errors.js';
export {
  checkAcceptedFeatures,
  featureBit,
  featureNames,
  hasFeature,
  negotiateFeatures,
  VIRTIO_F_ACCESS_PLATFORM,
  VIRTIO_F_ANY_LAYOUT,
  VIRTIO_F_IN_ORDER,
  VIRTIO_F_NOTIFY_ON_EMPTY,
  VIRTIO_F_RING_PACKED,
  VIRTIO_F_VERSION_1,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_RING_F_INDIRECT_DESC,
  VIRTIO_RPMSG_F_NS,
} from './features.js';
export { FixedVirtqueueDriver, type FixedVirtqueueOptions } from './fixed-driver.js';
export {
  alignUp,
  isPowerOfTwo,
  MAX_QUEUE_SIZE,
  needEvent,
  VRING_AVAIL_ALIGN_SIZE,
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_ALIGN_SIZE,
  VRING_DESC_F_INDIRECT,
  VRING_DESC_F_NEXT,
  VRING_DESC_F_WRITE,
  VRING_DESC_SIZE,
  VRING_USED_ALIGN_SIZE,
  VRING_USED_ELEM_SIZE,
  VRING_USED_F_NO_NOTIFY,
  type VringLayout,
  vringLayout,
  vringSize,
} from './layout.js';
export { MemoryRegion, type MemoryRegionOptions } from './memory.js';
export type { VirtqueueOptions } from './queue.js';
export {
  DeviceStatus,
  statusNames,
  VIRTIO_CONFIG_S_ACKNOWLEDGE,
  VIRTIO_CONFIG_S_DRIVER,
  VIRTIO_CONFIG_S_DRIVER_OK,
  VIRTIO_CONFIG_S_FAILED,
  VIRTIO_CONFIG_S_FEATURES_OK,
  VIRTIO_CONFIG_S_NEEDS_RESET,
  validateStatusTransition,
} from './status.js';
