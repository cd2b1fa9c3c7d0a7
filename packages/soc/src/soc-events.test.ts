import type { RpmsgDevice, RpmsgError } from '@rpmsg/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Firmware, FirmwareContext, MasterProgram } from './context.js';
import { Soc } from './soc.js';
import type { TraceEvent } from './trace.js';

// Type tests: `pnpm typecheck` fails on an `@ts-expect-error` that has no error under it, so each
// one asserts that the mistake beside it does not compile.

describe('Soc events', () => {
  it('types each event and its arguments', () => {
    // A Soc that is never started: no thread, no timer; only its listeners are looked at.
    const soc = new Soc({ remote: 'firmware.mjs', numBuffers: 1 });
    soc.on('crash', (error) => expectTypeOf(error).toEqualTypeOf<RpmsgError>());
    soc.on('trace-error', (error) => expectTypeOf(error).toEqualTypeOf<RpmsgError>());
    soc.on('trace', (event) => expectTypeOf(event).toEqualTypeOf<TraceEvent>());
    soc.on('master-crash', (error) => expectTypeOf(error).toEqualTypeOf<Error>());
    soc.once('restart', () => {});
    soc.once('stop', () => {});
    // @ts-expect-error: a crash is an RpmsgError, not a number
    soc.on('crash', (_error: number) => {});
    // @ts-expect-error: a misspelt event does not compile
    soc.on('crahs', () => {});
    soc.on('restart', (remote) => expectTypeOf(remote).toEqualTypeOf<string>());
    // @ts-expect-error: restart names the remote with a string
    soc.on('restart', (_what: number) => {});
    // @ts-expect-error: emit checks the arguments too
    soc.emit('crash', 42);
    expect(soc.listenerCount('crash')).toBe(2);
    expect(soc.listenerCount('restart')).toBe(3);
  });
});

describe('Firmware', () => {
  it('types the default export of a firmware module and of an A-core program', () => {
    const firmware: Firmware = (_device, { lite, data }) => {
      expectTypeOf(lite.createEpt).toBeFunction();
      expectTypeOf(data).toBeUnknown();
    };
    const app: MasterProgram = async (device) => device.channels().length;
    expectTypeOf(firmware).parameter(0).toEqualTypeOf<RpmsgDevice>();
    expectTypeOf(firmware).parameter(1).toEqualTypeOf<FirmwareContext>();
    // @ts-expect-error: the firmware's context is not a number
    const wrong: Firmware = (_device, ctx: number) => ctx;
    expect([typeof firmware, typeof app, typeof wrong]).toEqual(['function', 'function', 'function']);
  });
});
