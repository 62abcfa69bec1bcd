// Happy Eyeballs v2 connection racing (RFC 8305 §5): start with the first candidate, start the next
// one every `delayMs` or as soon as the running one fails, take the first that connects, and close
// every other attempt. Generic over what an attempt yields so it can be tested without sockets.
import { timerMs } from "../timers.ts";
import { AttemptError } from "./attempt.ts";

export interface RaceOptions<T> {
  /** RFC 8305 "Connection Attempt Delay"; 250 ms is its recommended default. */
  delayMs?: number;
  /** Aborting ends the race with the signal's reason (deadline, user interrupt). */
  signal?: AbortSignal;
  onStart?(ip: string): void;
  /** Frees the result of an attempt that connected after another one had already won. */
  dispose(result: T): void;
}

/** All candidates failed; `failures` holds each attempt's reason, in start order. */
export class AllAttemptsFailed extends Error {
  constructor(readonly failures: AttemptError[]) {
    super(failures.map((f) => f.message).join(", "));
  }
}

/**
 * Races attempts over `candidates`. An attempt that throws an AttemptError only loses; anything else
 * thrown (e.g. MPTCP refused by the kernel) ends the whole race at once.
 */
export function raceAttempts<T>(
  candidates: string[],
  attempt: (ip: string, cancel: AbortSignal) => Promise<T>,
  opts: RaceOptions<T>,
): Promise<T> {
  const delayMs = opts.delayMs ?? 250;
  const race = new AbortController();
  return new Promise<T>((resolve, reject) => {
    const failures: AttemptError[] = [];
    let next = 0;
    let running = 0;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const end = (outcome: () => void, reason: unknown) => {
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      // Only attempts still running listen: a lone attempt that won skips the abort (its first call in a
      // process costs about 50 us, a small download's worth).
      if (running > 0) race.abort(reason);
      outcome();
    };
    const onAbort = () => !done && end(() => reject(opts.signal!.reason), opts.signal!.reason);

    const startNext = () => {
      clearTimeout(timer);
      if (done || next >= candidates.length) return;
      const ip = candidates[next++]!;
      running++;
      opts.onStart?.(ip);
      attempt(ip, race.signal).then(
        (value) => {
          running--;
          if (done) return opts.dispose(value);
          end(() => resolve(value), new Error("another attempt won"));
        },
        (err) => {
          running--;
          if (done) return;
          if (!(err instanceof AttemptError)) return end(() => reject(err), err);
          failures.push(err);
          if (next < candidates.length) startNext();
          else if (running === 0) end(() => reject(new AllAttemptsFailed(failures)), undefined);
        },
      );
      if (next < candidates.length) timer = setTimeout(startNext, timerMs(delayMs));
    };

    if (opts.signal?.aborted) return reject(opts.signal.reason);
    opts.signal?.addEventListener("abort", onAbort);
    startNext();
  });
}
