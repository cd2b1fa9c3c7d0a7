import { describe, expect, it } from 'vitest';
import { haveVectors, vector } from './fixtures/vectors.js';
import { ringModel } from './ring-model.js';
import { OWNER_COLORS, renderSvg } from './svg.js';

/** Descriptors drawn per vring and fill colour. */
function countFills(svg: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const m of svg.matchAll(
    /<g class="desc" data-vring="(vq\d)" data-desc="\d+" data-owner="[^"]+"><path d="[^"]+" fill="(#[0-9a-f]{6})"\/><title>/g,
  )) {
    const ring = out[m[1]!] ?? {};
    out[m[1]!] = ring;
    ring[m[2]!] = (ring[m[2]!] ?? 0) + 1;
  }
  return out;
}

describe.skipIf(!haveVectors)('renderSvg (on the shared vectors; skipped when ../shared is absent)', () => {
  it('draws every descriptor of a known state in its owner’s colour', () => {
    const svg = renderSvg(ringModel(vector('linux-compat', '02-hello-pattern')));
    expect(countFills(svg)).toEqual({
      vq0: { [OWNER_COLORS.available]: 253, [OWNER_COLORS.used]: 3 },
      vq1: { [OWNER_COLORS.used]: 256 },
    });
    expect(svg.match(/<title>/g)?.length).toBeGreaterThanOrEqual(512);
  });

  it('marks both heads and writes a legend with counts', () => {
    const svg = renderSvg(ringModel(vector('mcu-compact', '02-hello-pattern')));
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('data-head="avail"');
    expect(svg).toContain('data-head="used"');
    expect(svg).toContain('used / returned: 3');
    expect(svg).toContain('available to the device: 1');
    expect(svg).not.toContain('style=');
  });
});
