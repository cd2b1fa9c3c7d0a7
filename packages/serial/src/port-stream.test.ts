import { describe, expect, it } from 'vitest';
import { connectSerial } from './connect-serial.js';
import { openPort, parseTcpPath, portOpener } from './port-stream.js';

describe('parseTcpPath', () => {
  it('reads tcp://host:port (ser2net) and leaves device paths alone', () => {
    expect(parseTcpPath('tcp://lab-host:3001')).toEqual({ host: 'lab-host', port: 3001 });
    expect(parseTcpPath('tcp://[::1]:4000')).toEqual({ host: '::1', port: 4000 });
    expect(parseTcpPath('/dev/ttyACM0')).toBeNull();
    expect(parseTcpPath('COM3')).toBeNull();
  });

  it('rejects a malformed tcp:// path naming it, with an argument error code', () => {
    expect(() => parseTcpPath('tcp://host')).toThrow(TypeError);
    expect(() => parseTcpPath('tcp://host')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }),
    );
    expect(() => parseTcpPath('tcp://host:70000')).toThrow(RangeError);
    expect(() => parseTcpPath('tcp://host:70000')).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }),
    );
    expect(() => parseTcpPath('')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => parseTcpPath(7 as unknown as string)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    );
  });
});

describe('port options', () => {
  it('are checked when the opener is made, before any open', () => {
    const code = (options: object) => {
      try {
        portOpener(options as never);
        return 'ok';
      } catch (error) {
        return (error as { code: string }).code;
      }
    };
    expect(code({ path: '/dev/ttyACM0', baudRate: 0 })).toBe('ERR_OUT_OF_RANGE');
    expect(code({ path: '/dev/ttyACM0', baudRate: '115200' })).toBe('ERR_INVALID_ARG_TYPE');
    expect(code({ path: '/dev/ttyACM0', watchIntervalMs: -1 })).toBe('ERR_OUT_OF_RANGE');
    expect(code({ path: undefined })).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(null as never)).toBe('ERR_INVALID_ARG_TYPE');
    expect(code({ path: '/dev/ttyACM0' })).toBe('ok');
  });

  it('reject openPort and connectSerial with the argument error', async () => {
    await expect(openPort({ path: 42 as unknown as string })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    await expect(connectSerial({ path: '/dev/null', timeout: -1 })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    await expect(connectSerial({ path: '/dev/null', timeout: Number.NaN })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
    await expect(connectSerial({ path: '/dev/null', keepAliveMs: 0 })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
    });
  });
});

describe('openPort', () => {
  it('fails with ERR_SERIAL_OPEN and the OS error as cause for a missing device', async () => {
    const err = await openPort({ path: '/dev/does-not-exist-rpmsg' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_SERIAL_OPEN' });
    expect((err as Error).cause).toBeDefined();
  });

  it('fails with ERR_SERIAL_OPEN when nothing listens on the TCP port', async () => {
    await expect(openPort({ path: 'tcp://127.0.0.1:1' })).rejects.toMatchObject({ code: 'ERR_SERIAL_OPEN' });
  });
});
