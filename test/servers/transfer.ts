// Helpers for the resume / segments / retry / crash / disk / checksum tests: reading and checking the
// journal beside a .part file, parsing the Range headers the server saw, a body that counts the bytes the
// server produced (so a test can prove nothing was downloaded twice). Starting fetchx is harness.ts's job.
import { readFileSync } from "node:fs";
import { expect } from "bun:test";
import { GeneratedBody } from "./body.ts";
import { parseRangeSpec, type RecordedRequest } from "./respond.ts";

/** The journal format of docs/JOURNAL.md (version 3: the synced record, then an optional progress line). */
export interface Journal {
  format: "fetchx-journal";
  version: 3;
  url: string;
  source?: string;
  /** null while unknown (the bytes came from a chunked answer). */
  size: number | null;
  etag?: string | null;
  lastModified?: string | null;
  done: [number, number][];
  updated: unknown;
}

export const partOf = (out: string) => out + ".part";
export const journalOf = (out: string) => out + ".fetchx";

const BOOT_ID = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

/**
 * Parse NAME.fetchx and check its shape against the documented format; throws (test fails) if it is off.
 * `done` is what a resume on this boot trusts: the synced record's ranges plus the progress line's.
 * `synced` leaves the progress line out (what survives a power loss).
 */
export function readJournal(out: string, expected: { url?: string; size?: number; synced?: boolean } = {}): Journal {
  const [first, second = ""] = readFileSync(journalOf(out), "utf8").split("\n");
  const j = JSON.parse(first!) as Journal;
  expect(j.format).toBe("fetchx-journal");
  expect(j.version).toBe(3);
  let progress: { boot: string; done: [number, number][] } | null = null;
  try {
    progress = second.trim() ? JSON.parse(second) : null;
  } catch {
    // torn by a kill inside the write: the engine ignores it too (its hash would not match)
  }
  if (progress && progress.boot === BOOT_ID && !expected.synced) j.done = mergeRanges([...j.done, ...progress.done]);
  expect(typeof j.url).toBe("string");
  expect(j.size === null || Number.isSafeInteger(j.size)).toBe(true);
  expect(Array.isArray(j.done)).toBe(true);
  expect(j.updated).toBeDefined();
  if (expected.url !== undefined) expect(j.url).toBe(expected.url);
  if (expected.size !== undefined) expect(j.size).toBe(expected.size);
  let last = -1;
  for (const r of j.done) {
    expect(r.length).toBe(2);
    const [s, e] = r;
    // Sorted, disjoint, inside the file: anything else would make "what is done" ambiguous.
    expect(s).toBeGreaterThan(last);
    expect(e).toBeGreaterThan(s);
    if (j.size !== null) expect(e).toBeLessThanOrEqual(j.size);
    last = e;
  }
  return j;
}

function mergeRanges(all: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [s, e] of all.sort((a, b) => a[0] - b[0])) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Bytes the journal claims are done. */
export const doneBytes = (j: Journal) => j.done.reduce((n, [s, e]) => n + (e - s), 0);

/** End of the done range starting at 0 (0 when byte 0 is not done): where a sequential resume starts. */
export const donePrefix = (j: Journal) => (j.done[0]?.[0] === 0 ? j.done[0][1] : 0);

/**
 * Every range the journal claims is in the .part file holds the source's bytes there: the engine synced the
 * data before the journal claimed it (checked after SIGKILL too, where a lie would splice garbage).
 */
export function expectDoneRangesMatch(out: string, j: Journal, body: GeneratedBody) {
  const part = readFileSync(partOf(out));
  // A plain copy of the source, so a CountingBody's count only reflects what the server sent.
  const source = new GeneratedBody(body.size, body.seed);
  for (const [s, e] of j.done) {
    expect(part.length).toBeGreaterThanOrEqual(e);
    const got = new Bun.CryptoHasher("sha256").update(part.subarray(s, e)).digest("hex");
    if (got !== source.sha256(s, e)) throw new Error(`journal claims [${s}, ${e}) but the .part holds other bytes there`);
  }
}

export interface ByteRange {
  start: number;
  /** Exclusive end; null for an open range ("bytes=K-"). */
  end: number | null;
}

/** A request's "Range: bytes=a-b" as [a, b+1); null when it had none. Suffix ranges are not expected. */
export function rangeOf(req: RecordedRequest): ByteRange | null {
  const v = req.headers["range"];
  if (v === undefined) return null;
  const spec = parseRangeSpec(v);
  if (spec?.first == null) throw new Error(`unexpected Range header: ${v}`);
  return { start: spec.first, end: spec.last === null ? null : spec.last + 1 };
}

/** Requests for one path (the probe, segments and retries of one download). */
export const requestsFor = (reqs: RecordedRequest[], path: string) => reqs.filter((r) => r.path.split("?")[0] === path);

/** Generated content that counts the body bytes the server produced for it (an upper bound on bytes sent:
 * at most one 64 KiB block more per response than what reached the socket). */
export class CountingBody extends GeneratedBody {
  served = 0;
  override *slices(start: number, end: number): Generator<Uint8Array> {
    for (const piece of super.slices(start, end)) {
      this.served += piece.length;
      yield piece;
    }
  }
}

/** A small seeded PRNG (mulberry32), so "random" kill moments are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
