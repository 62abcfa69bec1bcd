// Waiting for one fd on the event loop. Bun gives no readiness callback for an fd it has not adopted
// (a connect in progress, the CONNECT exchange with a proxy), so we poll(2) it without blocking and sleep
// between polls, 1 ms growing to 20 ms: signals, timers and other sockets keep being served. (A pipe we
// write through FFI waits in sink/fdwrite.ts, which blocks in short slices instead.)
import { pollOne } from "./libc.ts";

const EINTR = 4;

export interface WaitOptions {
  /** Ends the wait with the signal's reason. */
  signal?: AbortSignal;
}

/** Resolves with poll's revents once `fd` reports any of `events` (or POLLERR/POLLHUP); a failing
 *  poll(2) resolves with -errno; an abort rejects with the signal's reason. */
export async function waitFd(fd: number, events: number, opts: WaitOptions = {}): Promise<number> {
  for (let delay = 1; ; delay = Math.min(delay * 1.5, 20)) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const r = pollOne(fd, events, 0);
    if (r !== 0 && r !== -EINTR) return r;
    await Bun.sleep(delay);
  }
}
