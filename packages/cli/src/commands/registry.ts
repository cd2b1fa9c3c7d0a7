import { type Command, positiveInteger, seconds, UsageError } from './command.js';

// The command line of every command. Each command's code is imported only when it runs, so
// `rpmsg --help`, `--version` and usage errors load neither the simulated SoC nor the serialport
// native binding, and a machine without that binding can still run `rpmsg demo`.

const demoCommand: Command = {
  name: 'demo',
  synopsis: 'demo [--profile linux|rpmsg-lite] [--rounds N]',
  summary: 'boot the simulated SoC, verify echoes, print a summary',
  help: `Boots the simulated SoC (an A-core program and an M-core firmware in two worker threads over
one shared region), finds the firmware's rpmsg-echo and rpmsg-tty services by name, exchanges
messages of 0-496 bytes, verifies every echo and prints channels, messages, throughput and round
trips.

options:
  --profile P    layout profile: linux (default) or rpmsg-lite
  --rounds N     round trips per payload size and channel (default 100)
  -h, --help     this text

exit status: 0 when every echo matched, 1 otherwise, 2 for a usage error`,
  options: { profile: { type: 'string' }, rounds: { type: 'string' } },
  async run({ values }, io) {
    const profile = values.profile ?? 'linux';
    if (profile !== 'linux' && profile !== 'rpmsg-lite')
      throw new UsageError(`--profile must be linux or rpmsg-lite, got '${String(profile)}'`);
    const rounds = positiveInteger('rounds', values.rounds);
    const { demo } = await import('./demo.js');
    return demo(rounds === undefined ? { profile } : { profile, rounds }, io);
  },
};

const benchCommand: Command = {
  name: 'bench',
  synopsis: 'bench [--json] [--quick]',
  summary: 'benchmarks with same-run baselines',
  help: `Benchmarks the stack against same-run baselines (a worker postMessage channel, a bare
SharedArrayBuffer ring): 5 interleaved rounds, the median round reported, about 75 s on two cores.
A progress line on stderr when it is a terminal.

options:
  --json         print one JSON object as the last stdout line (its keys: the @rpmsg/cli README)
  --quick        one short round: a smoke run that finishes in seconds
  -h, --help     this text

exit status: 0, 1 when a measurement failed, 2 for a usage error`,
  options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false } },
  async run({ values }, io) {
    const { bench } = await import('./bench.js');
    return bench({ json: values.json === true, quick: values.quick === true }, io);
  },
};

const inspectCommand: Command = {
  name: 'inspect',
  synopsis: 'inspect <image.bin> --layout <layout.json> [--json | --svg <out.svg>]',
  summary: 'decode a shared-memory image',
  help: `Decodes a shared-memory image (a Soc.snapshot(), a dump from a board): ring indices and flags,
the messages each producer published, name-service announcements, and the problems of a corrupt
image. The first 20 problems are listed and the rest counted; --json lists them all.

options:
  --layout FILE  the region's layout JSON (docs/layouts.md in the rpmsg-js repository)
  --json         print one JSON object instead: { vrings, messages, problems }
  --svg FILE     draw the rings instead (descriptors coloured by owner, heads, legend): a static
                 picture for bug reports
  -h, --help     this text

exit status: 0 when decoded (problems included), 1 for an unreadable file or an invalid layout,
2 for a usage error`,
  options: { layout: { type: 'string' }, json: { type: 'boolean', default: false }, svg: { type: 'string' } },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('inspect takes exactly one image file');
    if (typeof values.layout !== 'string') throw new UsageError('inspect needs --layout <layout.json>');
    if (values.svg !== undefined) {
      if (values.json === true) throw new UsageError('--svg and --json go alone');
      if (typeof values.svg !== 'string' || values.svg === '') throw new UsageError('--svg needs a file');
      const { inspectSvg } = await import('./inspect-svg.js');
      return inspectSvg({ image: positionals[0]!, layout: values.layout, svg: values.svg }, io);
    }
    const { inspect } = await import('./inspect.js');
    return inspect({ image: positionals[0]!, layout: values.layout, json: values.json === true }, io);
  },
};

