/**
 * The byte pipe under a {@link SerialTransport}: a serial port, a TCP socket (ser2net), a pty, or
 * an in-memory pair in tests. Deliberately tiny so any of them fits in a few lines.
 *
 * Contract: `write` never blocks and takes ownership of `chunk` (the caller does not touch it
 * again); bytes are delivered to `onData` in order; `onClose` is called exactly once when the
 * stream ends for any reason (unplugged, socket reset, `close()`), after which nothing more arrives.
 */
export interface ByteStream {
  /** Connects the stream to its one reader. Called once, before any data can be delivered. */
  setHandler(handler: ByteStreamHandler): void;
  /** Queues bytes for the wire; the stream owns `chunk` from now on. */
  write(chunk: Uint8Array): void;
  /** Closes the stream; resolves once it is closed (`onClose` has been called). */
  close(): Promise<void>;
}

/** What a {@link ByteStream} reports to its reader. */
export interface ByteStreamHandler {
  /** Bytes arrived (the chunk may be kept; streams hand over fresh chunks). */
  onData(chunk: Uint8Array): void;
  /** The stream ended; `error` says why when it was not a local `close()`. */
  onClose(error?: Error): void;
}

/** Opens a fresh {@link ByteStream}: called again to reconnect after the port disappeared. */
export type ByteStreamOpener = (signal?: AbortSignal) => Promise<ByteStream>;
