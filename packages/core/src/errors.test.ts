import { VirtioError } from '@rpmsg/virtio';
import { describe, expect, it } from 'vitest';
import { isRpmsgError, RpmsgError } from './errors.js';

describe('isRpmsgError', () => {
  it('knows an RpmsgError, also one from another copy of the package', () => {
    expect(isRpmsgError(new RpmsgError('ERR_RPMSG_TIMEOUT', 'late'))).toBe(true);
    // A worker's bundled copy makes errors of its own class: same name and code, another prototype.
    const foreign = Object.assign(new Error('late'), { name: 'RpmsgError', code: 'ERR_RPMSG_TIMEOUT' });
    expect(isRpmsgError(foreign)).toBe(true);
  });

  it('refuses everything else', () => {
    expect(isRpmsgError(new VirtioError('ERR_VIRTQ_BROKEN', 'broken'))).toBe(false);
    expect(isRpmsgError(Object.assign(new Error('x'), { name: 'RpmsgError', code: 'ENOENT' }))).toBe(false);
    expect(isRpmsgError(Object.assign(new Error('x'), { code: 'ERR_RPMSG_TIMEOUT' }))).toBe(false);
    expect(isRpmsgError({ name: 'RpmsgError', code: 'ERR_RPMSG_TIMEOUT' })).toBe(false);
    expect(isRpmsgError(null)).toBe(false);
  });
});
