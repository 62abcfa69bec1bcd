// Waiting for one fd on the event loop. Bun gives no readiness callback for an fd it has not adopted
// (a connect in progress, the CONNECT exchange with a proxy, a pipe we write through FFI), so we poll(2)
// it in slices and yield between them: signals, timers and other sockets keep being served.
import { pollOne } from "./libc.ts";

const EINTR = 4;

export interface WaitOptions {
  /** Ends the wait with the signal's reason. */
  signal?: AbortSignal;
  /**
   * How long one poll(2) may block the loop. 0 (the default) never blocks: the loop sleeps between
   * polls, 1 ms growing to 20 ms, which suits a connect or a proxy reply (milliseconds away, and other
   * connections must not stall meanwhile). A few ms suits a pipe whose reader keeps up: it is answered as
   * soon as the reader makes room, as a blocking write would be.
   */
  blockMs?: number;
}

/** Resolves with poll's revents once `fd` reports any of `events` (or POLLERR/POLLHUP); a failing
 *  poll(2) resolves with -errno; an abort rejects with the signal's reason. */
export async function waitFd(fd: number, events: number, opts: WaitOptions = {}): Promise<number> {
  const block = opts.blockMs ?? 0;
  for (let delay = 1; ; delay = Math.min(delay * 1.5, 20)) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    const r = pollOne(fd, events, block);
    if (r !== 0 && r !== -EINTR) return r;
    await Bun.sleep(block > 0 ? 0 : delay);
  }
}
