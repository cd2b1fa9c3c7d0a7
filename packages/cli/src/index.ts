export type { BenchResult, BenchTransport, Mode, Wait } from './bench/result.js';
export type { CommandIo } from './commands/io.js';
export type { DemoSummary } from './demo/demo-summary.js';
export { type DemoOptions, runDemo } from './demo/run-demo.js';
export { main } from './main.js';
