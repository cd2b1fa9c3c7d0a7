import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLayoutJson } from '../layout/layout-json.js';
import type { RpmsgLayout } from '../layout/types.js';
import { formatInspect } from './format-inspect.js';
import { inspectImage } from './inspect-image.js';

const VECTORS = join(import.meta.dirname, '../../../../../shared/vectors/rpmsg-lite');
const hasVectors = existsSync(VECTORS);

interface Vector {
  name: string;
  image: Uint8Array;
  layout: RpmsgLayout;
  expected: Record<string, unknown>;
}

function loadVectors(): Vector[] {
  if (!hasVectors) return [];
  const out: Vector[] = [];
  for (const dir of readdirSync(VECTORS).sort()) {
    for (const file of readdirSync(join(VECTORS, dir)).sort()) {
      if (!file.endsWith('.bin')) continue;
      const step = join(VECTORS, dir, file.slice(0, -'.bin'.length));
      const { what: _what, ...expected } = JSON.parse(readFileSync(`${step}.expect.json`, 'utf8'));
      out.push({
        name: `${dir}/${file}`,
        image: new Uint8Array(readFileSync(`${step}.bin`)),
        layout: parseLayoutJson(JSON.parse(readFileSync(`${step}.layout.json`, 'utf8'))),
        expected: { problems: [], ...expected },
      });
    }
  }
  return out;
}

const vectors = loadVectors();

describe.skipIf(!hasVectors)('inspectImage on the RPMsg-Lite vectors', () => {
  it('finds all eight images', () => {
    expect(vectors).toHaveLength(8);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('decodes %s to its .expect.json', (_name, v) => {
    expect(inspectImage(v.image, v.layout)).toEqual(v.expected);
  });

  it('keeps the docs/cli.md key order, so --json output reads like the expect files', () => {
    const v = vectors.find((x) => x.name.endsWith('02-hello-pattern.bin'))!;
    const result = inspectImage(v.image, v.layout);
    expect(Object.keys(result)).toEqual(['vrings', 'messages', 'problems']);
    expect(Object.keys(result.messages[0]!)).toEqual([
      'vring',
      'desc',
      'src',
      'dst',
      'len',
      'flags',
      'payload',
      'ns',
    ]);
  });

  // Corrupt images must give problems, never a throw (a read outside the image would throw a
  // RangeError from DataView) or a hang.
  it('reports corrupt images as problems and never throws', () => {
    const small = vectors.filter((v) => v.name.startsWith('mcu-compact'));
    fc.assert(
      fc.property(
        fc.constantFrom(...small),
        fc.array(fc.tuple(fc.nat(0x100 + 0x7f), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 24,
        }),
        fc.nat(small[0]!.image.length),
        (v, writes, cut) => {
          const image = v.image.slice(0, cut < 64 ? v.image.length : cut);
          for (const [at, value] of writes) if (at < image.length) image[at] = value;
          const result = inspectImage(image, v.layout);
          expect(Array.isArray(result.problems)).toBe(true);
          for (const m of result.messages) expect(m.payload.length).toBe(m.len * 2);
          expect(typeof formatInspect(result)).toBe('string');
        },
      ),
      { numRuns: 400 },
    );
  });

  it('names what is wrong in a corrupt image', () => {
    const v = vectors.find((x) => x.name === 'mcu-compact/02-hello-pattern.bin')!;
    const image = v.image.slice();
    const view = new DataView(image.buffer);
    view.setUint32(0x54, 9, true); // vq0 used.ring[0].id = 9 ≥ num
    view.setUint32(0x5c + 4, 4096, true); // used.ring[1].len > bufferSize
    view.setUint32(0x20 + 4, 1, true); // desc 2 addr hi word ≠ 0: outside the image
    const codes = inspectImage(image, v.layout).problems.map((p) => p.code);
    expect(codes).toEqual(['ERR_VIRTQ_USED_ID', 'ERR_RPMSG_BAD_HEADER', 'ERR_VIRTQ_ADDR']);
  });

  it('refuses a header len larger than used.len − 16 and an NS message that is not 40 bytes', () => {
    const v = vectors.find((x) => x.name === 'mcu-compact/02-hello-pattern.bin')!;
    const image = v.image.slice();
    const view = new DataView(image.buffer);
    view.setUint16(0x100 + 12, 39, true); // NS message len 39
    view.setUint16(0x300 + 12, 497, true); // "hello" claims 497 bytes
    const result = inspectImage(image, v.layout);
    expect(result.problems.map((p) => p.code)).toEqual(['ERR_RPMSG_NS_MALFORMED', 'ERR_RPMSG_BAD_HEADER']);
    expect(result.messages.map((m) => m.len)).toEqual([39, 496]);
  });

  it('reports an image shorter than the layout and rings outside it', () => {
    const v = vectors.find((x) => x.name === 'mcu-compact/00-init.bin')!;
    const result = inspectImage(v.image.slice(0, 0x90), v.layout);
    expect(result.problems.map((p) => p.code)).toEqual(['ERR_RPMSG_LAYOUT', 'ERR_VIRTQ_ADDR']);
    expect(result.vrings.map((r) => r.name)).toEqual(['vq0']);
  });
});

describe.skipIf(!hasVectors)('formatInspect', () => {
  it('prints rings, messages with an ASCII preview, NS announcements and problems', () => {
    const v = vectors.find((x) => x.name === 'mcu-compact/02-hello-pattern.bin')!;
    const text = formatInspect(inspectImage(v.image, v.layout));
    expect(text).toContain('vq0  num 4  avail idx 4 flags 0x1  used idx 3 flags 0x0');
    expect(text).toContain('NS CREATE "rpmsg-tty" addr 30');
    expect(text).toContain('30 -> 1024  len 5  68656c6c6f  |hello|');
    expect(text).toContain('(+464 bytes)');
    expect(text).toContain('problems: none');
  });
});
