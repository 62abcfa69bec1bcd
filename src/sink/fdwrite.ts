// Writes all of `chunk` to an fd with write(2)/pwrite(2) through bun:ffi: no copy of the chunk and no
// thread hop (Bun's async fs.write copies each buffer; at 1 GB/s that copy was most of fetchx's CPU).
// Regular files and /dev/null are written blocking: the page cache answers at once, and a slow disk
// blocking the loop is the backpressure. Pipes, FIFOs and sockets are written non-blocking, waiting on
// the event loop while the reader is slow, so Ctrl-C, -m and timers still work when nobody reads.
import { errnoName, POLLOUT, pollOne, writeFd } from "../net/libc.ts";

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
    const n = writeFd(fd, chunk, position === null ? null : position + off, off);
    if (n >= 0) off += n;
    else if (-n === EAGAIN) pollOne(fd, POLLOUT, 1000);
    else if (-n !== EINTR) throw new WriteError(errnoName(-n));
  }
}

/** How long writing into a full pipe may hold the event loop before it lets it run once. */
const HOLD_MS = 10;
/** A wake-up that let less than this in came from a slow reader: it is given a millisecond first. */
const SLOW_WAKE = 64 * 1024;

/**
 * Writes what the fd takes now; returns undefined when all of it went, else a promise that finishes the
 * chunk as the reader makes room (the fd must be O_NONBLOCK).
 */
export function writeNonBlocking(fd: number, chunk: Uint8Array, signal?: AbortSignal): Promise<void> | undefined {
  let off = 0;
  const step = (): boolean => {
    while (off < chunk.byteLength) {
      const n = writeFd(fd, chunk, null, off);
      if (n >= 0) off += n;
      else if (-n === EAGAIN) return false;
      else if (-n !== EINTR) throw new WriteError(errnoName(-n));
    }
    return true;
  };
  if (step()) return undefined;
  return (async () => {
    // The wait is plain poll(2) and write(2) calls for up to HOLD_MS, as a blocking write would be, then
    // the event loop gets one turn (signals, timers, -m). poll(2) calls a pipe writable as soon as one
    // page (4 KiB) is free, so a reader slower than the network (`| sha256sum`) woke the writer every 4 KiB:
    // a promise and a timer each time, then, once those loops ran hot, JavaScriptCore's optimising
    // compiler paged in (3 MB of the binary; BUN_JSC_useDFGJIT=0 removed it). A millisecond's pause after
    // a wake that let little in lets the reader free more first (a 250 MB/s reader frees 256 KiB).
    // 1 GiB into sha256sum: 39.1 -> 35.6 MiB peak (bench/memory.ts).
    for (;;) {
      const until = performance.now() + HOLD_MS;
      do {
        pollOne(fd, POLLOUT, HOLD_MS);
        const before = off;
        if (step()) return;
        if (off - before < SLOW_WAKE) pollOne(-1, 0, 1); // poll(2) skips a negative fd: a 1 ms sleep
      } while (performance.now() < until);
      if (signal?.aborted) throw signal.reason;
      await Bun.sleep(0);
    }
  })();
}
