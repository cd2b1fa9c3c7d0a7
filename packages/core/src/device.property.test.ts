import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RpmsgDevice } from './device.js';
import type { Endpoint } from './endpoint.js';
import type { HeldMessage } from './rx-message.js';
import { createMockTransportPair, FakeClock } from './testing/index.js';

type Side = 0 | 1;
type Op =
  | { kind: 'create'; side: Side }
  | { kind: 'destroy'; side: Side; pick: number }
  | { kind: 'send'; side: Side; from: number; to: number; size: number; hold: boolean; zeroCopy: boolean }
  | { kind: 'release'; side: Side }
  | { kind: 'settle' };

const side = fc.constantFrom<Side>(0, 1);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), side }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('destroy' as const), side, pick: fc.nat() }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('send' as const),
      side,
      from: fc.nat(),
      to: fc.nat(),
      size: fc.oneof(fc.constantFrom(0, 4, 496), fc.integer({ min: 4, max: 496 })),
      hold: fc.boolean(),
      zeroCopy: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('release' as const), side }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('settle' as const) }) },
);

/** Payload: u32 sequence number of its (src, dst) pair, then a fill derived from it. */
function payloadFor(seq: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (size >= 4) new DataView(out.buffer).setUint32(0, seq, true);
  for (let i = 4; i < size; i++) out[i] = (seq + i) & 0xff;
  return out;
}

describe('RpmsgDevice (property)', () => {
  it('random create/destroy/send both ways: no loss, duplication or reordering per endpoint pair; pools refill', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        async (ops, buffers) => {
          const pair = createMockTransportPair({ buffers, record: false });
          const clock = new FakeClock(); // never advanced: no send may time out
          const devices = [
            new RpmsgDevice(pair.master, { clock }),
            new RpmsgDevice(pair.remote, { clock }),
          ] as const;
          await Promise.all(devices.map((d) => d.start()));
          const live: [Endpoint[], Endpoint[]] = [[], []];
          const held: [HeldMessage[], HeldMessage[]] = [[], []];
          const sent = new Map<string, Uint8Array[]>(); // "side:src>dst" → payloads in send order
          const got = new Map<string, Uint8Array[]>();
          const pending: Promise<unknown>[] = [];
          const holdNext = new Set<string>();

          // Releases holds until every queued send went out and nothing is in flight.
          const drain = async () => {
            for (let round = 0; round < 1000; round++) {
              for (const s of [0, 1] as const) for (const h of held[s].splice(0)) h.release();
              await pair.settle();
              const done = await Promise.race([
                Promise.all(pending).then(() => true),
                Promise.resolve(false),
              ]);
              if (done && held[0].length === 0 && held[1].length === 0) break;
            }
            await Promise.all(pending);
            await pair.settle();
          };

          const create = (s: Side) => {
            const ep = devices[s].createEndpoint();
            ep.on('message', (payload: Uint8Array, src: number, msg) => {
              const key = `${s === 0 ? 1 : 0}:${src}>${ep.addr}`; // sender side first: both sides use 1024…
              const list = got.get(key) ?? [];
              list.push(payload.slice());
              got.set(key, list);
              const holdKey = `${key}#${list.length}`;
              if (holdNext.delete(holdKey)) held[s].push(msg.hold());
            });
            live[s].push(ep);
          };

          for (const o of ops) {
            if (o.kind === 'create') create(o.side);
            else if (o.kind === 'destroy') {
              const list = live[o.side];
              if (list.length === 0) continue;
              // Its queued sends go out and messages in flight to it arrive first: destroying an endpoint
              // rightly rejects its queued sends (ERR_RPMSG_ENDPOINT_DESTROYED) and drops what comes late.
              await drain();
              const [ep] = list.splice(o.pick % list.length, 1);
              ep?.destroy();
            } else if (o.kind === 'send') {
              const from = live[o.side];
              const to = live[o.side === 0 ? 1 : 0];
              if (from.length === 0 || to.length === 0) continue;
              const src = from[o.from % from.length] as Endpoint;
              const dst = to[o.to % to.length] as Endpoint;
              const key = `${o.side}:${src.addr}>${dst.addr}`;
              const list = sent.get(key) ?? [];
              const data = payloadFor(list.length, o.size);
              list.push(data);
              sent.set(key, list);
              if (o.hold) holdNext.add(`${key}#${list.length}`);
              // Zero-copy only when a buffer is free now (tryGetTxBuffer is null while senders queue), so
              // the message leaves at this point of the sequence like a copying send would.
              const tx = o.zeroCopy ? src.tryGetTxBuffer() : null;
              if (tx) {
                tx.payload.set(data);
                tx.send(data.length, dst.addr);
              } else pending.push(src.sendTo(dst.addr, data));
            } else if (o.kind === 'release') {
              for (const h of held[o.side].splice(0)) h.release();
            } else await pair.settle();
          }
          await drain();

          expect([...got.keys()].sort()).toEqual([...sent.keys()].sort());
          for (const [key, list] of sent) expect(got.get(key)).toEqual(list);
          for (const d of devices) {
            expect(d.stats.txFree).toBe(d.stats.txTotal);
            expect(d.stats.rxHeld).toBe(0);
            expect(d.stats.dropped).toBe(0);
            expect(d.stats.malformed).toBe(0);
          }
          await Promise.all(devices.map((d) => d.close()));
        },
      ),
      { numRuns: 150 },
    );
  });
});
