import { EventEmitter } from 'node:events';

/**
 * An event map as `EventEmitter<T>` of `@types/node` takes it: event name → tuple of listener
 * arguments. `[never]` is Node's "untyped" map (any name, any listener).
 */
export type EventMap<T> = Record<keyof T, unknown[]> | [never];

/** The listener of an untyped emitter, `(...args: any[]) => void`, as `@types/node` spells it. */
type AnyListener = Parameters<EventEmitter['on']>[1];

/** The event names `on` accepts: those of the map (any name when untyped), as in `@types/node`. */
type EventKey<K, T> = T extends [never] ? string | symbol : K | keyof T;

/** The listener `on` accepts for event `K`: its arguments are the map's tuple (anything when untyped). */
type EventListener<K, T> = T extends [never]
  ? AnyListener
  : K extends keyof T
    ? T[K] extends unknown[]
      ? (...args: T[K]) => void
      : never
    : never;

/**
 * A typed EventEmitter (the base of `Endpoint`, not exported by itself) that knows, without asking, whether anything listens to `message`.
 *
 * The receive path needs that answer for every message, and `listenerCount()` was a tenth of the
 * cost of delivering a 16-byte message. Every way a listener is added or removed ends in one of the
 * methods below — `once` and `prependOnceListener` go through `on` / `prependListener`, their wrappers
 * and the `events.on()` / `events.once()` helpers through `removeListener` — so the answer is
 * refreshed there, from EventEmitter's own count. The overrides keep the signatures of
 * `EventEmitter<T>`, so a subclass's event map still types every listener.
 */
export class MessageEmitter<T extends EventMap<T> = [never]> extends EventEmitter<T> {
  /** @internal True while at least one `message` listener is registered. */
  hasMessageListeners = false;

  override addListener<K>(eventName: EventKey<K, T>, listener: EventListener<K, T>): this {
    super.addListener(eventName, listener);
    return this.#refresh();
  }

  /** As in Node, `on` is `addListener`. */
  override on<K>(eventName: EventKey<K, T>, listener: EventListener<K, T>): this {
    return this.addListener(eventName, listener);
  }

  override prependListener<K>(eventName: EventKey<K, T>, listener: EventListener<K, T>): this {
    super.prependListener(eventName, listener);
    return this.#refresh();
  }

  override removeListener<K>(eventName: EventKey<K, T>, listener: EventListener<K, T>): this {
    super.removeListener(eventName, listener);
    return this.#refresh();
  }

  /** As in Node, `off` is `removeListener`. */
  override off<K>(eventName: EventKey<K, T>, listener: EventListener<K, T>): this {
    return this.removeListener(eventName, listener);
  }

  /** Rest arguments: Node tells "all events" from an explicit `undefined` by the argument count. */
  override removeAllListeners(...eventName: [eventName?: EventKey<unknown, T>]): this {
    super.removeAllListeners(...eventName);
    return this.#refresh();
  }

  #refresh(): this {
    this.hasMessageListeners = (this as EventEmitter).listenerCount('message') > 0;
    return this;
  }
}
