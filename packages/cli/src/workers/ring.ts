/**
 * One side of a bare virtqueue between two worker threads, for `rpmsg demo` (before the SoC) and the
 * ring section of `rpmsg bench`. The driver posts `total` filled buffers on the avail ring; the device
 * pops them, checks them and returns them on the used ring. Both sides follow docs/architecture.md#threads-and-notifications's sleep rule:
 * re-enable notifications, re-check the ring, then wait on the doorbell value read before the re-check.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DescriptorChain, MemoryRegion, VirtqueueDevice, VirtqueueDriver } from '@rpmsg/virtio';
import { Doorbells } from '../doorbell.js';
import {
  DOORBELL_DEVICE,
  DOORBELL_DRIVER,
  DOORBELL_GO,
  type RingWorkerData,
  type RingWorkerResult,
} from './ring-protocol.js';

const data = workerData as RingWorkerData;
const memory = new MemoryRegion(data.region, { base: data.base });
const doorbells = new Doorbells(data.doorbells);
const SLEEP_MS = 1000;

function waitForGo(): void {
  while (Atomics.load(doorbells.cells, DOORBELL_GO) === 0) doorbells.wait(DOORBELL_GO, 0, SLEEP_MS);
}

/** Fills slot `slot` with message number `seq`: the sequence number, then a pattern derived from it. */
function fill(offset: number, seq: number, len: number, verify: boolean): void {
  const u8 = memory.bytes;
  u8[offset] = seq & 0xff;
  u8[offset + 1] = (seq >>> 8) & 0xff;
  u8[offset + 2] = (seq >>> 16) & 0xff;
  u8[offset + 3] = (seq >>> 24) & 0xff;
  if (verify) for (let i = 4; i < len; i++) u8[offset + i] = (seq + i) & 0xff;
}

/** Returns the number of the message in a buffer, or -1 when its pattern is wrong. */
function check(offset: number, len: number, verify: boolean): number {
  const u8 = memory.bytes;
  const seq =
    (u8[offset]! | (u8[offset + 1]! << 8) | (u8[offset + 2]! << 16) | (u8[offset + 3]! << 24)) >>> 0;
  if (verify) for (let i = 4; i < len; i++) if (u8[offset + i] !== ((seq + i) & 0xff)) return -1;
  return seq;
}

function runDriver(): RingWorkerResult {
  let notifications = 0;
  const vq = new VirtqueueDriver<number>({
    memory,
    addr: data.ringAddr,
    num: data.num,
    align: data.align,
    eventIdx: data.eventIdx,
    notify: () => {
      notifications++;
      doorbells.ring(DOORBELL_DEVICE);
    },
  });
  vq.reset();
  const free: number[] = [];
  for (let slot = data.num - 1; slot >= 0; slot--) free.push(slot);
  vq.disableCb();
  waitForGo();
  const start = process.hrtime.bigint();
  let sent = 0;
  let completed = 0;
  let sleeps = 0;
  while (completed < data.total) {
    let progressed = false;
    while (sent < data.total && free.length > 0) {
      const slot = free.pop()!;
      const addr = data.poolAddr + slot * data.bufferSize;
      fill(memory.offsetOf(addr, data.payload), sent, data.payload, data.verify);
      vq.addOutBuf(addr, data.payload, slot);
      sent++;
      progressed = true;
    }
    if (progressed) vq.kick();
    for (let slot = vq.getBuf(); slot !== undefined; slot = vq.getBuf()) {
      free.push(slot);
      completed++;
      progressed = true;
    }
    if (progressed || completed === data.total) continue;
    if (spinUntil(() => vq.hasUsed())) continue;
    const seen = doorbells.seen(DOORBELL_DRIVER);
    if (!vq.enableCb()) continue; // used buffers arrived while re-enabling: poll again
    sleeps++;
    doorbells.wait(DOORBELL_DRIVER, seen, SLEEP_MS);
    vq.disableCb();
  }
  const elapsedNs = Number(process.hrtime.bigint() - start);
  return { role: 'driver', count: completed, elapsedNs, notifications, sleeps, errors: 0 };
}

function runDevice(): RingWorkerResult {
  let notifications = 0;
  const vq = new VirtqueueDevice({
    memory,
    addr: data.ringAddr,
    num: data.num,
    align: data.align,
    eventIdx: data.eventIdx,
  });
  const chain = new DescriptorChain(data.num);
  vq.disableNotification();
  waitForGo();
  const start = process.hrtime.bigint();
  let received = 0;
  let errors = 0;
  let sleeps = 0;
  while (received < data.total) {
    let popped = 0;
    while (vq.popAvail(chain)) {
      const len = chain.len(0);
      const seq = check(chain.offset(0), len, data.verify);
      if (seq !== received || len !== data.payload) errors++;
      vq.pushUsed(chain.headIndex, 0);
      received++;
      popped++;
    }
    if (popped > 0) {
      vq.publishUsed();
      if (vq.shouldNotify()) {
        notifications++;
        doorbells.ring(DOORBELL_DRIVER);
      }
      continue;
    }
    if (spinUntil(() => vq.hasAvail())) continue;
    const seen = doorbells.seen(DOORBELL_DEVICE);
    if (!vq.enableNotification()) continue; // buffers arrived while re-enabling: poll again
    sleeps++;
    doorbells.wait(DOORBELL_DEVICE, seen, SLEEP_MS);
    vq.disableNotification();
  }
  const elapsedNs = Number(process.hrtime.bigint() - start);
  return { role: 'device', count: received, elapsedNs, notifications, sleeps, errors };
}

/** Polls `ready` for up to `data.spin` iterations: trading CPU for wake-up latency. */
function spinUntil(ready: () => boolean): boolean {
  for (let i = 0; i < data.spin; i++) if (ready()) return true;
  return false;
}

try {
  parentPort!.postMessage(data.role === 'driver' ? runDriver() : runDevice());
} catch (error) {
  const e = error as { code?: string; message?: string };
  parentPort!.postMessage({ role: data.role, failed: `${e.code ?? 'Error'}: ${e.message ?? String(error)}` });
}
