export { type ChannelEvent, type ChannelSource, channels$ } from './channels.js';
export { type FromChannelOptions, fromChannel } from './from-channel.js';
export { type SendToOptions, sendTo } from './send-to.js';
