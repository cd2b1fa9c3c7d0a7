import { isPowerOfTwo, MAX_QUEUE_SIZE, VRING_DESC_ALIGN_SIZE, vringSize } from '@rpmsg/virtio';
import { RPMSG_HEADER_SIZE, RPMSG_NS_MSG_SIZE } from '../constants.js';
import { RpmsgError } from '../errors.js';
import { RESOURCE_TABLE_SIZE } from './resource-table.js';
import type { LayoutProfile, RpmsgLayout, VringDirection, VringInfo } from './types.js';

const U32_MAX = 0xffff_ffff;
const NAMES = ['vq0', 'vq1'] as const;
const DIRECTIONS: readonly VringDirection[] = ['remote-to-master', 'master-to-remote'];

function fail(field: string, message: string): never {
  throw new RpmsgError('ERR_RPMSG_LAYOUT', `layout: "${field}" ${message}`, { field });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A number, or a string "0x…" (hex) or decimal digits; a non-negative integer ≤ `max`. */
function readNumber(obj: Record<string, unknown>, key: string, field: string, max = U32_MAX): number {
  const raw = obj[key];
  if (raw === undefined) fail(field, 'is missing');
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'string' && /^0x[0-9a-f]{1,8}$/i.test(raw))
    value = Number.parseInt(raw.slice(2), 16);
  else if (typeof raw === 'string' && /^[0-9]{1,10}$/.test(raw)) value = Number.parseInt(raw, 10);
  else fail(field, `must be a number or a "0x…" string, got ${JSON.stringify(raw)}`);
  if (!Number.isSafeInteger(value) || value < 0 || value > max)
    fail(field, `must be an integer in [0, ${max}], got ${value}`);
  return value;
}

function optionalNumber(obj: Record<string, unknown>, key: string, max = U32_MAX): number | undefined {
  return obj[key] === undefined ? undefined : readNumber(obj, key, key, max);
}

/**
 * Turns a layout JSON (docs/layouts.md, "The layout JSON") into a checked {@link RpmsgLayout}.
 * This is the one place a layout from outside (a file, a worker message, an object handed to
 * `inspectImage`) becomes trusted: numbers may be "0x…" strings, unknown keys are ignored, each
 * vring address is 16-byte aligned, and every range — rings, pool, resource table — must lie inside
 * the region `[base, base + size)` without overlapping another.
 *
 * @throws {RpmsgError} `ERR_RPMSG_LAYOUT` with `field` naming the missing or contradictory key
 */
export function parseLayoutJson(json: unknown): RpmsgLayout {
  if (!isRecord(json)) fail('(root)', 'must be an object');
  const profile = json.profile;
  if (profile === undefined) fail('profile', 'is missing');
  if (profile !== 'linux' && profile !== 'rpmsg-lite')
    fail('profile', `must be "linux" or "rpmsg-lite", got ${JSON.stringify(profile)}`);
  const base = readNumber(json, 'base', 'base');
  const size = readNumber(json, 'size', 'size');
  if (base + size > U32_MAX + 1) fail('size', 'runs past the 32-bit address space');
  const bufferSize = readNumber(json, 'bufferSize', 'bufferSize', 0x10000);
  if (bufferSize < RPMSG_HEADER_SIZE + RPMSG_NS_MSG_SIZE)
    fail('bufferSize', `must be at least ${RPMSG_HEADER_SIZE + RPMSG_NS_MSG_SIZE}`);
  const eventIdx = json.eventIdx ?? false;
  if (typeof eventIdx !== 'boolean') fail('eventIdx', 'must be a boolean');
  const linkId = optionalNumber(json, 'linkId', 0x7fff_ffff);

  const rawVrings = json.vrings;
  if (rawVrings === undefined) fail('vrings', 'is missing');
  if (!Array.isArray(rawVrings) || rawVrings.length !== 2)
    fail('vrings', 'must be an array of two vrings (vq0, vq1)');
  const vrings = rawVrings.map((raw: unknown, i) => readVring(raw, i, profile, linkId)) as [
    VringInfo,
    VringInfo,
  ];
  if (vrings[0].num !== vrings[1].num)
    fail('vrings[1].num', `(${vrings[1].num}) differs from vrings[0].num (${vrings[0].num})`);
  const numBuffers = vrings[0].num;

  const end = base + size;
  const ranges: { field: string; start: number; length: number }[] = [];
  const claim = (field: string, start: number, length: number) => {
    if (start < base || start + length > end)
      fail(field, `range [0x${start.toString(16)}, +${length}) is outside the region`);
    for (const r of ranges) {
      if (start < r.start + r.length && r.start < start + length) fail(field, `overlaps "${r.field}"`);
    }
    ranges.push({ field, start, length });
  };
  for (const [i, v] of vrings.entries()) claim(`vrings[${i}].da`, v.da, vringSize(v.num, v.align));

  const resourceTable = optionalNumber(json, 'resourceTable');
  if (resourceTable !== undefined) claim('resourceTable', resourceTable, RESOURCE_TABLE_SIZE);
  // Default pool: where the profile's C side puts it (rpmsg-lite: 2 × stride; linux: after vq1).
  const pool =
    optionalNumber(json, 'pool') ??
    (profile === 'rpmsg-lite'
      ? base + 2 * (vrings[1].da - vrings[0].da)
      : alignUpSafe(vrings[1].da + vringSize(numBuffers, vrings[1].align), vrings[1].align));
  claim('pool', pool, 2 * numBuffers * bufferSize);

  return {
    profile: profile as LayoutProfile,
    base,
    size,
    vrings,
    bufferSize,
    eventIdx,
    ...(resourceTable === undefined ? {} : { resourceTable }),
    pool,
    ...(profile === 'rpmsg-lite' ? { linkId: linkId ?? 0 } : linkId === undefined ? {} : { linkId }),
    numBuffers,
  };
}

