import type { CommandIo } from './commands/io.js';
import { main } from './main.js';

/** What one `rpmsg` command line did, run through `main()` with captured streams. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `rpmsg <argv…>` in this process, as the tests of the command line meet it. */
export async function rpmsg(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = { out: (t) => out.push(t), err: (t) => err.push(t), progress: () => {} };
  const code = await main(argv, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
