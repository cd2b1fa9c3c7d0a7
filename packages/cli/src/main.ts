import { parseArgs } from 'node:util';
import { bench } from './commands/bench.js';
import { bridge } from './commands/bridge.js';
import { demo } from './commands/demo.js';
import { inspect } from './commands/inspect.js';
import { type CommandIo, processIo } from './commands/io.js';

const USAGE = `usage: rpmsg <command> [options]

commands:
  demo [--profile linux|rpmsg-lite] [--rounds N]
                                boot the simulated SoC, verify echoes, print a summary
  bench [--json] [--quick]      benchmarks with same-run baselines
  inspect <image.bin> --layout <layout.json> [--json]
                                decode a shared-memory image
  bridge --port <path|tcp://host:port> [--baud N] [--channel NAME] [--list]
                                a real MCU over a serial line: list its channels, or
                                join stdin/stdout to one
  help                          this text`;

/**
 * Runs the `rpmsg` command with `argv` (without node and script). Resolves to the exit code; never
 * throws for a user mistake — it prints usage and returns 2.
 */
export async function main(argv: readonly string[], io: CommandIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'demo': {
        const { values } = parseArgs({
          args: rest,
          options: { profile: { type: 'string' }, rounds: { type: 'string' } },
        });
        const profile = values.profile ?? 'linux';
        if (profile !== 'linux' && profile !== 'rpmsg-lite')
          return usage(io, '--profile must be linux or rpmsg-lite');
        const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
        if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0))
          return usage(io, '--rounds must be a positive integer');
        return await demo(rounds === undefined ? { profile } : { profile, rounds }, io);
      }
      case 'bench': {
        const { values } = parseArgs({
          args: rest,
          options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } },
        });
        return await bench({ json: values.json === true, quick: values.quick === true }, io);
      }
      case 'inspect': {
        const { values, positionals } = parseArgs({
          args: rest,
          allowPositionals: true,
          options: { layout: { type: 'string' }, json: { type: 'boolean', default: false } },
        });
        if (positionals.length !== 1) return usage(io, 'inspect takes exactly one image file');
        if (values.layout === undefined) return usage(io, 'inspect needs --layout <layout.json>');
        return await inspect(
          { image: positionals[0]!, layout: values.layout, json: values.json === true },
          io,
        );
      }
      case 'bridge': {
        const { values } = parseArgs({
          args: rest,
          options: {
            port: { type: 'string' },
            baud: { type: 'string' },
            channel: { type: 'string' },
            list: { type: 'boolean', default: false },
          },
        });
        if (values.port === undefined) return usage(io, 'bridge needs --port <path|tcp://host:port>');
        const baudRate = values.baud === undefined ? undefined : Number(values.baud);
        if (baudRate !== undefined && !(Number.isInteger(baudRate) && baudRate > 0))
          return usage(io, '--baud must be a positive integer');
        return await bridge(
          {
            port: values.port,
            list: values.list === true,
            ...(baudRate === undefined ? {} : { baudRate }),
            ...(values.channel === undefined ? {} : { channel: values.channel }),
          },
          io,
        );
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        return usage(io, `unknown command '${command}'`);
    }
  } catch (error) {
    const e = error as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS'))
      return usage(io, String(e.message));
    io.err(
      `rpmsg ${command}: ${typeof e.code === 'string' ? `${e.code}: ` : ''}${String(e.message ?? error)}`,
    );
    return 1;
  }
}

function usage(io: CommandIo, problem: string): number {
  io.err(`rpmsg: ${problem}\n\n${USAGE}`);
  return 2;
}
