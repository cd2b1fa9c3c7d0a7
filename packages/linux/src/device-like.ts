import type { SendOptions, WaitOptions } from '@rpmsg/core';

/** A channel as an application sees it, on the simulator (`Channel`) or a board (`LinuxChannel`). */
export interface ChannelLike {
  readonly name: string;
  readonly remoteAddr: number;
  readonly removed: boolean;
}

/**
 * An endpoint as an application uses it, met by `@rpmsg/core`'s `Endpoint` and by
 * {@link LinuxEndpoint}: type an application against this and it runs on both.
 */
export interface EndpointLike {
  readonly mtu: number;
  readonly destroyed: boolean;
  send(data: Uint8Array, options?: SendOptions): Promise<void>;
  trySend(data: Uint8Array): void;
  on(event: 'message', listener: (payload: Uint8Array, src: number) => void): unknown;
  off(event: 'message', listener: (payload: Uint8Array, src: number) => void): unknown;
  once(event: 'close', listener: () => void): unknown;
  destroy(): void;
}

/**
 * A device as an application uses it, met by `@rpmsg/core`'s `RpmsgDevice` (the simulator's
 * `soc.master`) and by {@link LinuxRpmsgDevice}: the "same API" of the two worlds. `openTty` of this
 * package takes it too.
 */
export interface RpmsgDeviceLike {
  channels(): readonly ChannelLike[];
  waitForChannel(name: string, options?: WaitOptions): Promise<ChannelLike>;
  openChannel(name: string, options?: WaitOptions): Promise<EndpointLike>;
}
