import { describe, expect, it } from 'vitest';
import { permissionAdvice, systemError, UDEV_RULES } from './advice.js';
import { errnoOf, isLinuxRpmsgError, LinuxRpmsgError } from './errors.js';
import { errnoError } from './testing/index.js';

describe('LinuxRpmsgError', () => {
  it('carries code, path, errno and cause', () => {
    const cause = errnoError('EACCES', 'open', '/dev/rpmsg0');
    const e = new LinuxRpmsgError('ERR_RPMSG_LINUX_PERMISSION', 'nope', {
      path: '/dev/rpmsg0',
      errno: 'EACCES',
      cause,
    });
    expect(e).toMatchObject({
      name: 'LinuxRpmsgError',
      code: 'ERR_RPMSG_LINUX_PERMISSION',
      path: '/dev/rpmsg0',
      errno: 'EACCES',
    });
    expect(e.cause).toBe(cause);
    expect(isLinuxRpmsgError(e)).toBe(true);
  });

  it('is recognised across copies of the package by name and code', () => {
    const copy = Object.assign(new Error('x'), { name: 'LinuxRpmsgError', code: 'ERR_RPMSG_LINUX_BUSY' });
    expect(isLinuxRpmsgError(copy)).toBe(true);
    expect(isLinuxRpmsgError(Object.assign(new Error('x'), { code: 'ERR_RPMSG_LINUX_BUSY' }))).toBe(false);
    expect(isLinuxRpmsgError('ERR_RPMSG_LINUX_BUSY')).toBe(false);
  });
});

describe('errnoOf', () => {
  it('returns the errno code of a system error only', () => {
    expect(errnoOf(errnoError('EPIPE', 'read'))).toBe('EPIPE');
    expect(errnoOf(Object.assign(new Error(), { code: 'ERR_RPMSG_TIMEOUT' }))).toBeUndefined();
    expect(errnoOf(null)).toBeUndefined();
  });
});

describe('systemError', () => {
  it('turns EACCES and EPERM into ERR_RPMSG_LINUX_PERMISSION with the udev rule for the kind of file', () => {
    for (const code of ['EACCES', 'EPERM']) {
      const e = systemError(errnoError(code, 'open'), '/dev/ttyRPMSG0', 'rpmsg-tty', 'open /dev/ttyRPMSG0');
      expect(e).toMatchObject({ code: 'ERR_RPMSG_LINUX_PERMISSION', errno: code, path: '/dev/ttyRPMSG0' });
      expect(e.message).toContain(UDEV_RULES['rpmsg-tty']);
    }
    expect(permissionAdvice('remoteproc-attribute')).toContain('SUBSYSTEM=="remoteproc"');
  });

  it('turns EBUSY into ERR_RPMSG_LINUX_BUSY with the advice given', () => {
    const e = systemError(
      errnoError('EBUSY', 'open'),
      '/dev/rpmsg0',
      'rpmsg-char',
      'open',
      'close the other one',
    );
    expect(e).toMatchObject({ code: 'ERR_RPMSG_LINUX_BUSY' });
    expect(e.message).toContain('close the other one');
  });

  it('keeps anything else as ERR_RPMSG_LINUX_IO with the Node error as cause', () => {
    const cause = errnoError('EIO', 'write');
    const e = systemError(cause, '/x', 'rpmsg-attribute', 'write');
    expect(e).toMatchObject({ code: 'ERR_RPMSG_LINUX_IO', errno: 'EIO' });
    expect(e.cause).toBe(cause);
  });
});
