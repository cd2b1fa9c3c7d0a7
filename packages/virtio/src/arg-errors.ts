/**
 * Errors for bad arguments and options, shaped as Node's own (`ERR_INVALID_ARG_TYPE`,
 * `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`): a `TypeError` or `RangeError` with a stable `code`,
 * so users test for the same codes they know from `fs` or `net`. Every package of rpmsg-js throws
 * these for caller mistakes (the lowest layer owns them; `@rpmsg/core` re-exports them).
 */

/** The codes of caller mistakes, as Node names them. */
export type ArgErrorCode = 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE' | 'ERR_OUT_OF_RANGE';

/** An argument of the wrong type (a string where a number belongs, `null` for an object). */
export class InvalidArgTypeError extends TypeError {
  override readonly name = 'TypeError';
  readonly code = 'ERR_INVALID_ARG_TYPE';
  /** The argument or option, e.g. `options.watchdog`. */
  readonly argument: string;
  constructor(argument: string, expected: string, actual: unknown) {
    super(`The "${argument}" argument must be ${expected}. Received ${describe(actual)}`);
    this.argument = argument;
  }
}

/** An argument of the right type whose value is not allowed (an empty name, an unknown mode). */
export class InvalidArgValueError extends TypeError {
  override readonly name = 'TypeError';
  readonly code = 'ERR_INVALID_ARG_VALUE';
  readonly argument: string;
  constructor(argument: string, reason: string, actual: unknown) {
    super(`The "${argument}" argument ${reason}. Received ${describe(actual)}`);
    this.argument = argument;
  }
}

/** A number outside its range (negative, not an integer, NaN, too large). */
export class OutOfRangeError extends RangeError {
  override readonly name = 'RangeError';
  readonly code = 'ERR_OUT_OF_RANGE';
  readonly argument: string;
  constructor(argument: string, range: string, actual: unknown) {
    super(`The value of "${argument}" is out of range. It must be ${range}. Received ${describe(actual)}`);
    this.argument = argument;
  }
}

/** Any of the three argument errors. */
export type ArgError = InvalidArgTypeError | InvalidArgValueError | OutOfRangeError;

/** True for an error this module made (by `code`, so it works across copies of the package). */
export function isArgError(err: unknown): err is ArgError {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    err instanceof Error &&
    (code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_ARG_VALUE' || code === 'ERR_OUT_OF_RANGE')
  );
}

/**
 * Checks an integer argument in `[min, max]`.
 *
 * @throws {InvalidArgTypeError} not a number
 * @throws {OutOfRangeError} NaN, not an integer, or outside the range
 */
export function checkInteger(argument: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw new InvalidArgTypeError(argument, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new OutOfRangeError(argument, `an integer >= ${min} and <= ${max}`, value);
  }
  return value;
}

/**
 * Checks a duration in milliseconds: a finite number ≥ `min`, or `Infinity` when `allowInfinity`.
 *
 * @throws {InvalidArgTypeError} not a number
 * @throws {OutOfRangeError} NaN, below `min`, or `Infinity` where it is not allowed
 */
export function checkMilliseconds(argument: string, value: unknown, min = 0, allowInfinity = true): number {
  if (typeof value !== 'number') throw new InvalidArgTypeError(argument, 'of type number', value);
  const ok = value === Number.POSITIVE_INFINITY ? allowInfinity : Number.isFinite(value) && value >= min;
  if (!ok) {
    const range = allowInfinity ? `a number >= ${min} or Infinity` : `a finite number >= ${min}`;
    throw new OutOfRangeError(argument, range, value);
  }
  return value;
}

/**
 * Checks a boolean argument.
 *
 * @throws {InvalidArgTypeError} anything but `true` or `false`
 */
export function checkBoolean(argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidArgTypeError(argument, 'of type boolean', value);
  return value;
}

/**
 * Checks a function argument.
 *
 * @throws {InvalidArgTypeError} anything but a function
 */
export function checkFunction<T extends (...args: never[]) => unknown>(argument: string, value: unknown): T {
  if (typeof value !== 'function') throw new InvalidArgTypeError(argument, 'of type function', value);
  return value as T;
}

/**
 * Checks an options argument: `undefined` gives `{}`; anything but a plain object is refused.
 *
 * @throws {InvalidArgTypeError} `null`, an array, or a primitive
 */
export function checkOptions<T extends object>(argument: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgTypeError(argument, 'of type object', value);
  }
  return value;
}

/**
 * Checks that `value` is one of `allowed`.
 *
 * @throws {InvalidArgValueError} naming the allowed values
 */
export function checkOneOf<T extends string | number | boolean>(
  argument: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value as T)) {
    throw new InvalidArgValueError(
      argument,
      `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`,
      value,
    );
  }
  return value as T;
}

/** How Node's messages show the received value: its type, and the value when it is short. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return `function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const ctor = (value as object).constructor?.name;
    return ctor ? `an instance of ${ctor}` : 'an object';
  }
  let shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `type ${typeof value} (${shown})`;
}
