import { EventEmitter } from 'node:events';

type On = Parameters<EventEmitter['on']>;
type RemoveAll = Parameters<EventEmitter['removeAllListeners']>;

/**
 * @internal An EventEmitter that knows, without asking, whether anything listens to `message`.
 *
 * The receive path needs that answer for every message, and `listenerCount()` was a tenth of the
 * cost of delivering a 16-byte message. Every way a listener is added or removed ends in one of the
 * methods below — `once` and `prependOnceListener` go through `on` / `prependListener`, their wrappers
 * and the `events.on()` / `events.once()` helpers through `removeListener` — so the answer is
 * refreshed there, from EventEmitter's own count.
 */
export class MessageEmitter extends EventEmitter {
  /** @internal True while at least one `message` listener is registered. */
  hasMessageListeners = false;

  override addListener(...args: On): this {
    super.addListener(...args);
    return this.#refresh();
  }

  /** As in Node, `on` is `addListener`. */
  override on(...args: On): this {
    return this.addListener(...args);
  }

  override prependListener(...args: On): this {
    super.prependListener(...args);
    return this.#refresh();
  }

  override removeListener(...args: On): this {
    super.removeListener(...args);
    return this.#refresh();
  }

  /** As in Node, `off` is `removeListener`. */
  override off(...args: On): this {
    return this.removeListener(...args);
  }

  override removeAllListeners(...args: RemoveAll): this {
    super.removeAllListeners(...args);
    return this.#refresh();
  }

  #refresh(): this {
    this.hasMessageListeners = this.listenerCount('message') > 0;
    return this;
  }
}
