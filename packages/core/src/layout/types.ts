/** The two shared-memory layouts docs/layouts.md names. */
export type LayoutProfile = 'linux' | 'rpmsg-lite';

/** Which way messages travel on a vring (docs/architecture.md#roles-on-the-rings: vq0 remote→master, vq1 master→remote). */
export type VringDirection = 'remote-to-master' | 'master-to-remote';

/** Where one vring lives and how it is shaped. */
export interface VringInfo {
  /** `vq0` (remote→master, the master's RX) or `vq1` (master→remote, the master's TX). */
  readonly name: 'vq0' | 'vq1';
  /** Device address of the ring (its descriptor table). */
  readonly da: number;
  /** Ring size: a power of two, 1..32768. */
  readonly num: number;
  /** Used-ring alignment: a power of two. */
  readonly align: number;
  /** Which way messages travel on this ring. */
  readonly direction: VringDirection;
  /** Doorbell id the peer rings for this vring (rpmsg-lite: `linkId << 1 | vring`; linux: assigned by the master). */
  readonly notifyId: number;
}

/**
 * Where everything of one RPMsg link sits in a shared-memory region: the two vrings, the buffer
 * pool and (linux) the remoteproc resource table. Built by `createLayout`, read back by
 * `parseLayoutJson`, consumed by `VirtioTransport` and `inspectImage`. All addresses are device
 * addresses (`base` is the address of the region's first byte).
 */
export interface RpmsgLayout {
  /** Which profile placed things (docs/layouts.md, docs/interop.md). */
  readonly profile: LayoutProfile;
  /** Device address of the region's first byte. */
  readonly base: number;
  /** Region size in bytes. */
  readonly size: number;
  /** vq0 (remote→master) then vq1 (master→remote). */
  readonly vrings: readonly [VringInfo, VringInfo];
  /** Bytes per buffer, header included (512 as Linux). */
  readonly bufferSize: number;
  /** True when VIRTIO_RING_F_EVENT_IDX is used on both rings. */
  readonly eventIdx: boolean;
  /** Device address of the remoteproc resource table (linux profile). */
  readonly resourceTable?: number;
  /** Device address of the buffer pool: vq0's (RX) buffers first, then vq1's (TX). */
  readonly pool: number;
  /** RPMsg-Lite link id (notify id = `linkId << 1 | vring`). */
  readonly linkId?: number;
  /** Buffers per direction (= the vrings' `num`). */
  readonly numBuffers: number;
}

/** Device address of buffer `k` of the pool: RX buffers 0..N−1 (vq0), TX buffers N..2N−1 (vq1). */
export function bufferAddress(layout: RpmsgLayout, k: number): number {
  return layout.pool + k * layout.bufferSize;
}
