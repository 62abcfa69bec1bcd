// Standard output and error for the CLI's own text (--version, --help, log lines, -w), written without
// touching process.stdout or process.stderr: the first touch of either builds Node's stream machinery,
// about 10 ms of CPU before anything is printed (a compiled `process.stdout.write("v\n")` took 13 ms
// against 3 ms for `console.log`, hyperfine, 60 runs). Writes are synchronous, in order, whole: write(2)
// through the libc binding, not node:fs's writeSync, whose import alone costs about 0.8 ms of start-up
// (opening libc costs about 0.4 ms, and a download opens it anyway; bench/startup.ts).
// A descriptor someone made non-blocking (fetchx itself does for a body on stdout) can refuse a write
// with EAGAIN: from then on that descriptor's text goes through the Node stream, which waits, and so does
// everything after it, to keep the order.
import { EAGAIN, errnoMessage, errnoName, isTerminal, terminalColumns, writeFd } from "../net/libc.ts";

const EINTR = 4;
const EPIPE = 32;

const viaStream = { 1: false, 2: false };

function writeText(fd: 1 | 2, text: string): void {
  const stream = () => (fd === 1 ? process.stdout : process.stderr);
  if (viaStream[fd]) return void stream().write(text);
  const bytes = Buffer.from(text);
  let off = 0;
  while (off < bytes.byteLength) {
    const n = writeFd(fd, bytes.subarray(off), null);
    if (n >= 0) off += n;
    else if (n === -EPIPE) return; // nobody reads: as Node's stream, say nothing
    else if (n === -EAGAIN) {
      viaStream[fd] = true;
      stream().write(bytes.subarray(off));
      return;
    } else if (n !== -EINTR) throw asError(-n);
  }
}

/** An errno as the Error node:fs's writeSync throws ("EBADF: bad file descriptor, write"; main.ts turns its code into an exit code). */
function asError(errno: number): Error {
  const code = errnoName(errno);
  return Object.assign(new Error(`${code}: ${errnoMessage(errno)}, write`), { code, errno: -errno, syscall: "write" });
}

export interface TextStream {
  write(text: string): unknown;
  readonly isTTY: boolean;
  /** Terminal width, when a terminal. */
  readonly columns: number | undefined;
}

function textStream(fd: 1 | 2): TextStream {
  let tty: boolean | undefined;
  return {
    write: (text: string) => writeText(fd, text),
    get isTTY() {
      return (tty ??= isTerminal(fd));
    },
    // Only a terminal has a width: asked of the terminal at each read, so a resize is seen at once.
    get columns() {
      return this.isTTY ? terminalColumns(fd) : undefined;
    },
  };
}

export const stdout: TextStream = textStream(1);
export const stderr: TextStream = textStream(2);
