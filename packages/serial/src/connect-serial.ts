import {
  checkMilliseconds,
  checkOptions,
  MAX_TIMER_MS,
  OutOfRangeError,
  RpmsgDevice,
  type RpmsgDeviceOptions,
} from '@rpmsg/core';
import { SerialError } from './errors.js';
import { checkPortOptions, type PortOptions, portOpener } from './port-stream.js';
import { SerialTransport, type SerialTransportOptions } from './serial-transport.js';

/** Options of {@link connectSerial}: the port, link tuning and the device's own options. */
export interface ConnectSerialOptions extends PortOptions, Omit<SerialTransportOptions, 'port' | 'role'> {
  /** Longest wait for the first handshake (ms), 1..2147483647 (a timer's range). Default 10000. */
  timeout?: number;
  /** Aborts the connection attempt. */
  signal?: AbortSignal;
  /** Options of the `RpmsgDevice` (send timeout, name service, clock). */
  device?: RpmsgDeviceOptions;
}

/**
 * Opens a serial port (or `tcp://host:port` for ser2net), runs the HELLO handshake with the MCU and
 * returns an `RpmsgDevice` whose remote is the MCU: its channels, endpoints and tty streams work
 * exactly as over the simulated SoC. The port is reopened by itself when it disappears and comes
 * back; the device emits `down` and `up`, and the MCU re-announces its channels.
 * `device.transport` is the {@link SerialTransport} (stats, peer HELLO).
 *
 * @example
 * const device = await connectSerial({ path: '/dev/ttyACM0', baudRate: 115200 });
 * const ep = await device.openChannel('rpmsg-echo');
 * ep.on('message', (p) => console.log(new TextDecoder().decode(p)));
 * await ep.send(new TextEncoder().encode('hello'));
 *
 * A device path's line speed (`baudRate`, default 115200) is announced in HELLO and times the wire
 * in the link timeout (docs/serial-protocol.md §6); a `tcp://` path announces none unless
 * `baudRate` is given.
 *
 * @throws {SerialError} `ERR_SERIAL_OPEN` when the port cannot be opened, `ERR_SERIAL_TIMEOUT` when
 *   no handshake completes within `timeout`
 * @throws {AbortError} when `signal` aborts first
 * @throws argument errors (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`) for
 *   bad options, naming the option
 */
export async function connectSerial(options: ConnectSerialOptions): Promise<RpmsgDevice> {
  const {
    path,
    baudRate,
    watchIntervalMs,
    timeout = 10_000,
    signal,
    device: deviceOptions,
    ...link
  } = checkOptions('options', options);
  const tcp = checkPortOptions({ path, baudRate, watchIntervalMs });
  checkMilliseconds('options.timeout', timeout, 1, false);
  if (timeout > MAX_TIMER_MS) {
    throw new OutOfRangeError('options.timeout', `a number >= 1 and <= ${MAX_TIMER_MS}`, timeout);
  }
  const transport = new SerialTransport({
    ...link,
    baudRate: baudRate ?? (tcp === null ? 115200 : undefined),
    port: portOpener({ path, baudRate, watchIntervalMs }),
  });
  const device = new RpmsgDevice(transport, deviceOptions);
  const timer = new AbortController();
  const handle = setTimeout(() => timer.abort(), timeout);
  const combined = signal ? AbortSignal.any([signal, timer.signal]) : timer.signal;
  try {
    await device.start(combined);
    return device;
  } catch (error) {
    await device.close().catch(() => {});
    if (timer.signal.aborted && !signal?.aborted) {
      throw new SerialError('ERR_SERIAL_TIMEOUT', `no HELLO handshake on ${path} within ${timeout} ms`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    clearTimeout(handle);
  }
}
