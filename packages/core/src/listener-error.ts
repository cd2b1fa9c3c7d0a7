import type { EventEmitter } from 'node:events';
import type { EventMap } from './message-emitter.js';

/**
 * Emits from a transport callback: a throwing listener must not break the batch being
 * delivered. Typed by the emitter's event map, so a misspelt event or wrong arguments fail to compile.
 */
export function safeEmit<T extends EventMap<T>, K extends keyof T & string>(
  emitter: EventEmitter<T>,
  event: K,
  ...args: T[K] extends unknown[] ? T[K] : never
): void {
  try {
    (emitter as EventEmitter).emit(event, ...args);
  } catch (error) {
    reportListenerError(error);
  }
}

/**
 * A listener threw while the device was delivering: finish the batch (buffers returned, state
 * kept consistent), then rethrow outside it, where Node reports it as an uncaught exception — the same
 * fate as a throwing listener of any Node stream.
 */
export function reportListenerError(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
