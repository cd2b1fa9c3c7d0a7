export { type BridgeChannelsOptions, bridgeChannels, type ChannelBridge } from './bridge-channels.js';
export type { ByteStream, ByteStreamHandler, ByteStreamOpener } from './byte-stream.js';
export { type LinkClock, systemLinkClock } from './clock.js';
export {
  COBS_DELIMITER,
  CobsDecoder,
  type CobsDecoderSink,
  type CobsDropReason,
  cobsEncode,
  cobsMaxEncodedLength,
} from './cobs.js';
export { type ConnectSerialOptions, connectSerial } from './connect-serial.js';
export { CRC32_CHECK, crc32 } from './crc.js';
export { SerialError, type SerialErrorCode, type SerialErrorDetails } from './errors.js';
export {
  FRAME_CRC_SIZE,
  FRAME_HEADER_SIZE,
  FRAME_OVERHEAD,
  FRAME_POLL,
  type Frame,
  FrameDecoder,
  type FrameDecoderStats,
  FrameEncoder,
  type FrameSink,
  FrameType,
  type FrameTypeValue,
  frameWireSize,
} from './frame.js';
export {
  decodeHello,
  encodeHello,
  HELLO_F_NS,
  HELLO_F_RELIABLE,
  HELLO_MIN_MTU,
  HELLO_MIN_SIZE,
  HELLO_SIZE,
  type HelloParams,
  SERIAL_PROTOCOL_VERSION,
} from './hello.js';
export { SerialLink, type SerialLinkHandler, type SerialLinkState } from './link.js';
export type { SerialLinkOptions } from './link-options.js';
export type { SerialLinkStats } from './link-stats.js';
export {
  LINK_TIMEOUT_MARGIN_MS,
  type LinkTimeoutParams,
  lineBaudRate,
  linkTimeoutMs,
  windowWireMs,
} from './link-timeout.js';
export { openPort, type PortOptions, parseTcpPath, portOpener } from './port-stream.js';
export { SEQ_MODULUS, SEQ_WINDOW_MAX, seqAdd, seqAfter, seqDiff } from './seq.js';
export {
  SerialTransport,
  type SerialTransportOptions,
  type SerialTransportStats,
} from './serial-transport.js';
export { type SettleChannelsOptions, settleChannels } from './settle-channels.js';
