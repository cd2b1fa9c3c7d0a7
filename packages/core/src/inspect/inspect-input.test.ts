import { vringLayout } from '@rpmsg/virtio';
import { describe, expect, it } from 'vitest';
import { createLayout } from '../layout/create-layout.js';
import { layoutToJson } from '../layout/layout-json.js';
import type { RpmsgLayout } from '../layout/types.js';
import { formatInspect } from './format-inspect.js';
import { inspectImage } from './inspect-image.js';

// What users hand inspectImage and formatInspect besides a good Uint8Array and a parsed layout.
// None of this needs the RPMsg-Lite vectors: the images are built here.

const layout = createLayout('rpmsg-lite', { numBuffers: 4, align: 16 });

/** A region in which the remote published one message, "hello" from 30 to 1024, on vq0. */
function helloImage(): Uint8Array {
  const image = new Uint8Array(layout.size);
  const view = new DataView(image.buffer);
  const ring = vringLayout(layout.numBuffers, layout.vrings[0].align);
  const at = layout.vrings[0].da - layout.base;
  view.setUint32(at, layout.pool, true); // desc[0].addr: buffer 0
  view.setUint32(at + 8, layout.bufferSize, true); // desc[0].len
  view.setUint32(at + ring.usedRing, 0, true); // used.ring[0].id
  view.setUint32(at + ring.usedRing + 4, 16 + 5, true); // used.ring[0].len
  view.setUint16(at + ring.used + 2, 1, true); // used.idx
  const buf = layout.pool - layout.base;
  view.setUint32(buf, 30, true); // src
  view.setUint32(buf + 4, 1024, true); // dst
  view.setUint16(buf + 12, 5, true); // len
  image.set(new TextEncoder().encode('hello'), buf + 16);
  return image;
}

function errorOf(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('did not throw');
}

/** A deterministic 1 MB of noise (xorshift32), as `head -c 1M /dev/urandom` would give. */
function noise(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

describe('inspectImage input', () => {
  const hello = helloImage();
  const expected = inspectImage(hello, layout);

  it('decodes the hand-built image (the baseline the other shapes are compared with)', () => {
    expect(expected.problems).toEqual([]);
    expect(expected.messages).toEqual([
      { vring: 'vq0', desc: 0, src: 30, dst: 1024, len: 5, flags: 0, payload: '68656c6c6f' },
    ]);
  });

  const copyInto = <T>(make: (n: number) => T, bytes: (t: T) => Uint8Array): T => {
    const t = make(hello.byteLength);
    bytes(t).set(hello);
    return t;
  };
  it.each<[string, () => unknown]>([
    ['a Buffer', () => Buffer.from(hello)],
    [
      'a Uint8Array at an offset in a larger buffer',
      () => {
        const big = new Uint8Array(hello.byteLength + 64);
        big.set(hello, 32);
        return big.subarray(32, 32 + hello.byteLength);
      },
    ],
    ['an ArrayBuffer', () => hello.slice().buffer],
    [
      'a SharedArrayBuffer',
      () =>
        copyInto(
          (n) => new SharedArrayBuffer(n),
          (b) => new Uint8Array(b),
        ),
    ],
    ['a DataView', () => new DataView(hello.slice().buffer)],
    ['a Uint32Array', () => new Uint32Array(hello.slice().buffer)],
  ])('reads %s in place, as it reads a Uint8Array', (_what, make) => {
    expect(inspectImage(make() as Uint8Array, layout)).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'image.bin'],
    ['a number', 4352],
    ['a plain array', [0, 1, 2]],
    ['a plain object', { byteLength: 4352 }],
  ])('refuses %s as the image with ERR_INVALID_ARG_TYPE', (_what, image) => {
    const error = errorOf(() => inspectImage(image as Uint8Array, layout));
    expect(error).toBeInstanceOf(TypeError);
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', argument: 'image' });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a JSON string', JSON.stringify(layoutToJson(layout))],
    ['an array', [layout]],
  ])('refuses %s as the layout with ERR_INVALID_ARG_TYPE', (_what, bad) => {
    const error = errorOf(() => inspectImage(hello, bad as RpmsgLayout));
    expect(error).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', argument: 'layout' });
  });

  const broken = (change: (l: Record<string, unknown>) => void) => () => {
    const l = structuredClone(layout) as unknown as Record<string, unknown>;
    change(l);
    return l;
  };
  it.each<[string, () => Record<string, unknown>]>([
    ['profile', broken((l) => delete l.profile)],
    ['vrings', broken((l) => delete l.vrings)],
    ['vrings', broken((l) => (l.vrings = 'vq0,vq1'))],
    ['vrings[0]', broken((l) => ((l.vrings as unknown[])[0] = null))],
    ['vrings[0].num', broken((l) => ((l.vrings as { num: number }[])[0]!.num = 3))],
    ['vrings[1].da', broken((l) => ((l.vrings as { da: number }[])[1]!.da = layout.base + 8))],
    ['bufferSize', broken((l) => (l.bufferSize = '512 bytes'))],
    ['size', broken((l) => (l.size = -1))],
    ['pool', broken((l) => (l.pool = layout.base))],
  ])('refuses a layout object with a wrong %s with ERR_RPMSG_LAYOUT naming it', (field, make) => {
    const error = errorOf(() => inspectImage(hello, make() as unknown as RpmsgLayout));
    expect(error).toMatchObject({ name: 'RpmsgError', code: 'ERR_RPMSG_LAYOUT', field });
  });

  it('takes a layout JSON object as parseLayoutJson would', () => {
    const json = JSON.parse(JSON.stringify(layoutToJson(layout)));
    expect(inspectImage(hello, json)).toEqual(expected);
  });
});