const bridgeCommand: Command = {
  name: 'bridge',
  synopsis: 'bridge --port <path|tcp://host:port> [--baud N] [--channel NAME] [--list] [--timeout S]',
  summary: 'a real MCU over a serial line: list its channels, or join one',
  help: `Connects to an MCU running packages/serial/firmware over a serial port, a pty or ser2net
(tcp://host:port), lists the channels it announced on stderr, then joins stdin and stdout to one
channel until stdin ends. Says on stderr what it is waiting for.

options:
  --port P        serial device (/dev/ttyACM0, COM3, a pty) or tcp://host:port
  --baud N        line speed (default 115200)
  --channel NAME  channel to join (default rpmsg-tty, else the only one announced)
  --list          print the announced channels on stdout (name, tab, address) and exit
  --timeout S     seconds to wait for the MCU's HELLO, and then for the channel (default 10)
  -h, --help      this text

exit status: 0 when stdin ended (or after --list); 1 when the port cannot be opened, no HELLO
came or the channel was not announced in time (the error's code and the MCU's channels on
stderr); 2 for a usage error, or several channels and no --channel`,
  options: {
    port: { type: 'string' },
    baud: { type: 'string' },
    channel: { type: 'string' },
    list: { type: 'boolean', default: false },
    timeout: { type: 'string' },
  },
  async run({ values }, io) {
    if (typeof values.port !== 'string') throw new UsageError('bridge needs --port <path|tcp://host:port>');
    const baudRate = positiveInteger('baud', values.baud);
    const timeout = seconds('timeout', values.timeout);
    if (values.channel === '') throw new UsageError('--channel must not be empty');
    const { bridge, checkPort } = await import('./bridge.js');
    return bridge(
      {
        port: checkPort(values.port),
        list: values.list === true,
        ...(baudRate === undefined ? {} : { baudRate }),
        ...(timeout === undefined ? {} : { timeout }),
        ...(typeof values.channel === 'string' ? { channel: values.channel } : {}),
      },
      io,
    );
  },
};

const buildFirmwareCommand: Command = {
  name: 'build-firmware',
  synopsis:
    'build-firmware <file.c...> -o <fw.wasm> [-I dir]... [-D NAME=VALUE]... [--rpmsg-lite DIR] [-O level] [-g]',
  summary: 'compile a C firmware for the simulated SoC (WebAssembly)',
  help: `Compiles C files into a firmware for a WebAssembly core of the simulated SoC, with Clang and
LLD from npm (nothing to install). The SoC's headers are on the include path: rpmsg_soc.h, a small
C library, and RPMsg-Lite's API (rpmsg_lite.h, rpmsg_queue.h, rpmsg_ns.h). Run the result with
createSoc({ remote: 'fw.wasm' }). A build from the same inputs is taken from the cache.

options:
  -o FILE           where to write the module (required)
  -I DIR            an include directory (repeatable)
  -D NAME[=VALUE]   a macro (repeatable)
  --rpmsg-lite DIR  build against this RPMsg-Lite checkout (its lib/ and this project's port)
                    instead of the API headers
  -O LEVEL          optimisation: 0 1 2 3 s z (default 2)
  -g                keep debug information
  -h, --help        this text

exit status: 0 when built, 1 when it did not compile or link (clang's messages on stderr,
file:line:column first), 2 for a usage error`,
  options: {
    output: { type: 'string', short: 'o' },
    include: { type: 'string', short: 'I', multiple: true },
    define: { type: 'string', short: 'D', multiple: true },
    'rpmsg-lite': { type: 'string' },
    optimize: { type: 'string', short: 'O' },
    debug: { type: 'boolean', short: 'g', default: false },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    if (positionals.length === 0) throw new UsageError('build-firmware needs at least one C file');
    if (typeof values.output !== 'string' || values.output === '')
      throw new UsageError('build-firmware needs -o <fw.wasm>');
    const optimize = values.optimize ?? '2';
    if (typeof optimize !== 'string' || !/^[0123sz]$/.test(optimize))
      throw new UsageError(`-O must be one of 0 1 2 3 s z, got '${String(optimize)}'`);
    const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : []);
    const rpmsgLite = values['rpmsg-lite'];
    if (rpmsgLite === '') throw new UsageError('--rpmsg-lite needs a directory');
    const { buildFirmwareCommand: build } = await import('./build-firmware.js');
    return build(
      {
        sources: positionals,
        output: values.output,
        includeDirs: list(values.include),
        defines: list(values.define),
        rpmsgLite: typeof rpmsgLite === 'string' ? rpmsgLite : undefined,
        optimize: optimize as '0' | '1' | '2' | '3' | 's' | 'z',
        debug: values.debug === true,
      },
      io,
    );
  },
};

