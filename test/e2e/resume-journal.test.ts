// -C - resumes from NAME.part + NAME.fetchx: an interrupted run leaves a valid journal whose claimed ranges
// hold the right bytes; the resume asks only for the missing bytes, guarded by If-Range (strong ETag, else
// Last-Modified); a complete file is left alone (416); a .part without a journal is not trusted.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { randomBytes, runCli, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { truncateAfter } from "../servers/faults.ts";
import {
  CountingBody,
  donePrefix,
  expectDoneRangesMatch,
  journalOf,
  partOf,
  rangeOf,
  readJournal,
  requestsFor,
} from "../servers/transfer.ts";

// Real transfers with rate limits and retries: longer than bun's 5 s default, bounded all the same.
setDefaultTimeout(30_000);

const SIZE = 3 * 1024 * 1024 + 123; // not a multiple of any block size
const K = 1_000_000;
const ETAG = '"resume-v1"';
const LAST_MODIFIED = "Mon, 15 Jan 2024 12:00:00 GMT";
const body = new CountingBody(SIZE, 31);
const SHA = new CountingBody(SIZE, 31).sha256();

let server: TestServer;
const tmp = tempDir("fetchx-resume-");

beforeAll(async () => {
  server = await startServer({
    routes: {
      // The first request of each route is cut after K bytes; later ones are healthy.
      "/etag": { body, etag: ETAG, lastModified: LAST_MODIFIED, faults: [truncateAfter(K, { times: 1 })] },
      "/last-modified": { body, etag: false, lastModified: LAST_MODIFIED, faults: [truncateAfter(K, { times: 1 })] },
      "/whole": { body, etag: ETAG },
      "/no-journal": { body, etag: ETAG },
    },
  });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

/** Run 1 with --retry 0 against a route whose first answer is cut: exit 18, partial state left. */
async function interrupted(path: string, out: string) {
  const r = await runCli([server.url(path), "--retry", "0", "-o", out]);
  expect(r.code).toBe(18);
  expect(existsSync(out)).toBe(false);
  expect(existsSync(partOf(out))).toBe(true);
  expect(existsSync(journalOf(out))).toBe(true);
}

describe("-C - resume", () => {
  test("interrupted: journal per docs/JOURNAL.md; resume asks only the missing range with If-Range: ETag", async () => {
    const out = tmp.file("etag.bin");
    await interrupted("/etag", out);
    const j = readJournal(out, { url: server.url("/etag"), size: SIZE });
    expect(j.etag).toBe(ETAG);
    expectDoneRangesMatch(out, j, body);
    const from = donePrefix(j);
    // Some work was kept, and never more than the server sent.
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(K);

    const before = body.served;
    const r = await runCli([server.url("/etag"), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);

    const resumed = requestsFor(server.requests, "/etag").slice(1);
    expect(resumed.length).toBe(1);
    const range = rangeOf(resumed[0]!)!;
    expect(range.start).toBe(from);
    expect(range.end === null || range.end === SIZE).toBe(true);
    expect(resumed[0]!.headers["if-range"]).toBe(ETAG);
    // The server produced only the missing bytes (plus at most one generator block).
    expect(body.served - before).toBeLessThanOrEqual(SIZE - from + 65536);
  });

  test("no ETag: the journal keeps Last-Modified and If-Range carries it", async () => {
    const out = tmp.file("lm.bin");
    await interrupted("/last-modified", out);
    const j = readJournal(out, { url: server.url("/last-modified"), size: SIZE });
    expect(j.etag ?? null).toBeNull();
    expect(j.lastModified).toBe(LAST_MODIFIED);
    expectDoneRangesMatch(out, j, body);

    const r = await runCli([server.url("/last-modified"), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    const resumed = requestsFor(server.requests, "/last-modified").slice(1);
    expect(resumed.length).toBe(1);
    expect(rangeOf(resumed[0]!)?.start).toBe(donePrefix(j));
    expect(resumed[0]!.headers["if-range"]).toBe(LAST_MODIFIED);
  });

  test("complete file, no .part: -C - asks bytes=SIZE-, the 416 means done, the file is untouched", async () => {
    const out = tmp.file("whole.bin");
    const first = await runCli([server.url("/whole"), "-o", out]);
    expect(first.code).toBe(0);
    const mtime = statSync(out).mtimeMs;
    const before = body.served;

    const r = await runCli([server.url("/whole"), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    const second = requestsFor(server.requests, "/whole").slice(1);
    expect(second.length).toBe(1);
    expect(second[0]!.headers["range"]).toBe(`bytes=${SIZE}-`);
    expect(body.served).toBe(before);
    expect(statSync(out).mtimeMs).toBe(mtime);
    expect(await sha256(out)).toBe(SHA);
    expect(existsSync(partOf(out))).toBe(false);
  });

  test("a shorter file at NAME that is the server's first bytes (curl's partial file): -C - compares its last 64 KiB, then resumes it", async () => {
    const out = tmp.file("prefix.bin");
    writeFileSync(out, new CountingBody(SIZE, 31).bytes(0, K)); // what curl -o left when it was cut at K
    const seen = requestsFor(server.requests, "/whole").length;

    const r = await runCli([server.url("/whole"), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`resuming ${out} from byte ${K} (its last bytes match the server's)`);
    const asked = requestsFor(server.requests, "/whole").slice(seen);
    expect(asked.map((q) => q.headers["range"])).toEqual([`bytes=${K}-`, `bytes=${K - 65536}-${K - 1}`, `bytes=${K}-${SIZE - 1}`]);
    expect(asked.slice(1).map((q) => q.headers["if-range"])).toEqual([ETAG, ETAG]);
    expect(await sha256(out)).toBe(SHA);
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);
  });

  test("a shorter file at NAME whose last bytes are not the server's: -C - says so and downloads it whole (never spliced); was exit 8 after five retries", async () => {
    const out = tmp.file("shorter.bin");
    writeFileSync(out, randomBytes(K, 5));
    const seen = requestsFor(server.requests, "/whole").length;

    const r = await runCli([server.url("/whole"), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("exists but its last 65536 bytes differ from the server's: downloading it again");
    const asked = requestsFor(server.requests, "/whole").slice(seen).map((q) => q.headers["range"] ?? "");
    expect(asked).toEqual([`bytes=${K}-`, `bytes=${K - 65536}-${K - 1}`, ""]);
    expect(await sha256(out)).toBe(SHA);
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);
  });

  test(".part without a journal: not trusted, said so, downloaded from the start", async () => {
    const out = tmp.file("no-journal.bin");
    // Garbage where the first K bytes would be: splicing onto it would change the hash.
    writeFileSync(partOf(out), randomBytes(K, 99));
    const r = await runCli([server.url("/no-journal"), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/journal|start(ing|s)? over|from the (start|beginning)/i);
    expect(await sha256(out)).toBe(SHA);
    const reqs = requestsFor(server.requests, "/no-journal");
    expect(reqs.length).toBe(1);
    expect(rangeOf(reqs[0]!)?.start ?? 0).toBe(0);
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);
  });
});
