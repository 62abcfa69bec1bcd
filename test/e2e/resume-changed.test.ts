// -C - never splices two versions of a file: when the server's file changed between the interrupted run and
// the resume (new ETag, or only a new Last-Modified), fetchx says so and starts over; a 206 whose
// Content-Range is not what was asked is never written at the wrong place; a CDN that answers If-Range with
// 200 although nothing changed gets a plain Range instead of a restart.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { runCli, sha256, tempDir } from "../servers/harness.ts";
import { generatedBody, startServer, type TestServer } from "../servers/http.ts";
import { changingContent, ifRangeIgnored, truncateAfter, wrongContentRange } from "../servers/faults.ts";
import { donePrefix, expectDoneRangesMatch, journalOf, partOf, rangeOf, readJournal, requestsFor } from "../servers/transfer.ts";

// Real transfers with rate limits and retries: longer than bun's 5 s default, bounded all the same.
setDefaultTimeout(30_000);

const SIZE = 2 * 1024 * 1024;
const K = 700_000;
const body = generatedBody(SIZE, 41);
const V0 = body.sha256();
// What the server serves once changingContent has moved it on.
const V1 = body.variant(1).sha256();

let server: TestServer;
const tmp = tempDir("fetchx-changed-");

beforeAll(async () => {
  const cutOnce = truncateAfter(K, { times: 1 });
  server = await startServer({
    routes: {
      "/etag-changed": { body, faults: [cutOnce, changingContent({ after: 1 })] },
      "/lm-changed": { body, etag: false, faults: [cutOnce, changingContent({ after: 1 })] },
      "/wrong-range": { body, faults: [cutOnce, wrongContentRange(4096)] },
      "/if-range-200": { body, faults: [cutOnce, ifRangeIgnored()] },
    },
  });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

/** Run 1: cut after K bytes with --retry 0, leaving .part + journal; returns the journal's resume point. */
async function interrupted(path: string, out: string): Promise<number> {
  const r = await runCli([server.url(path), "--retry", "0", "-o", out]);
  expect(r.code).toBe(18);
  const j = readJournal(out, { url: server.url(path), size: SIZE });
  expectDoneRangesMatch(out, j, body);
  expect(donePrefix(j)).toBeGreaterThan(0);
  return donePrefix(j);
}

describe("-C - when the file changed (or seems to)", () => {
  test.each([
    ["ETag", "/etag-changed"],
    ["Last-Modified only", "/lm-changed"],
  ])("new %s on the server: 'changed' on stderr, started over, bytes are the new version", async (_v, path) => {
    const out = tmp.file(path.slice(1) + ".bin");
    await interrupted(path, out);
    const r = await runCli([server.url(path), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/changed/i);
    expect(await sha256(out)).toBe(V1);
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);
    // The resume was guarded: its first request carried If-Range.
    const resumed = requestsFor(server.requests, path).slice(1);
    expect(resumed[0]!.headers["if-range"]).toBeDefined();
  });

  test("206 with a Content-Range other than asked: never spliced (restart or clear failure)", async () => {
    const out = tmp.file("wrong-range.bin");
    const from = await interrupted("/wrong-range", out);
    const r = await runCli([server.url("/wrong-range"), "-C", "-", "-o", out]);
    const resumed = requestsFor(server.requests, "/wrong-range").slice(1);
    expect(rangeOf(resumed[0]!)?.start).toBe(from);
    if (r.code === 0) {
      // Started over from a request the fault cannot touch (no Range): the whole, right file.
      expect(await sha256(out)).toBe(V0);
    } else {
      // Gave up: one clear line, nothing under the final name, and the kept .part still holds only true bytes.
      expect(r.stderr).toMatch(/content-range/i);
      expect(existsSync(out)).toBe(false);
      if (existsSync(journalOf(out))) expectDoneRangesMatch(out, readJournal(out), body);
    }
  });

  test("If-Range answered 200 though nothing changed: falls back to a plain Range, no restart from 0", async () => {
    const out = tmp.file("if-range-200.bin");
    const from = await interrupted("/if-range-200", out);
    const r = await runCli([server.url("/if-range-200"), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(V0);
    expect(r.stderr).not.toMatch(/changed/i);
    const resumed = requestsFor(server.requests, "/if-range-200").slice(1);
    expect(resumed[0]!.headers["if-range"]).toBeDefined();
    // Later: a Range without If-Range from where the journal left off (its 206 validator is then checked).
    const plain = resumed.slice(1).find((q) => q.headers["if-range"] === undefined && rangeOf(q) !== null);
    expect(plain).toBeDefined();
    expect(rangeOf(plain!)!.start).toBe(from);
    // Nothing asked again from byte 0.
    expect(resumed.slice(1).every((q) => (rangeOf(q)?.start ?? 0) > 0)).toBe(true);
  });
});
