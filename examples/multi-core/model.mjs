// What the cores say to each other, in one place: the sensor hub's readings are a pure function of
// their sequence number and the motor controller's duty a pure function of (target, position), so
// the A-core can check every line it gets — from either M4 — against what it should be.

/** The reading number `seq` of the sensor hub: the motor's shaft angle and winding temperature. */
export function reading(seq) {
  return { seq, pos: (seq * 7) % 360, temp: 35 + (seq % 20) / 10 };
}

export const formatReading = (r) => `seq=${r.seq} pos=${r.pos} temp=${r.temp.toFixed(1)}`;

/** The motor controller's law: proportional on the shortest way round, clamped to ±100 %. */
export function duty(target, pos) {
  const error = ((((target - pos) % 360) + 540) % 360) - 180;
  return Math.max(-100, Math.min(100, Math.round(0.8 * error)));
}

export const formatControl = (seq, pos, target) => {
  const d = duty(target, pos);
  return `seq=${seq} pos=${pos} target=${target} duty=${d >= 0 ? '+' : ''}${d}`;
};

/** `key=value key=value` → `{ key: value }`, numbers as numbers. */
export function parseLine(text) {
  return Object.fromEntries(
    text.split(' ').map((kv) => {
      const [k, v] = kv.split('=');
      return [k, Number.isNaN(Number(v)) ? v : Number(v)];
    }),
  );
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const encode = (text) => encoder.encode(text);
export const decode = (bytes) => decoder.decode(bytes);
