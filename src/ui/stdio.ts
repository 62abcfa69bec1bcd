// Standard output and error for the CLI's own text (--version, --help, log lines, -w), written without
// touching process.stdout or process.stderr: the first touch of either builds Node's stream machinery,
// about 10 ms of CPU before anything is printed (a compiled `process.stdout.write("v\n")` took 13 ms
// against 3 ms for `console.log`, hyperfine, 60 runs). Writes are synchronous, in order, whole.
// A descriptor someone made non-blocking (fetchx itself does for a body on stdout) can refuse a write
// with EAGAIN: from then on that descriptor's text goes through the Node stream, which waits, and so does
// everything after it, to keep the order.
import { writeSync } from "node:fs";
import { isTerminal } from "../net/libc.ts";

const viaStream = { 1: false, 2: false };

function writeText(fd: 1 | 2, text: string): void {
  const stream = () => (fd === 1 ? process.stdout : process.stderr);
  if (viaStream[fd]) return void stream().write(text);
  const bytes = Buffer.from(text);
  let off = 0;
  try {
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === "EPIPE") return; // nobody reads: as Node's stream, say nothing
    if (code !== "EAGAIN") throw err;
    viaStream[fd] = true;
    stream().write(bytes.subarray(off));
  }
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
    // Only a terminal has a width; its start-up cost does not matter to someone watching it.
    get columns() {
      return this.isTTY ? (fd === 1 ? process.stdout : process.stderr).columns : undefined;
    },
  };
}

export const stdout: TextStream = textStream(1);
export const stderr: TextStream = textStream(2);
