import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/**
 * The far end of a `/dev/ttyRPMSGn` in the model: a python3 child that opens a pty, gives the slave
 * the termios rpmsg_tty gives its ttys (drivers/tty/rpmsg_tty.c: the standard settings without
 * ECHO, ICANON, OPOST and ONLCR — so input CR→NL and XON/XOFF are still on until the opener makes
 * the line raw), prints the slave's path, and echoes every byte written to the slave back to it, as
 * a firmware's tty echo does. Ending its stdin closes the master: the slave is hung up, as rpmsg_tty
 * hangs up a tty whose channel left the bus.
 */
const RELAY = String.raw`
import os, pty, select, sys, termios
master, slave = pty.openpty()
attrs = termios.tcgetattr(slave)
attrs[1] &= ~(termios.OPOST | termios.ONLCR)
attrs[3] &= ~(termios.ECHO | termios.ICANON)
termios.tcsetattr(slave, termios.TCSANOW, attrs)
sys.stdout.write(os.ttyname(slave) + "\n")
sys.stdout.flush()
while True:
    ready, _, _ = select.select([master, 0], [], [])
    if 0 in ready and not os.read(0, 64):
        break
    if master in ready:
        try:
            data = os.read(master, 65536)
        except OSError:
            continue
        while data:
            data = data[os.write(master, data):]
`;

/** One running relay. */
export interface PtyRelay {
  /** The pty slave: what `/dev/ttyRPMSGn` links to. */
  readonly path: string;
  /** Closes the master (the slave is hung up) and waits for the child to exit. */
  close(): Promise<void>;
}

let availability: string | null | undefined;
/** The interpreter itself (not a version manager's shim, which costs a shell per start). */
let python = 'python3';

/**
 * Null when a pty relay can run here, else why not (no python3, or no pty module): tests that need
 * a tty skip with this reason.
 */
export function ptyUnavailableReason(): string | null {
  if (availability !== undefined) return availability;
  const probe = spawnSync(
    'python3',
    ['-c', 'import pty, sys, termios, select; m, s = pty.openpty(); print(sys.executable)'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 },
  );
  availability =
    probe.error !== undefined
      ? `python3 is not available (${probe.error.message}): no pty stands in for /dev/ttyRPMSGn`
      : probe.status !== 0
        ? 'python3 cannot open a pty here (pty.openpty failed): no pty stands in for /dev/ttyRPMSGn'
        : null;
  if (availability === null && probe.stdout.trim() !== '') python = probe.stdout.trim();
  return availability;
}

/** Starts a relay and resolves once its pty exists. */
export function startPtyRelay(): Promise<PtyRelay> {
  return new Promise<PtyRelay>((resolve, reject) => {
    const reason = ptyUnavailableReason();
    if (reason !== null) {
      reject(new Error(reason));
      return;
    }
    const child: ChildProcess = spawn(python, ['-c', RELAY], { stdio: ['pipe', 'pipe', 'ignore'] });
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    let out = '';
    child.once('error', reject);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      out += text;
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      child.stdout?.removeAllListeners('data');
      const path = out.slice(0, newline);
      let closing: Promise<void> | undefined;
      resolve({
        path,
        close() {
          closing ??= (async () => {
            child.stdin?.end();
            const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
            await exited;
            clearTimeout(timer);
          })();
          return closing;
        },
      });
    });
    child.once('exit', (code) => reject(new Error(`pty relay exited (${code}) before opening a pty`)));
  });
}