const viewCommand: Command = {
  name: 'view',
  synopsis:
    'view (--demo | --image <image.bin> --layout <layout.json> | --trace <trace.jsonl>) [--port N] [--host H]',
  summary: 'a live picture of the rings in a local web page',
  help: `Serves a web page (offline: every asset is in the package) that draws both vrings — each
descriptor coloured by who owns its buffer —, the ring heads, each side's notification state, TX
buffers free, the channels with their counters and rates, and the lifecycle events; click a
descriptor for its address, length, RPMsg header and payload. Prints the page's URL on stdout and
runs until Ctrl-C. Read-only: it never controls the SoC.

options:
  --demo          boot the demo SoC and watch it run
  --image FILE    a shared-memory image (with --layout), as rpmsg inspect reads
  --layout FILE   the image's layout JSON
  --trace FILE    replay a trace (JSON lines of createSoc({ trace: { file } }))
  --port N        TCP port (default: any free one)
  --host H        address to listen on (default 127.0.0.1)
  -h, --help      this text

exit status: 0 after Ctrl-C, 1 when the source cannot be read or the port cannot be bound, 2 for a
usage error`,
  options: {
    demo: { type: 'boolean', default: false },
    image: { type: 'string' },
    layout: { type: 'string' },
    trace: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
  },
  async run({ values }, io) {
    const demo = values.demo === true;
    const image = typeof values.image === 'string' ? values.image : undefined;
    const layout = typeof values.layout === 'string' ? values.layout : undefined;
    const trace = typeof values.trace === 'string' ? values.trace : undefined;
    if (demo === (image !== undefined || trace !== undefined))
      throw new UsageError('view needs --demo, or --image with --layout, or --trace');
    if ((image === undefined) !== (layout === undefined))
      throw new UsageError('--image and --layout go together');
    const port = values.port === '0' ? 0 : positiveInteger('port', values.port);
    if (port !== undefined && port > 65535)
      throw new UsageError(`--port must be 0..65535, got '${values.port}'`);
    const { view } = await import('./view.js');
    return view(
      {
        demo,
        ...(image === undefined ? {} : { image }),
        ...(layout === undefined ? {} : { layout }),
        ...(trace === undefined ? {} : { trace }),
        ...(port === undefined ? {} : { port }),
        ...(typeof values.host === 'string' ? { host: values.host } : {}),
      },
      io,
    );
  },
};

