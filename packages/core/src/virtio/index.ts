export type { MasterQueueOptions } from './master-queue.js';
export { MasterQueue } from './master-queue.js';
export type { VirtioTransportOptions } from './virtio-transport.js';
export { VirtioTransport } from './virtio-transport.js';
