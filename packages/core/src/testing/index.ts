export { FakeClock } from './fake-clock.js';
export { createMemoryPair, type MemoryPair, type MemoryPairOptions } from './memory-pair.js';
export type { SlotState } from './mock-lane.js';
export { createMockTransportPair, type MockTransportPair } from './mock-pair.js';
export { MockTransport, type MockTransportPairOptions, type RecordedMessage } from './mock-transport.js';
