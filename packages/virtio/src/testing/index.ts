export { type CountingRegion, countingRegion } from './counting-region.js';
export { type MakeRegionOptions, makeRegion, type TestRegion } from './make-region.js';
export { type RawDesc, type RawUsedElem, RingPuppet } from './ring-puppet.js';
