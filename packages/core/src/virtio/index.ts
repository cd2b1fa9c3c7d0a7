export type { VirtioTransportOptions } from './virtio-transport.js';
export { VirtioTransport } from './virtio-transport.js';
