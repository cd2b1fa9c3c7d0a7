/** Where a command writes. Injected so tests can capture output and `main` can be embedded. */
export interface CommandIo {
  /** A line (or block) on stdout. */
  out(text: string): void;
  /** A line on stderr. */
  err(text: string): void;
  /** A transient status line: shown on a terminal, dropped otherwise. Empty text clears it. */
  progress(text: string): void;
}

/** The process's own stdout/stderr, with a progress line only when stderr is a terminal. */
export function processIo(): CommandIo {
  const tty = process.stderr.isTTY === true;
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    progress: (text) => {
      if (tty) process.stderr.write(`\r\x1b[2K${text}`);
    },
  };
}
