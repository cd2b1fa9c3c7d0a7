export { type BufferDetail, PAYLOAD_PREFIX } from './buffer-detail.js';
export {
  type Frame,
  FrameBuilder,
  type FrameBuilderOptions,
  type LayoutSummary,
  type ViewEvent,
} from './frame.js';
export type { ChannelFrame, RateHistoryOptions } from './rates.js';
export { type ReplayOptions, ReplaySource, replaySource } from './replay-source.js';
export {
  DESC_OWNERS,
  type DescOwner,
  type NotifyState,
  type RingModel,
  ringModel,
  type VringModel,
} from './ring-model.js';
export { startView, type ViewOptions, type ViewServer, type ViewServerStats } from './server.js';
export type {
  ViewEndpointCounters,
  ViewListener,
  ViewSnapshot,
  ViewSource,
  ViewStats,
} from './source.js';
export { OWNER_COLORS, OWNER_LABELS, renderSvg } from './svg.js';
