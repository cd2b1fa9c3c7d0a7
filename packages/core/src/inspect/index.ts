export { DEFAULT_MAX_PROBLEMS, type FormatInspectOptions, formatInspect } from './format-inspect.js';
export { type InspectImageInput, inspectImage } from './inspect-image.js';
export type { InspectMessage, InspectNs, InspectProblem, InspectResult, InspectVring } from './types.js';
