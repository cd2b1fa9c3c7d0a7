import { readFile } from 'node:fs/promises';
import { formatInspect, inspectImage, parseLayoutJson } from '@rpmsg/core';
import type { CommandIo } from './io.js';

/** Options of `rpmsg inspect`. */
export interface InspectOptions {
  /** Path of the raw shared-memory image. */
  readonly image: string;
  /** Path of the layout JSON (DESIGN §3). */
  readonly layout: string;
  /** Print one JSON object (DESIGN §6) instead of the human-readable decode. */
  readonly json: boolean;
}

/**
 * `rpmsg inspect`: decodes a shared-memory image with its layout. A corrupt image is not an error
 * of the command — its decode lists `problems` and the exit code stays 0; an unreadable file or an
 * invalid layout is (exit 1, with the error's code on stderr).
 */
export async function inspect(options: InspectOptions, io: CommandIo): Promise<number> {
  const [imageBytes, layoutText] = await Promise.all([
    readFile(options.image),
    readFile(options.layout, 'utf8'),
  ]);
  let layoutJson: unknown;
  try {
    layoutJson = JSON.parse(layoutText);
  } catch (error) {
    io.err(`rpmsg inspect: ERR_RPMSG_LAYOUT: ${options.layout} is not JSON (${(error as Error).message})`);
    return 1;
  }
  const layout = parseLayoutJson(layoutJson);
  const image = new Uint8Array(imageBytes.buffer, imageBytes.byteOffset, imageBytes.byteLength);
  const result = inspectImage(image, layout);
  io.out(options.json ? JSON.stringify(result) : formatInspect(result));
  return 0;
}
