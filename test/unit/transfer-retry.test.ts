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
    const p = new RetryPolicy({ retries: 5, delayMs: 0, maxTimeMs: 0 }, () => 0);
    for (let i = 0; i < 5; i++) expect(p.delayFor(busy(i % 2 ? 3600 : 300))).toBe(60_000);
    expect(p.delayFor(busy(300))).toBeNull(); // the budget of 5 is spent
    expect(new RetryPolicy({ retries: 5, delayMs: 0, maxTimeMs: 0 }, () => 0).delayFor(busy(2))).toBe(2000);
  });

  test("--retry's help names the cap", () => {
    const retry = OPTIONS.find((o) => o.name === "retry");
    expect(retry?.description).toContain(`Retry-After is obeyed up to ${RETRY_AFTER_CAP_MS / 1000} s`);
  });
});
