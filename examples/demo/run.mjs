// Runs the demo without the CLI: node examples/demo/run.mjs (after `pnpm build`).
import { runDemo } from '../../packages/cli/dist/index.js';

const summary = await runDemo();
console.log(summary);
process.exitCode = summary.ok ? 0 : 1;
