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
} from '@rpmsg/virtio';
export { Channel, type ChannelEvents } from './channel.js';
export { type Clock, MAX_TIMER_MS, systemClock } from './clock.js';
export * from './constants.js';
export { RpmsgDevice } from './device.js';
export type { RpmsgDeviceEvents } from './device-events.js';
export type { OpenChannelOptions, RpmsgDeviceOptions } from './device-options.js';
export type { RpmsgDeviceStats } from './device-stats.js';
export {
  Endpoint,
  type EndpointEvents,
  type EndpointOptions,
  type EndpointStats,
  type MessageHandler,
  type SendOptions,
} from './endpoint.js';
export {
  AbortError,
  isRpmsgError,
  RpmsgError,
  type RpmsgErrorCode,
  type RpmsgErrorDetails,
} from './errors.js';
export {
  RPMSG_HDR_DST,
  RPMSG_HDR_FLAGS,
  RPMSG_HDR_LEN,
  RPMSG_HDR_RESERVED,
  RPMSG_HDR_SRC,
  type RpmsgHeader,
  type RpmsgHeaderInit,
  readHeader,
  writeHeader,
} from './header.js';
export * from './inspect/index.js';
export * from './layout/index.js';
export {
  decodeNsMessage,
  encodeNsMessage,
  encodeNsName,
  type NsMessage,
  type NsMessageInit,
  writeNsMessage,
} from './ns-message.js';
export { checkMessageFits, writeMessage } from './payload-copy.js';
export type { HeldMessage, RxMessage } from './rx-message.js';
export type {
  PolledTransport,
  Transport,
  TransportBuffer,
  TransportObserver,
  TransportRole,
  TransportSink,
  TransportStats,
} from './transport.js';
export {
  liveTransportStats,
  type TransportCounts,
  type TransportReadings,
} from './transport-stats.js';
export type { TxBuffer } from './tx-buffer.js';
export * from './virtio/index.js';
export { type Settle, type WaitOptions, waitUntil } from './wait-until.js';
