// Writes all of `chunk` to an fd with write(2)/pwrite(2) through bun:ffi: no copy of the chunk and no
// thread hop (Bun's async fs.write copies each buffer; at 1 GB/s that copy was most of fetchx's CPU).
// A blocking write is the backpressure: while the disk or the pipe is slow, the socket is not read.
import { errnoName, POLLOUT, pollOne, writeFd } from "../net/libc.ts";

const EINTR = 4;
const EAGAIN = 11;

/** An errno from write(2), shaped like Node's errors ({ code: "ENOSPC" }) for the sinks' messages. */
export class WriteError extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

export function writeAll(fd: number, chunk: Uint8Array, position: number | null = null): void {
  let off = 0;
  while (off < chunk.byteLength) {
    const n = writeFd(fd, off === 0 ? chunk : chunk.subarray(off), position === null ? null : position + off);
    if (n >= 0) {
      off += n;
      continue;
    }
    if (-n === EINTR) continue;
    // A non-blocking pipe that is full: wait until its reader makes room.
    if (-n === EAGAIN) {
      pollOne(fd, POLLOUT, 1000);
      continue;
    }
    throw new WriteError(errnoName(-n));
  }
}
