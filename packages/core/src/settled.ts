/**
 * One promise, settled once, shared by the core's hot paths: a send that found a buffer returns it
 * (nothing allocated), and the batch's end-of-turn flush is chained to it with `.then()` — a promise
 * reaction, where Node's `queueMicrotask` would make an AsyncResource per call (a bound callback run
 * in its async scope, a destroy hook) and cost as much again as the send it follows.
 */
export const SETTLED: Promise<void> = Promise.resolve();
