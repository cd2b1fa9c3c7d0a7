import { writeFile } from 'node:fs/promises';
import { renderSvg, ringModel } from '@rpmsg/view';
import { readImageAndLayout } from './inspect.js';
import type { CommandIo } from './io.js';

/** Options of `rpmsg inspect --svg`. */
export interface InspectSvgOptions {
  /** Path of the raw shared-memory image. */
  readonly image: string;
  /** Path of the layout JSON. */
  readonly layout: string;
  /** Where to write the SVG. */
  readonly svg: string;
}

/**
 * `rpmsg inspect image.bin --layout l.json --svg out.svg`: the ring picture of `rpmsg view` as a
 * static file for bug reports — both vrings, each descriptor coloured by who owns it, heads, legend
 * with counts. Prints where it wrote and the counts; a corrupt image still draws (its problems are
 * listed), an unreadable file or invalid layout is an error as for `rpmsg inspect`.
 */
export async function inspectSvg(options: InspectSvgOptions, io: CommandIo): Promise<number> {
  const { image, layout } = await readImageAndLayout(options.image, options.layout);
  const model = ringModel({ image, layout });
  await writeFile(options.svg, renderSvg(model));
  const lines = [`wrote ${options.svg}`];
  for (const v of model.vrings) {
    const c = v.counts;
    lines.push(
      `  ${v.name}  available ${c.available}, in flight ${c['in-flight']}, used ${c.used}, held ${c.held}`,
    );
  }
  for (const p of model.problems) lines.push(`  problem ${p.code}: ${p.message}`);
  io.out(lines.join('\n'));
  return 0;
}