const traceCommand: Command = {
  name: 'trace',
  synopsis: 'trace convert <trace.jsonl> [-o <trace.json>]',
  summary: 'turn a JSON-lines trace into a Perfetto / chrome://tracing timeline',
  help: `Converts a trace written by createSoc({ trace: { file } }) (JSON lines) into the Trace Event
Format that ui.perfetto.dev and chrome://tracing open: a track per core, slices for pump passes,
kick handling and sleeps, an arrow from each send to its receive, ring and TX-buffer counters,
crash / restart / link markers. The same as createSoc({ trace: { format: 'perfetto', file } }).

options:
  -o FILE        where to write the JSON (default: stdout)
  -h, --help     this text

exit status: 0, 1 when the input cannot be read or a line is not JSON, 2 for a usage error`,
  options: { output: { type: 'string', short: 'o' } },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    if (positionals[0] !== 'convert' || positionals.length !== 2)
      throw new UsageError('usage: trace convert <trace.jsonl> [-o <trace.json>]');
    const { traceConvert } = await import('./trace.js');
    return traceConvert(
      { input: positionals[1]!, ...(typeof values.output === 'string' ? { output: values.output } : {}) },
      io,
    );
  },
};

const listCommand: Command = {
  name: 'list',
  synopsis: 'list [--json] [--root DIR]',
  summary: "a Linux board's rpmsg channels and remote processors",
  help: `On a Linux board (Node on the A-core, the kernel's virtio_rpmsg_bus owning the rings): lists the
channels on the rpmsg bus (/sys/bus/rpmsg/devices) — name, remote and local address, driver,
device node (/dev/rpmsgN, /dev/ttyRPMSGn), remote processor — and the remote processors
(/sys/class/remoteproc) with their state, firmware and recovery setting.

options:
  --json         print one JSON object instead: { channels, remoteprocs } (docs/cli.md)
  --root DIR     read /sys and /dev under DIR instead of / (a copy or model of a board's tree)
  -h, --help     this text

exit status: 0; 1 when DIR has no sys directory or a file cannot be read (ERR_RPMSG_LINUX_PERMISSION);
2 for a usage error, a --root DIR that does not exist or is not a directory included`,
  options: { json: { type: 'boolean', default: false }, root: { type: 'string' } },
  async run({ values }, io) {
    const root = rootOption(values.root);
    const { linuxList } = await import('./linux-list.js');
    const { withRootChecked } = await import('./linux-file-ops.js');
    return withRootChecked(() =>
      linuxList({ json: values.json === true, ...(root === undefined ? {} : { root }) }, io),
    );
  },
};

const echoCommand: Command = {
  name: 'echo',
  synopsis: 'echo <channel> [--remoteproc NAME] [--message TEXT] [--count N] [--timeout S] [--root DIR]',
  summary: 'send to a channel of a Linux board and verify the echoes',
  help: `On a Linux board: waits for the channel, sends the message --count times and checks that each
comes back unchanged, printing each echo and its round-trip time. A channel with a /dev/ttyRPMSGn
(rpmsg_tty) is used through the tty; any other through its /dev/rpmsgN (rpmsg_char) — an unbound
channel is handed to rpmsg_char through driver_override first, which needs root or a udev rule
(docs/linux.md).

options:
  --remoteproc NAME  the channel of this remote processor (remoteprocN or its name) when several
                 announce one of that name
  --message TEXT  what to send (default "hello from rpmsg")
  --count N       how many times (default 1)
  --timeout S     seconds to wait for the channel, then for each echo (default 10)
  --root DIR      read /sys and /dev under DIR instead of /
  -h, --help      this text

exit status: 0 when every echo matched; 1 when one differed, none came in time, or the channel
cannot be opened (the error's code on stderr: ERR_RPMSG_LINUX_PERMISSION, ERR_RPMSG_LINUX_BUSY,
ERR_RPMSG_LINUX_NOT_DEVICE, ERR_RPMSG_TIMEOUT…); 2 for a usage error, a --root DIR that does not
exist or is not a directory included`,
  options: {
    remoteproc: { type: 'string' },
    message: { type: 'string' },
    count: { type: 'string' },
    timeout: { type: 'string' },
    root: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw new UsageError('echo takes exactly one channel name');
    const channel = positionals[0]!;
    if (channel === '' || Buffer.byteLength(channel) > 31)
      throw new UsageError(`a channel name is 1 to 31 bytes, got '${channel}'`);
    const count = positiveInteger('count', values.count);
    const timeout = seconds('timeout', values.timeout);
    const root = rootOption(values.root);
    const { linuxEcho } = await import('./linux-echo.js');
    const { withRootChecked } = await import('./linux-file-ops.js');
    return withRootChecked(() =>
      linuxEcho(
        {
          channel,
          ...(typeof values.message === 'string' ? { message: values.message } : {}),
          ...(count === undefined ? {} : { count }),
          ...(timeout === undefined ? {} : { timeout }),
          ...(root === undefined ? {} : { root }),
          ...(typeof values.remoteproc === 'string'
            ? { remoteproc: nonEmpty('remoteproc', values.remoteproc) }
            : {}),
        },
        io,
      ),
    );
  },
};

