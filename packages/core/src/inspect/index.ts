export { formatInspect } from './format-inspect.js';
export { inspectImage, toHex } from './inspect-image.js';
export type { InspectMessage, InspectNs, InspectProblem, InspectResult, InspectVring } from './types.js';
