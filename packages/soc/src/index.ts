export type { ResourceTableImage } from './boot.js';
export type {
  CoreContext,
  Firmware,
  FirmwareContext,
  FirmwareModule,
  MasterContext,
  MasterProgram,
} from './context.js';
export { CoreTransport } from './core-transport.js';
export { ECHO_SERVICE } from './demo-firmware.js';
export {
  type LiteEndpoint,
  type LiteMessage,
  type LiteRxCallback,
  RL_ADDR_ANY,
  RL_BLOCK,
  RL_DONT_BLOCK,
  RL_NS_CREATE,
  RL_NS_DESTROY,
  type RpmsgLite,
  type RpmsgQueue,
} from './lite.js';
export { type CoreSide, Doorbell, MAILBOX_CHANNELS, Mailbox, type WaitResult } from './mailbox.js';
export { PeerLink } from './peer-link-handle.js';
export type { CoreStats, EndpointCounters } from './protocol.js';
export { CorePump, type PumpHooks, type PumpOptions } from './pump.js';
export { SharedRam } from './region.js';
export { type LinkStats, RemoteProc, type RemoteProcEvents } from './remote-proc.js';
export { demoFirmwareUrl } from './sample-firmware.js';
export {
  type CoreLinkOptions,
  createSoc,
  type RemoteOptions,
  Soc,
  type SocEvents,
  type SocOptions,
  type SocSnapshot,
  type SocState,
  type SocStats,
} from './soc.js';
export type { TraceEvent, TraceOptions, TraceSource } from './trace.js';
export {
  type ConvertTraceOptions,
  convertTrace,
  type PerfettoTrace,
  type TraceEventFormatEvent,
} from './trace-perfetto.js';
