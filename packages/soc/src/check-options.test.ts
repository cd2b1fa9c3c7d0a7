import { describe, expect, it } from 'vitest';
import { createSoc, Soc, type SocOptions } from './soc.js';
import { stopSocAfterEach } from './test-soc.js';
import { coreWorkerCount } from './workers.js';

const remote = new URL('./fixtures/echo-firmware.mjs', import.meta.url);

let soc: Soc | undefined;
stopSocAfterEach(() => {
  const s = soc;
  soc = undefined;
  return s;
});

type Code = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

/** [option, bad value, code]: every value a user got a crash, a silent default or a warning for. */
const bad: [string, unknown, Code][] = [
  ['remote', undefined, 'ERR_INVALID_ARG_TYPE'],
  ['remote', 42, 'ERR_INVALID_ARG_TYPE'],
  ['remote', '', 'ERR_INVALID_ARG_VALUE'],
  ['master', {}, 'ERR_INVALID_ARG_TYPE'],
  ['profile', 'zephyr', 'ERR_INVALID_ARG_VALUE'],
  ['numBuffers', 0, 'ERR_OUT_OF_RANGE'],
  ['numBuffers', 12, 'ERR_OUT_OF_RANGE'],
  ['numBuffers', '16', 'ERR_INVALID_ARG_TYPE'],
  ['bufferSize', 513, 'ERR_OUT_OF_RANGE'],
  ['bufferSize', 500, 'ERR_OUT_OF_RANGE'],
  ['bufferSize', 32, 'ERR_OUT_OF_RANGE'],
  ['bufferSize', 131072, 'ERR_OUT_OF_RANGE'],
  ['base', 3, 'ERR_OUT_OF_RANGE'],
  ['base', -4096, 'ERR_OUT_OF_RANGE'],
  ['base', 0x1_0000_0000, 'ERR_OUT_OF_RANGE'],
  ['base', '0x10000000', 'ERR_INVALID_ARG_TYPE'],
  ['eventIdx', 'yes', 'ERR_INVALID_ARG_TYPE'],
  ['spin', -5, 'ERR_OUT_OF_RANGE'],
  ['spin', Number.NaN, 'ERR_OUT_OF_RANGE'],
  ['spin', Number.POSITIVE_INFINITY, 'ERR_OUT_OF_RANGE'],
  ['spin', '10', 'ERR_INVALID_ARG_TYPE'],
  ['watchdog', -1, 'ERR_OUT_OF_RANGE'],
  ['watchdog', Number.NaN, 'ERR_OUT_OF_RANGE'],
  ['watchdog', 'x', 'ERR_INVALID_ARG_TYPE'],
  ['watchdog', true, 'ERR_INVALID_ARG_TYPE'],
  ['watchdog', 10, 'ERR_OUT_OF_RANGE'],
  ['watchdog', 2 ** 31, 'ERR_OUT_OF_RANGE'],
  ['trace', 'yes', 'ERR_INVALID_ARG_TYPE'],
  ['trace', { file: 42 }, 'ERR_INVALID_ARG_TYPE'],
  ['trace', { file: '' }, 'ERR_INVALID_ARG_VALUE'],
  ['trace', { payloadBytes: -1 }, 'ERR_OUT_OF_RANGE'],
  ['sendTimeout', -1, 'ERR_OUT_OF_RANGE'],
  ['sendTimeout', 'x', 'ERR_INVALID_ARG_TYPE'],
  ['bootTimeout', 0, 'ERR_OUT_OF_RANGE'],
  ['bootTimeout', Number.POSITIVE_INFINITY, 'ERR_OUT_OF_RANGE'],
  ['masterData', () => 1, 'ERR_INVALID_ARG_VALUE'],
  ['remoteData', () => 1, 'ERR_INVALID_ARG_VALUE'],
  ['remoteData', { port: Symbol('x') }, 'ERR_INVALID_ARG_VALUE'],
  ['waitForChannels', 'rpmsg-echo', 'ERR_INVALID_ARG_TYPE'],
  ['waitForChannels', [7], 'ERR_INVALID_ARG_TYPE'],
  ['waitForChannels', [''], 'ERR_INVALID_ARG_VALUE'],
  ['waitForChannels', ['x'.repeat(32)], 'ERR_INVALID_ARG_VALUE'],
  ['waitForChannels', ['a\0b'], 'ERR_INVALID_ARG_VALUE'],
];

describe('createSoc options', () => {
  for (const [option, value, code] of bad) {
    const shown =
      typeof value === 'function'
        ? 'a function'
        : typeof value === 'object'
          ? JSON.stringify(value, (_k, v) => (typeof v === 'symbol' ? String(v) : v))
          : typeof value === 'string'
            ? JSON.stringify(value)
            : String(value);
    it(`refuses ${option}: ${shown} with ${code}, naming options.${option}, before any thread starts`, async () => {
      const options = { remote, [option]: value } as unknown as SocOptions;
      const error = await createSoc(options).catch((e: unknown) => e);
      expect(error).toMatchObject({ code });
      expect((error as Error).message).toContain(`options.${option}`);
      expect(coreWorkerCount()).toBe(0);
    });
  }

  it('refuses options that are not an object', async () => {
    await expect(createSoc(null as unknown as SocOptions)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(() => new Soc('x' as unknown as SocOptions)).toThrow(TypeError);
  });

  it('refuses waitForChannels with a worker master: that program waits for its channels itself', async () => {
    const options = { remote, master: remote, waitForChannels: ['rpmsg-echo'] };
    await expect(createSoc(options)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    expect(coreWorkerCount()).toBe(0);
  });

  const good: [string, Partial<SocOptions>][] = [
    [
      'the limits of the ranges',
      { numBuffers: 1, bufferSize: 64, spin: 0, watchdog: 100, bootTimeout: 5000 },
    ],
    [
      'a larger buffer at another base',
      { bufferSize: 2048, base: 0x2000_0000, numBuffers: 8, eventIdx: true },
    ],
    [
      'the watchdog off with false',
      { watchdog: false, numBuffers: 8, sendTimeout: Number.POSITIVE_INFINITY },
    ],
    ['the watchdog off with Infinity', { watchdog: Number.POSITIVE_INFINITY, numBuffers: 8, spin: 10 }],
    [
      'cloneable data and an rpmsg-lite profile',
      { profile: 'rpmsg-lite', numBuffers: 8, remoteData: { a: [1] } },
    ],
  ];
  for (const [what, options] of good) {
    it(`boots with ${what}`, async () => {
      soc = await createSoc({ remote, ...options });
      const ept = await soc.master.openChannel('rpmsg-echo', { hello: false, timeout: 5000 });
      const echoed = new Promise<number[]>((resolve) =>
        ept.once('message', (p: Uint8Array) => resolve([...p])),
      );
      await ept.send(Uint8Array.of(5));
      expect(await echoed).toEqual([5]);
    });
  }
});
