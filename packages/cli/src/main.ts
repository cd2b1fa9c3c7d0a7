import { parseArgs } from 'node:util';
import { InvalidArgTypeError } from '@rpmsg/virtio';
import { type Command, commandHelp, UsageError } from './commands/command.js';
import { type CommandIo, processIo } from './commands/io.js';
import { COMMANDS } from './commands/registry.js';
import { cliVersion } from './version.js';

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

function usage(): string {
  const rows: [string, string][] = COMMANDS.map((c) => [c.synopsis, c.summary]);
  rows.push(['help [<command>]', "this text, or a command's options"]);
  const lines = rows.map(([synopsis, summary]) =>
    synopsis.length <= 28
      ? `  ${synopsis.padEnd(30)}${summary}`
      : `  ${synopsis}\n  ${''.padEnd(30)}${summary}`,
  );
  return `usage: rpmsg <command> [options]

commands:
${lines.join('\n')}

options:
  -h, --help                    this text; rpmsg <command> --help: the command's options
  -v, --version                 the version of @rpmsg/cli

exit status: 0 success, 1 failure (the error's code on stderr), 2 usage error`;
}

/**
 * Runs the `rpmsg` command with `argv` (without node and script). Resolves to the exit code; never
 * throws for a mistake on the command line — it prints the problem and the usage on stderr and
 * resolves to 2. Help goes to stdout (exit 0); a bare `rpmsg` prints the usage on stderr (exit 2).
 *
 * @throws {InvalidArgTypeError} `ERR_INVALID_ARG_TYPE` (as a rejection) when `argv` is not an array
 *   of strings or `io` lacks `out`, `err` or `progress`
 */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  checkArgv(argv);
  checkIo(io);
  const [first, ...rest] = argv;
  if (first === undefined) {
    io.err(usage());
    return 2;
  }
  if (first === '--help' || first === '-h') return help(io);
  if (first === '--version' || first === '-v') {
    io.out(cliVersion());
    return 0;
  }
  if (first === 'help') {
    if (rest.length === 0) return help(io);
    const command = COMMANDS.find((c) => c.name === rest[0]);
    if (command === undefined || rest.length > 1)
      return usageError(io, `unknown command '${rest.join(' ')}'`);
    io.out(commandHelp(command));
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command === undefined) {
    return usageError(io, first.startsWith('-') ? `unknown option '${first}'` : `unknown command '${first}'`);
  }
  return run(command, rest, io);
}

async function run(command: Command, args: string[], io: CommandIo): Promise<number> {
  const options = { ...command.options, ...HELP_OPTION };
  // --help wins over every other mistake on the line, as in git or npm: look for it first.
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) {
    io.out(commandHelp(command));
    return 0;
  }
  try {
    const parsed = parseArgs({ args, options, allowPositionals: command.allowPositionals === true });
    return await command.run(parsed, io);
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown };
    if (error instanceof UsageError || (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')))
      return usageError(io, String(e.message), command);
    const code = typeof e.code === 'string' ? e.code : undefined;
    const message = String(e.message ?? error);
    // fs errors already start with their code ("ENOENT: no such file…").
    io.err(`rpmsg ${command.name}: ${code && !message.startsWith(code) ? `${code}: ` : ''}${message}`);
    return 1;
  }
}

function help(io: CommandIo): number {
  io.out(usage());
  return 0;
}

/** A mistake on the command line: the problem, then the usage (the command's when known), exit 2. */
function usageError(io: CommandIo, problem: string, command?: Command): number {
  const text = command ? commandHelp(command) : usage();
  io.err(`rpmsg${command ? ` ${command.name}` : ''}: ${problem}\n\n${text}`);
  return 2;
}

function checkArgv(argv: unknown): void {
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) {
    throw new InvalidArgTypeError('argv', 'an array of strings', argv);
  }
}

function checkIo(io: unknown): void {
  const i = io as Partial<Record<keyof CommandIo, unknown>> | null;
  if (
    i === null ||
    typeof i !== 'object' ||
    typeof i.out !== 'function' ||
    typeof i.err !== 'function' ||
    typeof i.progress !== 'function'
  ) {
    throw new InvalidArgTypeError('io', 'an object with out, err and progress functions', io);
  }
}
