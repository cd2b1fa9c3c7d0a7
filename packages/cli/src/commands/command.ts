import type { ParseArgsConfig } from 'node:util';
import type { CommandIo } from './io.js';

/** What `parseArgs` made of a command line. */
export interface ParsedArgs {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: readonly string[];
}

/**
 * One `rpmsg` command: its command line and help text next to the function that runs it, so the
 * usage `rpmsg --help` and `rpmsg <command> --help` print cannot drift from what is parsed.
 */
export interface Command {
  readonly name: string;
  /** The command line, as `rpmsg --help` lists it: `demo [--profile linux|rpmsg-lite] [--rounds N]`. */
  readonly synopsis: string;
  /** One line for `rpmsg --help`. */
  readonly summary: string;
  /** What `rpmsg <command> --help` prints after the usage line: description, options, exit codes. */
  readonly help: string;
  /** The options `parseArgs` accepts (`--help` is added to every command). */
  readonly options: NonNullable<ParseArgsConfig['options']>;
  readonly allowPositionals?: boolean;
  /**
   * Checks the parsed arguments and runs. Resolves to the exit code.
   *
   * @throws {UsageError} for arguments that are wrong together or out of range (exit 2)
   */
  run(args: ParsedArgs, io: CommandIo): Promise<number>;
}

/**
 * A mistake on the command line (a missing option, a bad number): `main` prints the message and the
 * command's usage on stderr and exits 2. Never escapes `main`.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

/** The full help of `command`: usage line, then its help text. */
export function commandHelp(command: Command): string {
  return `usage: rpmsg ${command.synopsis}\n\n${command.help}`;
}

/** `--name N`: a positive integer, or `undefined` when the option is absent. */
export function positiveInteger(name: string, raw: string | boolean | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  // Number('') is 0 and Number('0x10') is 16: digits only, as a user types a count.
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive integer, got '${String(raw)}'`);
  return n;
}

/** Longest timer Node can set (ms); a longer one fires at once with a TimeoutOverflowWarning. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `--name S`: a positive number of seconds (fractions allowed), as milliseconds. */
export function seconds(name: string, raw: string | boolean | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const s = Number(raw);
  const ms = Math.round(s * 1000);
  if (typeof raw !== 'string' || !/^\d*\.?\d+$/.test(raw) || !(ms >= 1 && ms <= MAX_TIMER_MS)) {
    throw new UsageError(
      `--${name} must be a number of seconds from 0.001 to ${Math.floor(MAX_TIMER_MS / 1000)}, got '${String(raw)}'`,
    );
  }
  return ms;
}