function alignUpSafe(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

function readVring(raw: unknown, i: number, profile: LayoutProfile, linkId: number | undefined): VringInfo {
  const at = `vrings[${i}]`;
  if (!isRecord(raw)) fail(at, 'must be an object');
  const name = raw.name ?? NAMES[i];
  if (name !== NAMES[i]) fail(`${at}.name`, `must be "${NAMES[i]}", got ${JSON.stringify(name)}`);
  const direction = raw.direction ?? DIRECTIONS[i];
  if (direction !== DIRECTIONS[i])
    fail(`${at}.direction`, `must be "${DIRECTIONS[i]}" for ${NAMES[i]}, got ${JSON.stringify(direction)}`);
  const da = readNumber(raw, 'da', `${at}.da`);
  // virtio 1.2 §2.7: the descriptor table is 16-byte aligned; the ring code refuses any other address.
  if (da % VRING_DESC_ALIGN_SIZE !== 0)
    fail(`${at}.da`, `must be ${VRING_DESC_ALIGN_SIZE}-byte aligned, got 0x${da.toString(16)}`);
  const num = readNumber(raw, 'num', `${at}.num`, MAX_QUEUE_SIZE);
  if (!isPowerOfTwo(num)) fail(`${at}.num`, `must be a power of two in [1, ${MAX_QUEUE_SIZE}], got ${num}`);
  const align = readNumber(raw, 'align', `${at}.align`, 0x10000);
  if (!isPowerOfTwo(align) || align < 4) fail(`${at}.align`, `must be a power of two ≥ 4, got ${align}`);
  const defaultNotify = profile === 'rpmsg-lite' ? (linkId ?? 0) * 2 + i : i;
  const notifyId = raw.notifyId === undefined ? defaultNotify : readNumber(raw, 'notifyId', `${at}.notifyId`);
  return { name: NAMES[i], da, num, align, direction: DIRECTIONS[i], notifyId } as VringInfo;
}

/**
 * The layout as its JSON (docs/layouts.md), addresses as "0x…" strings (what `rpmsg inspect --layout` reads
 * and {@link parseLayoutJson} takes back unchanged).
 */
export function layoutToJson(layout: RpmsgLayout): Record<string, unknown> {
  const hex = (n: number) => `0x${n.toString(16)}`;
  return {
    profile: layout.profile,
    base: hex(layout.base),
    size: layout.size,
    vrings: layout.vrings.map((v) => ({
      name: v.name,
      da: hex(v.da),
      num: v.num,
      align: v.align,
      direction: v.direction,
      notifyId: v.notifyId,
    })),
    bufferSize: layout.bufferSize,
    eventIdx: layout.eventIdx,
    ...(layout.resourceTable === undefined ? {} : { resourceTable: hex(layout.resourceTable) }),
    pool: hex(layout.pool),
    ...(layout.linkId === undefined ? {} : { linkId: layout.linkId }),
  };
}
