// The retry policy's Retry-After cap: a server's Retry-After is obeyed up to RETRY_AFTER_CAP_MS per retry
// (not 300 s on each of 5 retries), and --retry's help says the same figure.
import { describe, expect, test } from "bun:test";
import { OPTIONS } from "../../src/cli/table.ts";
import { FetchxError } from "../../src/errors.ts";
import { RETRY_AFTER_CAP_MS, RetryPolicy } from "../../src/transfer/retry.ts";

const busy = (retryAfter: number) => new FetchxError("HTTP_ERROR", "The requested URL returned error: 503", { retryable: true, status: 503, retryAfter });

describe("Retry-After", () => {
  test("300 s (or an hour) is capped at 60 s on every retry; a short one is obeyed as given", () => {
    expect(RETRY_AFTER_CAP_MS).toBe(60_000);
    const p = new RetryPolicy({ retries: 5, delayMs: 0, maxTimeMs: 0, asked: true }, () => 0);
    for (let i = 0; i < 5; i++) expect(p.delayFor(busy(i % 2 ? 3600 : 300))).toBe(60_000);
    expect(p.delayFor(busy(300))).toBeNull(); // the budget of 5 is spent
    expect(new RetryPolicy({ retries: 5, delayMs: 0, maxTimeMs: 0 }, () => 0).delayFor(busy(2))).toBe(2000);
  });

  test("retries not asked for (fetchx's default 5) wait for no Retry-After over 10 s: the 503 is the answer", () => {
    const p = new RetryPolicy({ retries: 5, delayMs: 0, maxTimeMs: 0 }, () => 0);
    expect(p.delayFor(busy(11))).toBeNull();
    expect(p.delayFor(busy(10))).toBe(10_000);
  });

  test("a deadline (-m): no retry whose longest wait could end after it", () => {
    const p = new RetryPolicy({ retries: 5, delayMs: 0, maxTimeMs: 0, deadlineMs: 1_200 }, () => 0);
    const reset = new FetchxError("RECV", "connection reset by peer");
    expect(p.delayFor(reset)).toBe(0); // bound 0.5 s: fits
    expect(p.delayFor(reset)).toBe(0); // bound 1 s: fits
    expect(p.delayFor(reset)).toBeNull(); // bound 2 s: could end past 1.2 s
    expect(new RetryPolicy({ retries: 5, delayMs: 0, maxTimeMs: 0, deadlineMs: 1_200 }).delayFor(busy(2))).toBeNull();
  });

  test("a server that never answered is retried before any byte only when the retries were asked for", () => {
    const silent = new FetchxError("TIMEOUT", "connection timed out after 1000 ms", { unanswered: true });
    expect(new RetryPolicy({ retries: 5, delayMs: 0, maxTimeMs: 0 }).delayFor(silent)).toBeNull();
    expect(new RetryPolicy({ retries: 5, delayMs: 0, maxTimeMs: 0, asked: true }).delayFor(silent)).not.toBeNull();
    const later = new RetryPolicy({ retries: 5, delayMs: 0, maxTimeMs: 0 });
    later.progressed(1);
    expect(later.delayFor(silent)).not.toBeNull();
  });

  test("bytes fetched again after a start-over give no retry back; bytes beyond any try's do", () => {
    const cut = new FetchxError("PARTIAL", "transfer closed with 60000 bytes remaining");
    const p = new RetryPolicy({ retries: 1, delayMs: 1, maxTimeMs: 0 });
    p.progressed(40_000);
    expect(p.delayFor(cut)).not.toBeNull();
    p.progressed(40_000); // the same 40 KB again, from byte 0
    expect(p.delayFor(cut)).toBeNull();
    p.progressed(40_001);
    expect(p.delayFor(cut)).not.toBeNull();
  });

  test("--retry-max-time and a Retry-After, as curl 7.88 decides: whole seconds, and only for the statuses it retries", () => {
    const within = new RetryPolicy({ retries: 3, delayMs: 0, maxTimeMs: 1_000, asked: true });
    expect(within.delayFor(busy(1))).toBe(1_000); // 0 s gone + 1 s is not past 1 s
    expect(new RetryPolicy({ retries: 3, delayMs: 0, maxTimeMs: 1_000, asked: true }).delayFor(busy(2))).toBeNull();
    // A 404 retried by --retry-all-errors: curl waits its --retry-delay, whatever the Retry-After says.
    const gone = new FetchxError("HTTP_ERROR", "The requested URL returned error: 404", { retryable: false, status: 404, retryAfter: 2 });
    expect(new RetryPolicy({ retries: 3, delayMs: 0, maxTimeMs: 1_000, asked: true, allErrors: true }).delayFor(gone)).not.toBeNull();
  });

  test("--retry's help names the cap", () => {
    const retry = OPTIONS.find((o) => o.name === "retry");
    expect(retry?.description).toContain(`Retry-After is obeyed up to ${RETRY_AFTER_CAP_MS / 1000} s`);
  });
});
