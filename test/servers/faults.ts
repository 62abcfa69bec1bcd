// Named misbehaviours for the test server (test/servers/http.ts). A route lists the faults it shows;
// each applies to every request of that route, or only to the first `times` of them (so a retry can
// succeed). The server interprets them in respond.ts.

export interface FaultScope {
  /** Apply only to the first `times` requests of the route (counted per route, from 0). */
  times?: number;
}

export type Fault = FaultScope &
  (
    | { kind: "cut"; afterBytes: number; how: "close" | "reset" | "stall" }
    | { kind: "bad-chunk"; afterBytes: number }
    | { kind: "huge-headers"; bytes: number }
    | { kind: "redirect-loop" }
    | { kind: "empty-reply" }
    | { kind: "unavailable"; retryAfter?: string }
    | { kind: "changing-content"; every?: number; after?: number }
    | { kind: "ignore-range" }
    | { kind: "if-range-200" }
    | { kind: "wrong-content-range"; shift: number }
    | { kind: "slow-headers"; delayMs: number }
  );

/** Send the head (announcing the full length) and afterBytes body bytes, then close: a truncated body. */
export const truncateAfter = (afterBytes: number, s: FaultScope = {}): Fault => ({ kind: "cut", afterBytes, how: "close", ...s });

/** Send afterBytes body bytes, then nothing more while keeping the socket open (tests the idle timeout). */
export const stallAfter = (afterBytes: number, s: FaultScope = {}): Fault => ({ kind: "cut", afterBytes, how: "stall", ...s });

/** Send afterBytes body bytes (0: nothing after the head), then reset the connection. */
export const resetAfter = (afterBytes = 0, s: FaultScope = {}): Fault => ({ kind: "cut", afterBytes, how: "reset", ...s });

/** Chunked body whose chunk-size line is not hex after afterBytes good bytes, then close. */
export const badChunkSize = (afterBytes = 0, s: FaultScope = {}): Fault => ({ kind: "bad-chunk", afterBytes, ...s });

/** One header line (X-Padding) of `bytes` bytes: a client must bound what it buffers. */
export const hugeHeaders = (bytes = 1 << 20, s: FaultScope = {}): Fault => ({ kind: "huge-headers", bytes, ...s });

/** 302 to the request's own path, forever. */
export const redirectLoop = (s: FaultScope = {}): Fault => ({ kind: "redirect-loop", ...s });

/** Read the request, close without a byte (curl's "Empty reply from server"). */
export const emptyReply = (s: FaultScope = {}): Fault => ({ kind: "empty-reply", ...s });

/** 503 with Retry-After for the first `first` requests, then the normal answer. */
export const unavailable = (first: number, retryAfter = "1"): Fault => ({ kind: "unavailable", retryAfter, times: first });

/**
 * New content and new ETag/Last-Modified between requests: `after: n` changes once after n requests,
 * `every: n` changes every n requests (every: 1 = each request sees other content).
 */
export const changingContent = (when: { every?: number; after?: number }): Fault => ({ kind: "changing-content", ...when });

/** Advertise Accept-Ranges but answer every Range request with 200 and the whole body. */
export const ignoreRange = (s: FaultScope = {}): Fault => ({ kind: "ignore-range", ...s });

/** Answer 200 with the whole body whenever If-Range is sent, even when the validator matches. */
export const ifRangeIgnored = (s: FaultScope = {}): Fault => ({ kind: "if-range-200", ...s });

/** 206 whose Content-Range is shifted by `shift` bytes from the range asked for (body is the asked range). */
export const wrongContentRange = (shift = 1, s: FaultScope = {}): Fault => ({ kind: "wrong-content-range", shift, ...s });

/** Send the head one line at a time with delayMs between lines. */
export const slowHeaders = (delayMs: number, s: FaultScope = {}): Fault => ({ kind: "slow-headers", delayMs, ...s });

/** The faults of a list that apply to the request numbered `count` (0-based, per route). */
export function activeFaults(faults: Fault[] | undefined, count: number): Map<Fault["kind"], Fault> {
  const active = new Map<Fault["kind"], Fault>();
  for (const f of faults ?? []) if (f.times === undefined || count < f.times) active.set(f.kind, f);
  return active;
}

/** Content version for a request under a changing-content fault (0 = original content). */
export function contentVersion(faults: Fault[] | undefined, count: number): number {
  const f = faults?.find((x) => x.kind === "changing-content");
  if (!f || f.kind !== "changing-content") return 0;
  if (f.after !== undefined) return count >= f.after ? 1 : 0;
  return Math.floor(count / (f.every ?? 1));
}
