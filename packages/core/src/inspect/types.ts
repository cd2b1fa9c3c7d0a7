/** Ring indices and flags of one vring, as `rpmsg inspect --json` prints them. */
export interface InspectVring {
  /** `vq0` or `vq1`. */
  name: string;
  /** Ring size. */
  num: number;
  /** The driver's avail ring: free-running index and flags. */
  avail: { idx: number; flags: number };
  /** The device's used ring: free-running index and flags. */
  used: { idx: number; flags: number };
}

/** A decoded name-service payload. */
export interface InspectNs {
  /** Channel name. */
  name: string;
  /** Announced endpoint address. */
  addr: number;
  /** Raw flags (0 create, bit 0 destroy). */
  flags: number;
}

/** One message found in a buffer the producer of a vring published. */
export interface InspectMessage {
  /** The vring it was published on. */
  vring: string;
  /** Head descriptor index of its buffer. */
  desc: number;
  /** Header `src`. */
  src: number;
  /** Header `dst`. */
  dst: number;
  /** Header `len` (payload bytes). */
  len: number;
  /** Header `flags`. */
  flags: number;
  /** Payload bytes as lower-case hex. */
  payload: string;
  /** Present for a 40-byte message to the name service (address 53). */
  ns?: InspectNs;
}

/** Something wrong in the image, with a stable code (`ERR_VIRTQ_…`, `ERR_RPMSG_…`). */
export interface InspectProblem {
  /** Stable code. */
  code: string;
  /** What and where, for humans. */
  message: string;
}

/**
 * What `inspectImage` found: exactly the JSON `rpmsg inspect --json` prints (the output contract in
 * the @rpmsg/cli README, "rpmsg inspect").
 */
export interface InspectResult {
  /** Both vrings' indices and flags (a ring that lies outside the image is left out, with a problem). */
  vrings: InspectVring[];
  /** Per vring, the last min(num, idx) buffers its producer published, oldest first. */
  messages: InspectMessage[];
  /** Everything that could not be decoded. */
  problems: InspectProblem[];
}
