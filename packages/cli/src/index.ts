export type { BenchResult, Mode, Transport, Wait } from './bench/result.js';
export type { CommandIo } from './commands/io.js';
export { main } from './main.js';
