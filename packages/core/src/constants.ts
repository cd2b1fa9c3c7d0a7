/**
 * RPMsg constants, spelled as in Linux `rpmsg.h` / `virtio_rpmsg_bus.c`, OpenAMP and RPMsg-Lite.
 * docs/wire-format.md fixes their values; peers on the wire depend on them.
 */

/** Address of the name-service endpoint on both sides (Linux `RPMSG_NS_ADDR`). */
export const RPMSG_NS_ADDR = 53;

/** "Any address": asks for a dynamic address, or marks an endpoint with no destination yet. */
export const RPMSG_ADDR_ANY = 0xffffffff;

/** Addresses below this are reserved for fixed services; dynamic addresses start here (Linux). */
export const RPMSG_RESERVED_ADDRESSES = 1024;

/** Feature bit: the name service is supported (virtio-rpmsg device feature 0); `@rpmsg/virtio`'s. */
export { VIRTIO_RPMSG_F_NS } from '@rpmsg/virtio';

/** Size of the RPMsg header in front of every payload: `src | dst | reserved | len | flags`. */
export const RPMSG_HEADER_SIZE = 16;

/** Bytes of the NUL-padded channel name in a name-service message (Linux `RPMSG_NAME_SIZE`). */
export const RPMSG_NAME_SIZE = 32;

/** Size of a name-service message: `name[32] | addr u32 | flags u32`. */
export const RPMSG_NS_MSG_SIZE = 40;

/** Name-service flag: a channel was created. */
export const RPMSG_NS_CREATE = 0;

/** Name-service flag bit: a channel was destroyed (receivers test `flags & RPMSG_NS_DESTROY`). */
export const RPMSG_NS_DESTROY = 1;

/** Default time a blocking send waits for a free TX buffer: 15 s, as Linux `rpmsg_send`. */
export const RPMSG_SEND_TIMEOUT_MS = 15_000;

/** Largest payload a header can describe (`len` is a u16). */
export const RPMSG_MAX_PAYLOAD = 0xffff;

/** Default bytes per buffer, header included (Linux virtio_rpmsg_bus `MAX_RPMSG_BUF_SIZE`). */
export const RPMSG_BUFFER_SIZE = 512;

/** Default buffers per direction (Linux virtio_rpmsg_bus `MAX_RPMSG_NUM_BUFS` / 2). */
export const RPMSG_NUM_BUFS = 256;

/** The channel name Linux's `rpmsg_tty` driver binds to (`/dev/ttyRPMSGn`); the tty's default. */
export const RPMSG_TTY_NAME = 'rpmsg-tty';
