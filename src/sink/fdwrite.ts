// Writes all of `chunk` to an fd with write(2)/pwrite(2) through bun:ffi: no copy of the chunk and no
// thread hop (Bun's async fs.write copies each buffer; at 1 GB/s that copy was most of fetchx's CPU).
// Regular files and /dev/null are written blocking: the page cache answers at once, and a slow disk
// blocking the loop is the backpressure. Pipes, FIFOs and sockets are written non-blocking, waiting on
// the event loop while the reader is slow, so Ctrl-C, -m and timers still work when nobody reads.
import { errnoName, POLLOUT, pollOne, writeFd } from "../net/libc.ts";
import { waitFd } from "../net/poll.ts";

const EINTR = 4;
const EAGAIN = 11;

/** An errno from write(2), shaped like Node's errors ({ code: "ENOSPC" }) for the sinks' messages. */
export class WriteError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

/** Blocking write of the whole chunk (regular files, character devices). */
export function writeAll(fd: number, chunk: Uint8Array, position: number | null = null): void {
  let off = 0;
  while (off < chunk.byteLength) {
    const n = writeFd(fd, off === 0 ? chunk : chunk.subarray(off), position === null ? null : position + off);
    if (n >= 0) off += n;
    else if (-n === EAGAIN) pollOne(fd, POLLOUT, 1000);
    else if (-n !== EINTR) throw new WriteError(errnoName(-n));
  }
}

/**
 * Writes what the fd takes now; returns undefined when all of it went, else a promise that finishes the
 * chunk as the reader makes room (the fd must be O_NONBLOCK).
 */
export function writeNonBlocking(fd: number, chunk: Uint8Array, signal?: AbortSignal): Promise<void> | undefined {
  let off = 0;
  const step = (): boolean => {
    while (off < chunk.byteLength) {
      const n = writeFd(fd, off === 0 ? chunk : chunk.subarray(off), null);
      if (n >= 0) off += n;
      else if (-n === EAGAIN) return false;
      else if (-n !== EINTR) throw new WriteError(errnoName(-n));
    }
    return true;
  };
  if (step()) return undefined;
  return (async () => {
    // Each poll(2) may block for 10 ms: a reader that keeps up is answered at once, as a blocking write
    // would be; the loop is served in between, so signals and timers still work.
    do await waitFd(fd, POLLOUT, { signal, blockMs: 10 });
    while (!step());
  })();
}
