import type { RpmsgDevice } from '@rpmsg/core';
import { describe, expect, it } from 'vitest';
import { resolveLinkOptions, type SerialLinkOptions } from './link-options.js';
import { SerialTransport } from './serial-transport.js';
import { settleChannels } from './settle-channels.js';
import { createStreamPair } from './testing/stream-pair.js';

/** The `code` of what `fn` throws, or 'ok'. */
function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('resolveLinkOptions', () => {
  it('applies the defaults', () => {
    expect(resolveLinkOptions({})).toMatchObject({
      bufferSize: 512,
      rxBuffers: 16,
      txBuffers: 16,
      reliable: true,
      nameService: true,
      keepAliveMs: 500,
      helloIntervalMs: 200,
      retransmitMs: 50,
      baudRate: 0,
      maxRetransmits: 20,
    });
  });

  it('rejects out-of-range numbers with ERR_OUT_OF_RANGE, naming the option', () => {
    const cases: SerialLinkOptions[] = [
      { bufferSize: 55 },
      { bufferSize: 65536 },
      { rxBuffers: 0 },
      { rxBuffers: 128 },
      { txBuffers: 1.5 },
      { keepAliveMs: -1 },
      { keepAliveMs: Number.NaN },
      { keepAliveMs: Number.POSITIVE_INFINITY },
      { retransmitMs: 0 },
      { retransmitMs: 65536 }, // u16 in HELLO
      { helloIntervalMs: 0 },
      { maxRetransmits: 0 },
      { baudRate: -9600 },
      { baudRate: 115200.5 },
    ];
    for (const options of cases) expect(codeOf(() => resolveLinkOptions(options))).toBe('ERR_OUT_OF_RANGE');
    expect(() => resolveLinkOptions({ keepAliveMs: -1 })).toThrow(/options\.keepAliveMs/);
    expect(() => resolveLinkOptions({ keepAliveMs: -1 })).toThrow(RangeError);
  });

  it('rejects options of the wrong type with ERR_INVALID_ARG_TYPE', () => {
    const cases = [
      { keepAliveMs: '500' },
      { baudRate: 'fast' },
      { reliable: 'yes' },
      { nameService: 1 },
      { nonce: 42 },
      { clock: 'now' },
    ] as unknown as SerialLinkOptions[];
    for (const options of cases)
      expect(codeOf(() => resolveLinkOptions(options))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => resolveLinkOptions(null as unknown as SerialLinkOptions))).toBe(
      'ERR_INVALID_ARG_TYPE',
    );
  });
});

describe('SerialTransport options', () => {
  const port = () => createStreamPair().a;

  it('checks the port, role and reconnect delays, and the link options', () => {
    const make = (options: object) => () => new SerialTransport({ port: port(), ...options } as never);
    expect(codeOf(make({ port: '/dev/ttyACM0' }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(make({ port: null }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(make({ role: 'slave' }))).toBe('ERR_INVALID_ARG_VALUE');
    expect(codeOf(make({ reconnectMs: 0 }))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(make({ reconnectMaxMs: Number.NaN }))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(make({ keepAliveMs: 0 }))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(make({ rxBuffers: 'many' }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(make({}))).toBe('ok');
    expect(codeOf(make({ port: async () => port() }))).toBe('ok');
  });
});

describe('settleChannels options', () => {
  it('rejects a bad quietMs or timeout with an argument error before waiting', async () => {
    const device = {} as RpmsgDevice; // never touched: the options are checked first
    await expect(settleChannels(device, { quietMs: -1 })).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
    await expect(settleChannels(device, { timeout: Number.NaN })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    await expect(settleChannels(device, { timeout: 2 ** 31 })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    await expect(settleChannels(device, { quietMs: '200' as unknown as number })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
  });
});
