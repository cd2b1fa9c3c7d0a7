import { describe, expect, it } from 'vitest';
import { openPort, parseTcpPath } from './port-stream.js';

describe('parseTcpPath', () => {
  it('reads tcp://host:port (ser2net) and leaves device paths alone', () => {
    expect(parseTcpPath('tcp://lab-host:3001')).toEqual({ host: 'lab-host', port: 3001 });
    expect(parseTcpPath('tcp://[::1]:4000')).toEqual({ host: '::1', port: 4000 });
    expect(parseTcpPath('/dev/ttyACM0')).toBeNull();
    expect(parseTcpPath('COM3')).toBeNull();
  });

  it('rejects a malformed tcp:// path naming it', () => {
    expect(() => parseTcpPath('tcp://host')).toThrow(TypeError);
    expect(() => parseTcpPath('tcp://host:70000')).toThrow(RangeError);
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
