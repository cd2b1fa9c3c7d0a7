import type { EventEmitter } from 'node:events';

/** @internal Emits from a transport callback: a throwing listener must not break the batch being delivered. */
export function safeEmit(emitter: EventEmitter, event: string, ...args: unknown[]): void {
  try {
    emitter.emit(event, ...args);
  } catch (error) {
    reportListenerError(error);
  }
}

/**
 * @internal A listener threw while the device was delivering: finish the batch (buffers returned, state
 * kept consistent), then rethrow outside it, where Node reports it as an uncaught exception — the same
 * fate as a throwing listener of any Node stream.
 */
export function reportListenerError(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
