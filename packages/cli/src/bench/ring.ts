import {
  alignUp,
  DescriptorChain,
  MemoryRegion,
  VirtqueueDevice,
  VirtqueueDriver,
  vringSize,
} from '@rpmsg/virtio';
import { runRingPair } from '../ring-pair.js';

/** Ring-level figures (no RPMsg): what the virtqueue alone costs. */
export interface RingBenchResult {
  /** Which measurement: `single-thread` (both sides in one thread) or `two-thread` (two workers). */
  readonly kind: 'single-thread' | 'two-thread';
  /** Buffers posted together before one publish / kick (single-thread only). */
  readonly batch?: number;
  readonly payload: number;
  /** Complete buffer round trips (add → pop → push used → get) per second. */
  readonly buffersPerSec: number;
}

/**
 * Both sides of one ring in this thread: add `batch` buffers, publish once, pop and return them,
 * publish once, reap them. Counts complete round trips per second: the pure cost of the ring code.
 */
export function ringOpsSingleThread(batch: number, total: number, num = 256): RingBenchResult {
  const align = 4096;
  const base = 0x1000_0000;
  const ringBytes = alignUp(vringSize(num, align), align);
  const memory = new MemoryRegion(new SharedArrayBuffer(ringBytes + num * 512), { base });
  const options = { memory, addr: base, num, align, eventIdx: true };
  const driver = new VirtqueueDriver<number>(options);
  driver.reset();
  const device = new VirtqueueDevice(options);
  const chain = new DescriptorChain(num);
  const pool = base + ringBytes;
  const start = process.hrtime.bigint();
  let done = 0;
  while (done < total) {
    for (let i = 0; i < batch; i++) driver.addOutBuf(pool + i * 512, 16, i);
    driver.kickPrepare();
    while (device.popAvail(chain)) device.pushUsed(chain.headIndex, 0);
    device.publishUsed();
    device.shouldNotify();
    while (driver.getBuf() !== undefined) done++;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { kind: 'single-thread', batch, payload: 16, buffersPerSec: Math.round(done / seconds) };
}

/** A driver and a device in two workers; `total` buffers of `payload` bytes one way. */
export async function ringTwoThreads(payload: number, total: number): Promise<RingBenchResult> {
  const r = await runRingPair({ payload, total, eventIdx: true });
  return { kind: 'two-thread', payload, buffersPerSec: Math.round(total / (r.elapsedNs / 1e9)) };
}
