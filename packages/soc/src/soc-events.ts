import type { RpmsgError } from '@rpmsg/core';
import type { TraceEvent } from './trace.js';

/**
 * The events of a {@link Soc} and their arguments: `soc.on('crash', (error) => …)` gets an
 * `RpmsgError`, and a misspelt event name or a listener of the wrong shape does not compile.
 */
export interface SocEvents {
  /** A trace event (only when tracing is on). */
  trace: [event: TraceEvent];
  /**
   * The trace file could not be written (`ERR_RPMSG_TRACE`, the fs error as `cause`); the file is
   * given up, `trace` events go on. Without a listener it becomes a process warning instead.
   */
  'trace-error': [error: RpmsgError];
  /**
   * A remote threw, exited or missed the watchdog (`ERR_RPMSG_PEER_GONE`, the reason as `cause`);
   * `remote` names it (`'remote'` in the one-remote form).
   */
  crash: [error: RpmsgError, remote: string];
  /** `restart()` brought remote `remote` back up. */
  restart: [remote: string];
  /** `stop()` released everything. */
  stop: [];
  /**
   * A line of output of a core's program: a C firmware's printf / rpmsg_soc_log (the line's newline
   * removed). Without a listener it is written to stdout as `[core] line`. With `options.remotes`
   * a remote's lines name it (`'m4-0'`).
   */
  log: [core: 'master' | 'remote' | (string & {}), line: string];
  /** The master's worker thread failed (worker master only). */
  'master-crash': [error: Error];
}
