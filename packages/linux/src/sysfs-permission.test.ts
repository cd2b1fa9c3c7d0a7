import { describe, expect, it, vi } from 'vitest';

// A refused read of a sysfs attribute (EACCES under SELinux, AppArmor or a sandboxed /sys) must be
// reported as what it is, not read as "gone". The tests run as root, which no file mode stops, so
// node:fs answers EACCES for one path here.

const DENIED = '/board/sys/class/remoteproc/remoteproc0/state';

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    readFileSync: (path: unknown, ...rest: unknown[]) => {
      if (path === DENIED) {
        throw Object.assign(new Error(`EACCES: permission denied, open '${DENIED}'`), {
          code: 'EACCES',
          path: DENIED,
        });
      }
      return (fs.readFileSync as (...args: unknown[]) => unknown)(path, ...rest);
    },
  };
});

const { readAttribute } = await import('./sysfs.js');

describe('readAttribute', () => {
  it('throws ERR_RPMSG_LINUX_PERMISSION for EACCES instead of answering null (gone)', () => {
    expect(() => readAttribute(DENIED)).toThrow(
      expect.objectContaining({ code: 'ERR_RPMSG_LINUX_PERMISSION', errno: 'EACCES', path: DENIED }),
    );
    expect(() => readAttribute(DENIED)).toThrow(/security module/);
  });

  it('still answers null for an attribute that is not there', () => {
    expect(readAttribute('/board/sys/class/remoteproc/remoteproc9/state')).toBeNull();
  });
});