/** A string option that must not be empty. */
function nonEmpty(name: string, value: string): string {
  if (value === '') throw new UsageError(`--${name} needs a value`);
  return value;
}

const rprocCommand: Command = {
  name: 'rproc',
  synopsis:
    'rproc [list | status [NAME] | start [NAME] [--firmware FILE] | stop [NAME]] [--json] [--root DIR]',
  summary: "a Linux board's remote processors: state, start, stop",
  help: `On a Linux board: lists the remote processors (/sys/class/remoteproc), shows one, or starts or
stops it by writing its state attribute — with --firmware, the firmware file (from the kernel's
firmware path, /lib/firmware) is chosen first. NAME is remoteprocN, its index, or its name; it
may be left out when there is only one processor. Prints the processor's state after.

options:
  --firmware FILE  start: the firmware file to load
  --json           print JSON instead: an array for list, one object otherwise (docs/cli.md)
  --root DIR       read /sys under DIR instead of /
  -h, --help       this text

A crashed processor is neither started nor stopped by the kernel: recover it with
echo recover > /sys/class/remoteproc/remoteprocN/recovery (or let its recovery setting do it).

exit status: 0; 1 when the kernel refused (ERR_RPMSG_LINUX_BUSY: already running,
ERR_RPMSG_LINUX_BAD_STATE: not running, or crashed, ERR_RPMSG_LINUX_NO_FIRMWARE,
ERR_RPMSG_LINUX_PERMISSION, ERR_RPMSG_LINUX_NO_REMOTEPROC…); 2 for a usage error, a --root DIR that
does not exist or is not a directory included`,
  options: {
    firmware: { type: 'string' },
    json: { type: 'boolean', default: false },
    root: { type: 'string' },
  },
  allowPositionals: true,
  async run({ values, positionals }, io) {
    const { linuxRproc, parseRprocArgs } = await import('./linux-rproc.js');
    const { action, which } = parseRprocArgs(positionals);
    if (values.firmware !== undefined && action !== 'start')
      throw new UsageError('--firmware goes with rproc start');
    if (values.firmware === '') throw new UsageError('--firmware needs a file name');
    const root = rootOption(values.root);
    const { withRootChecked } = await import('./linux-file-ops.js');
    return withRootChecked(() =>
      linuxRproc(
        {
          action,
          json: values.json === true,
          ...(which === undefined ? {} : { which }),
          ...(typeof values.firmware === 'string' ? { firmware: values.firmware } : {}),
          ...(root === undefined ? {} : { root }),
        },
        io,
      ),
    );
  },
};

/** `--root DIR`: a non-empty path, or undefined for the real `/`. */
function rootOption(raw: string | boolean | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw === '') throw new UsageError('--root needs a directory');
  return raw;
}

/** Every command, in the order `rpmsg --help` lists them. */
export const COMMANDS: readonly Command[] = [
  demoCommand,
  benchCommand,
  inspectCommand,
  bridgeCommand,
  buildFirmwareCommand,
  viewCommand,
  traceCommand,
  listCommand,
  echoCommand,
  rprocCommand,
];
