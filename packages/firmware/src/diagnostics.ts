/** One message of clang or wasm-ld, as `file:line:column: severity: message`. */
export interface Diagnostic {
  /** The file as given to the compiler (absolute), or undefined for a linker message. */
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly severity: 'error' | 'warning' | 'note' | 'fatal error';
  readonly message: string;
}

const CLANG_LINE = /^(.+?):(\d+):(\d+): (fatal error|error|warning|note): (.*)$/;
const LINKER_LINE = /^(?:wasm-ld|clang)(?:: |-\d+: )(error|warning): (.*)$/;

/** The diagnostics in clang's stderr (the caret lines under each are left to `stderr`). */
export function parseDiagnostics(stderr: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const line of stderr.split('\n')) {
    const m = CLANG_LINE.exec(line);
    if (m) {
      out.push({
        file: m[1],
        line: Number(m[2]),
        column: Number(m[3]),
        severity: m[4] as Diagnostic['severity'],
        message: m[5] as string,
      });
      continue;
    }
    const l = LINKER_LINE.exec(line);
    if (l) {
      out.push({
        file: undefined,
        line: undefined,
        column: undefined,
        severity: l[1] as 'error' | 'warning',
        message: l[2] as string,
      });
    }
  }
  return out;
}
