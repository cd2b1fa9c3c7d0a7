import { RpmsgError } from '@rpmsg/core';
import type { Diagnostic } from './diagnostics.js';

/**
 * A firmware that did not compile or link: `ERR_RPMSG_BUILD`, with clang's own output. The message
 * is the first error as clang prints it (`file:line:column: error: …`); `stderr` has all of it.
 */
export class FirmwareBuildError extends RpmsgError {
  /** Every diagnostic clang and wasm-ld printed, in order. */
  readonly diagnostics: readonly Diagnostic[];
  /** Clang's and wasm-ld's output, whole. */
  readonly stderr: string;

  constructor(stderr: string, diagnostics: readonly Diagnostic[]) {
    const first = diagnostics.find((d) => d.severity === 'error' || d.severity === 'fatal error');
    const where = first?.file === undefined ? '' : `${first.file}:${first.line}:${first.column}: `;
    const what = first ? `${where}${first.severity}: ${first.message}` : stderr.trim().split('\n')[0];
    super('ERR_RPMSG_BUILD', `the firmware did not build: ${what}`);
    this.diagnostics = diagnostics;
    this.stderr = stderr;
  }
}
