/** Stable codes of {@link TtyError}; never renamed once released. */
export type TtyErrorCode = 'ERR_TTY_DATA_AFTER_EOF'; // the peer sent data after its end marker (its stream had ended)

/**
 * An error of the tty protocol itself (what `@rpmsg/core` cannot know): the peer broke the rules of
 * a tty channel. Branch on `code`. Emitted as the stream's `'error'` by {@link RpmsgTty}.
 */
export class TtyError extends Error {
  override readonly name = 'TtyError';
  readonly code: TtyErrorCode;
  /** The address the offending message came from. */
  readonly src: number;
  /** Its payload length. */
  readonly length: number;

  constructor(code: TtyErrorCode, message: string, details: { src: number; length: number }) {
    super(message);
    this.code = code;
    this.src = details.src;
    this.length = details.length;
  }
}