describe('formatInspect on a random 1 MB image', () => {
  const linux = createLayout('linux');
  const result = inspectImage(noise(1 << 20, 0x5eed), linux);
  const problemLines = (text: string) => text.split('\n').filter((l) => /^ {2}ERR_/.test(l));

  it('lists the first 20 problems and counts the rest', () => {
    expect(result.problems.length).toBeGreaterThan(100); // one per ring slot: 2 × 256 here
    const text = formatInspect(result);
    expect(text).toContain(`problems (${result.problems.length}):`);
    const listed = problemLines(text);
    expect(listed).toEqual(result.problems.slice(0, 20).map((p) => `  ${p.code}: ${p.message}`));
    expect(text.trimEnd().split('\n').at(-1)).toBe(`  … and ${result.problems.length - 20} more problems`);
  });

  it('lists as many as maxProblems says, all with Infinity', () => {
    expect(problemLines(formatInspect(result, { maxProblems: 3 }))).toHaveLength(3);
    const all = formatInspect(result, { maxProblems: Number.POSITIVE_INFINITY });
    expect(problemLines(all)).toHaveLength(result.problems.length);
    expect(all).not.toContain('more problem');
    const none = formatInspect(result, { maxProblems: 0 });
    expect(problemLines(none)).toEqual([]);
    expect(none).toContain(`… and ${result.problems.length} more problems`);
  });

  it('says nothing about more problems when they all fit', () => {
    const few = { ...result, problems: result.problems.slice(0, 20) };
    expect(problemLines(formatInspect(few))).toHaveLength(20);
    expect(formatInspect(few)).not.toContain('more problem');
    expect(formatInspect({ ...result, problems: result.problems.slice(0, 21) })).toContain(
      '… and 1 more problem\n',
    );
  });

  it.each<[string, string, unknown]>([
    ['a string', 'ERR_INVALID_ARG_TYPE', '20'],
    ['a negative number', 'ERR_OUT_OF_RANGE', -1],
    ['NaN', 'ERR_OUT_OF_RANGE', Number.NaN],
    ['a fraction', 'ERR_OUT_OF_RANGE', 2.5],
  ])('refuses %s as maxProblems with %s', (_what, code, maxProblems) => {
    expect(errorOf(() => formatInspect(result, { maxProblems: maxProblems as number }))).toMatchObject({
      code,
      argument: 'options.maxProblems',
    });
  });

  it('refuses a result or options that are not objects', () => {
    expect(errorOf(() => formatInspect(null as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      argument: 'result',
    });
    expect(errorOf(() => formatInspect(result, 20 as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      argument: 'options',
    });
  });
});
