import { constants } from 'node:os';

const MESSAGES: Record<string, string> = {
  EACCES: 'permission denied',
  EAGAIN: 'resource temporarily unavailable',
  EBADF: 'bad file descriptor',
  EBUSY: 'resource busy or locked',
  EINVAL: 'invalid argument',
  EIO: 'i/o error',
  EMSGSIZE: 'message too long',
  ENETRESET: 'connection reset by network',
  ENODEV: 'no such device',
  ENOENT: 'no such file or directory',
  ENOMEM: 'not enough memory',
  ENXIO: 'no such device or address',
  EPIPE: 'broken pipe',
};

/** A Node system error as `fs` makes them: `code`, negative `errno`, `syscall`, `path`. */
export function errnoError(code: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const number = (constants.errno as Record<string, number | undefined>)[code] ?? 0;
  const message = `${code}: ${MESSAGES[code] ?? 'error'}, ${syscall}${path === undefined ? '' : ` '${path}'`}`;
  return Object.assign(new Error(message), {
    code,
    errno: -number,
    syscall,
    ...(path === undefined ? {} : { path }),
  });
}
