import { readFile, writeFile } from 'node:fs/promises';
import { convertTrace } from '@rpmsg/soc';
import type { CommandIo } from './io.js';

/** Options of `rpmsg trace convert`. */
export interface TraceConvertOptions {
  /** The JSON-lines trace (`createSoc({ trace: { file } })`). */
  readonly input: string;
  /** Where the Trace Event Format JSON goes; stdout when absent. */
  readonly output?: string;
}

/**
 * `rpmsg trace convert in.jsonl -o out.json`: turns a JSON-lines trace into the Trace Event Format
 * that ui.perfetto.dev and chrome://tracing open (the same conversion as `trace: { format:
 * 'perfetto' }`; docs/observability.md). A line that is not JSON fails with `ERR_RPMSG_TRACE`
 * naming it (exit 1); the summary — arrows drawn, halves without a match — goes to stderr.
 */
export async function traceConvert(options: TraceConvertOptions, io: CommandIo): Promise<number> {
  const trace = convertTrace(await readFile(options.input, 'utf8'));
  const json = JSON.stringify(trace);
  if (options.output === undefined) io.out(json);
  else await writeFile(options.output, json);
  const { flows, unmatched } = trace.otherData;
  const events = trace.traceEvents.length;
  io.err(
    `${events} trace events, ${flows} message arrows, ${unmatched} sends/receives without their other half`,
  );
  return 0;
}
