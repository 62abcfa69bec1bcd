// When to try again and how long to wait. Transient failures (connect, reset, timeout, truncation, empty
// reply, 408/429/5xx) are retried with exponential backoff and full jitter, or a fixed --retry-delay, and a
// server's Retry-After wins (capped). Every retry resumes from the bytes already written.
// The budget counts failures in a row: progress since the last failure gives the budget back, so a long
// download over a flaky path keeps healing while a dead server still ends after N tries.
import { timerMs } from "../timers.ts";
import { FetchxError } from "../errors.ts";

export interface RetryOptions {
  retries: number;
  /** Fixed delay in ms; 0 = exponential backoff. */
  delayMs: number;
  /** No retry starts after this many ms since the transfer began (0 = no limit). */
  maxTimeMs: number;
  /** Every failure is retried, HTTP errors included (curl --retry-all-errors). */
  allErrors?: boolean;
  /** A refused connection is retried even before any byte arrived (curl --retry-connrefused). */
  connRefused?: boolean;
  /**
   * The retries were asked for (curl --retry): a server that never answered (a connection attempt that
   * timed out, a first answer slower than --speed-limit) is retried even before any byte arrived, and a
   * Retry-After is waited for up to RETRY_AFTER_CAP_MS. Unasked, up to UNASKED_WAIT_MS.
   */
  asked?: boolean;
  /** The download ends this many ms after the policy began (-m): no retry whose wait could end later. 0: none. */
  deadlineMs?: number;
}

const BASE_MS = 500;
const CAP_MS = 30_000;
// A Retry-After of hours (or 300 s on each of 5 retries: 25 minutes, silent with -s) is not worth waiting
// for unasked: at most a minute per retry (the --retry help says so).
export const RETRY_AFTER_CAP_MS = 60_000;
/**
 * fetchx's own retries (not asked for with --retry) wait at most this long for one: a 503 saying
 * Retry-After: 300 is the answer at once, as it is for curl, where five waits of a minute went by.
 */
export const UNASKED_WAIT_MS = 10_000;

/** The statuses curl's --retry calls transient: 408, 429, 500, 502, 503, 504 (not 501 or 505: no retry changes those). */
export const RETRYABLE_STATUS = (status: number) => status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;

export class RetryPolicy {
  /** Retries done in all (for %{num_retries}). */
  total = 0;
  private streak = 0;
  /** Bytes have arrived at some point: connect failures from then on are a path going away, worth retrying. */
  private started = false;
  private readonly began = performance.now();

  constructor(private readonly opts: RetryOptions, private readonly random: () => number = Math.random) {}

  /** The most bytes any try had in hand: bytes fetched again after a start-over are no progress. */
  private furthest = 0;

  /**
   * Bytes arrived, `done` in hand now: when that is more than any try had before, the next failure starts
   * a new streak. A server without ranges cut at the same place every time gives nothing back, so
   * --retry N still ends it after N retries, as curl's.
   */
  progressed(done: number): void {
    this.started = true;
    if (done <= this.furthest) return;
    this.furthest = done;
    this.streak = 0;
  }

  /** Whether `err` would be retried now (no state changes). */
  wouldRetry(err: unknown): boolean {
    if (!(err instanceof FetchxError) || this.streak >= this.opts.retries) return false;
    const elapsed = performance.now() - this.began;
    // curl's --retry-max-time: no retry starts once this much time has passed (the wait itself is not counted).
    if (this.opts.maxTimeMs > 0 && elapsed >= this.opts.maxTimeMs) return false;
    // A Retry-After that would end past --retry-max-time ends the retries at once, as curl's does: the
    // answer in hand is the result, not a request sent after the time the caller allowed. curl counts
    // whole seconds gone, and looks only at the statuses it retries itself (not a 404 under
    // --retry-all-errors).
    if (this.opts.maxTimeMs > 0 && err.retryAfter !== undefined && err.status !== undefined && RETRYABLE_STATUS(err.status)
      && Math.floor(elapsed / 1000) + err.retryAfter > this.opts.maxTimeMs / 1000) return false;
    // -m: a retry whose wait could outlast the download ends nothing well (the answer in hand is better).
    if (this.opts.deadlineMs && elapsed + this.longestWait(err) >= this.opts.deadlineMs) return false;
    if (err.retryAfter !== undefined && !this.opts.asked && err.retryAfter * 1000 > UNASKED_WAIT_MS) return false;
    // Not the caller's own mistakes or decisions: a bad option, an interrupt, a closed pipe or a full disk.
    if (this.opts.allErrors) return !["USAGE", "INTERRUPTED", "ABORTED", "WRITE", "UNSUPPORTED_PROTOCOL"].includes(err.code);
    if (!err.retryable) return false;
    if (this.opts.connRefused && err.code === "CONNECT") return true;
    if (err.unanswered && !this.opts.asked) return this.started;
    // curl's --retry counts a name that did not resolve (its 6, and 5 for a proxy's) as transient: a
    // script waiting for a name to appear (a service still starting) gets its retries, as with curl.
    if (this.opts.asked && (err.code === "RESOLVE" || err.code === "RESOLVE_PROXY")) return true;
    // Before any byte arrived, an unresolvable or refusing host is a mistake to report at once (curl
    // retries refused connections only with --retry-connrefused), and so, unasked, is a silent one (curl
    // retries that only with --retry: fetchx's 5 retries of a 300 s connect timeout would take half an
    // hour); later it is a network hiccup.
    return this.started || (err.code !== "CONNECT" && err.code !== "RESOLVE" && err.code !== "RESOLVE_PROXY");
  }

  /** Milliseconds to wait before retrying after `err`, or null when it should not be retried. */
  delayFor(err: unknown): number | null {
    if (!this.wouldRetry(err)) return null;
    const e = err as FetchxError;
    let delay = this.opts.delayMs > 0 ? this.opts.delayMs : this.random() * this.backoff();
    if (e.retryAfter !== undefined) delay = Math.min(Math.max(delay, e.retryAfter * 1000), RETRY_AFTER_CAP_MS);
    this.streak++;
    this.total++;
    return delay;
  }

  /** The backoff's bound for the next retry (its wait is a random part of it). */
  private backoff(): number {
    return Math.min(CAP_MS, BASE_MS * 2 ** this.streak);
  }

  /** The longest delayFor could wait after `err`. */
  private longestWait(err: FetchxError): number {
    const base = this.opts.delayMs > 0 ? this.opts.delayMs : this.backoff();
    return err.retryAfter !== undefined ? Math.min(Math.max(base, err.retryAfter * 1000), RETRY_AFTER_CAP_MS) : base;
  }
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller then sees the abort for itself). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, timerMs(ms));
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
