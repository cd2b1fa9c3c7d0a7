import { DESC_OWNERS, type DescOwner, type RingModel, type VringModel } from './ring-model.js';

/** Fill colour per owner (colour-blind-safe Tableau 10); the SVG and the page's legend share them. */
export const OWNER_COLORS: Readonly<Record<DescOwner, string>> = {
  available: '#4e79a7',
  'in-flight': '#f28e2b',
  used: '#59a14f',
  held: '#bab0ac',
};

/** Legend text per owner. */
export const OWNER_LABELS: Readonly<Record<DescOwner, string>> = {
  available: 'available to the device',
  'in-flight': 'in flight (taken by the device)',
  used: 'used / returned',
  held: 'free or held by a program',
};

const RING_W = 340;
const HEIGHT = 430;
const R_OUT = 135;
const R_IN = 100;
const CY = 175;

/**
 * Draws both vrings of `model` as a standalone SVG document: per vring a ring of descriptors, each a
 * `<g data-vring data-desc data-owner>` whose `<title>` names its owner and buffer, coloured by
 * owner; the descriptors the avail and used rings published last marked (`<g class="head"
 * data-head="avail|used">`); the indices and notification state in the middle; a legend with counts
 * below. Every attribute is a presentation attribute (no `style`), so the page can inline it under a
 * strict Content-Security-Policy.
 */
export function renderSvg(model: RingModel): string {
  const width = Math.max(1, model.vrings.length) * RING_W;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="rings" width="${width}" height="${HEIGHT}" viewBox="0 0 ${width} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
  ];
  model.vrings.forEach((v, i) => {
    parts.push(renderVring(v, i * RING_W + RING_W / 2));
  });
  if (model.vrings.length === 0) {
    parts.push(`<text x="10" y="20">no vring lies in the image</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function renderVring(v: VringModel, cx: number): string {
  const out = [`<g class="vring" data-vring-name="${v.name}">`];
  const step = (2 * Math.PI) / v.num;
  // A small gap tells neighbours apart while there is room for one; a full circle for a 1-slot ring.
  const span = v.num === 1 ? step * 0.999 : step * (v.num <= 128 ? 0.86 : 1);
  for (let d = 0; d < v.num; d++) {
    const owner = v.owners[d]!;
    const a0 = d * step - Math.PI / 2;
    const buf = v.buffers[d];
    const title = `${v.name} desc ${d}: ${OWNER_LABELS[owner]}${buf ? ` — ${buf.addr}, ${buf.len} B` : ''}`;
    out.push(
      `<g class="desc" data-vring="${v.name}" data-desc="${d}" data-owner="${owner}"><path d="${sector(cx, a0, a0 + span)}" fill="${OWNER_COLORS[owner]}"/><title>${escapeXml(title)}</title></g>`,
    );
  }
  out.push(head(v, cx, 'avail', step), head(v, cx, 'used', step));
  const dir = v.direction === 'remote-to-master' ? 'remote → master' : 'master → remote';
  const n = v.notify;
  const lines = [
    [`${v.name}`, 'bold'],
    [dir, ''],
    [`avail.idx ${v.avail.idx} · used.idx ${v.used.idx}`, ''],
    [`kick on post: ${n.kickOnAvail ? 'yes' : 'no'}`, ''],
    [`irq on return: ${n.interruptOnUsed ? 'yes' : 'no'}`, ''],
    [n.mode === 'event-idx' ? `event idx a:${n.availEvent} u:${n.usedEvent}` : 'flags', ''],
  ];
  lines.forEach(([text, weight], i) => {
    out.push(
      `<text x="${cx}" y="${CY - 38 + i * 15}" text-anchor="middle"${weight ? ' font-weight="bold"' : ''}>${escapeXml(text!)}</text>`,
    );
  });
  DESC_OWNERS.forEach((owner, i) => {
    const y = CY + R_OUT + 40 + i * 18;
    const x = cx - RING_W / 2 + 30;
    out.push(
      `<g class="legend" data-vring="${v.name}" data-legend="${owner}"><rect x="${x}" y="${y - 10}" width="12" height="12" fill="${OWNER_COLORS[owner]}"/><text x="${x + 18}" y="${y}">${escapeXml(OWNER_LABELS[owner])}: ${v.counts[owner]}</text></g>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}

/** A marker pointing at the descriptor the ring published last: outside the ring for avail, inside for used. */
function head(v: VringModel, cx: number, which: 'avail' | 'used', step: number): string {
  const side = v[which];
  if (side.last === null) return '';
  const a = side.last * step - Math.PI / 2 + step / 2;
  const outside = which === 'avail';
  const tip = outside ? R_OUT + 2 : R_IN - 2;
  const base = outside ? R_OUT + 16 : R_IN - 16;
  const w = 0.06 * (outside ? R_OUT / (R_OUT + 16) : 1);
  const p = (r: number, t: number) => `${fmt(cx + r * Math.cos(t))},${fmt(CY + r * Math.sin(t))}`;
  const title = `${which} head: ${which}.idx ${side.idx} (slot ${side.head}); published last: desc ${side.last}`;
  return `<g class="head" data-vring="${v.name}" data-head="${which}"><polygon points="${p(tip, a)} ${p(base, a - w)} ${p(base, a + w)}" fill="${outside ? '#222' : '#d62728'}"/><title>${escapeXml(title)}</title></g>`;
}

/** An annular sector between angles a0 and a1 (radians). */
function sector(cx: number, a0: number, a1: number): string {
  const large = a1 - a0 > Math.PI ? 1 : 0;
  const pt = (r: number, a: number) => `${fmt(cx + r * Math.cos(a))} ${fmt(CY + r * Math.sin(a))}`;
  return `M${pt(R_OUT, a0)}A${R_OUT} ${R_OUT} 0 ${large} 1 ${pt(R_OUT, a1)}L${pt(R_IN, a1)}A${R_IN} ${R_IN} 0 ${large} 0 ${pt(R_IN, a0)}Z`;
}

function fmt(n: number): string {
  return n.toFixed(1);
}

/** Escapes text for SVG/XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
