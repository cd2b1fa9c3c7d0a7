import { readFile } from 'node:fs/promises';
import { formatInspect, inspectImage, parseLayoutJson, RpmsgError } from '@rpmsg/core';
import type { CommandIo } from './io.js';

/** Options of `rpmsg inspect`. */
export interface InspectOptions {
  /** Path of the raw shared-memory image. */
  readonly image: string;
  /** Path of the layout JSON (docs/layouts.md, "The layout JSON"). */
  readonly layout: string;
  /** Print one JSON object (the output contract in the README) instead of the human-readable decode. */
  readonly json: boolean;
}

/**
 * `rpmsg inspect`: decodes a shared-memory image with its layout. A corrupt image is not an error
 * of the command — its decode lists `problems` and the exit code stays 0; an unreadable file or an
 * invalid layout is (exit 1, with the error's code on stderr). The human-readable decode lists the
 * first problems and counts the rest (`formatInspect`); `--json` keeps every one, since the number
 * is bounded by the layout (at most one per ring slot, plus one for an image shorter than the region).
 */
export async function inspect(options: InspectOptions, io: CommandIo): Promise<number> {
  const { image, layout } = await readImageAndLayout(options.image, options.layout);
  const result = inspectImage(image, parseLayoutJson(layout));
  io.out(options.json ? JSON.stringify(result) : formatInspect(result));
  return 0;
}

/**
 * Reads an image and its layout JSON (`rpmsg inspect`, `--svg`): an unreadable file is its fs error,
 * a layout that is not JSON is `ERR_RPMSG_LAYOUT` naming the file.
 */
export async function readImageAndLayout(
  imagePath: string,
  layoutPath: string,
): Promise<{ image: Uint8Array; layout: unknown }> {
  const [image, layoutText] = await Promise.all([readFile(imagePath), readFile(layoutPath, 'utf8')]);
  try {
    return { image, layout: JSON.parse(layoutText) };
  } catch (error) {
    throw new RpmsgError('ERR_RPMSG_LAYOUT', `${layoutPath} is not JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
}
