// The rings the one-thread benches of this folder run on: a linux-profile layout (256 buffers a
// ring, EVENT_IDX) in one SharedArrayBuffer with its resource table, and a bare VirtioTransport for
// each side. No doorbells: the bench's thread polls both sides itself. `core` and `virtio` are the
// module namespaces of @rpmsg/core and @rpmsg/virtio — of this checkout, or of another build's dist
// when a bench compares two builds.

/** A fresh pair of rings: `{ layout, masterRings, remoteRings }`, both transports not started. */
export function ringPair(core, virtio) {
  const layout = core.createLayout('linux', { numBuffers: 256, eventIdx: true });
  const memory = new virtio.MemoryRegion(new SharedArrayBuffer(layout.size), { base: layout.base });
  const features =
    virtio.featureBit(virtio.VIRTIO_RPMSG_F_NS) | virtio.featureBit(virtio.VIRTIO_RING_F_EVENT_IDX);
  core.writeResourceTable(memory, layout, { dfeatures: features });
  const notify = () => {};
  return {
    layout,
    masterRings: new core.VirtioTransport({ role: 'master', layout, memory, notify }),
    remoteRings: new core.VirtioTransport({ role: 'remote', layout, memory, notify }),
  };
}
