// A chunked answer (no size known until its end) or one without Accept-Ranges, cut mid-way, is resumed by
// the next run from the bytes on disk, when the server honours Range after all: the journal records what
// is known (URL, ETag/Last-Modified, the bytes held; the total stays unknown until the end) and the next
// run asks "Range: bytes=N-" with If-Range. A 200 to it starts over with one notice; a changed file starts
// over and says why; never a wrong byte, never the final name before every byte is there. Before this, a
// second run started again from byte 0 ("has no usable journal"). curl -C - on the same cut trusts the
// file's size: where the file changed between runs it splices two versions; fetchx does not.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { runCli, runCommand, sha256, spawnCli, tempDir, waitFor } from "../servers/harness.ts";
import { generatedBody, serverSet } from "../servers/http.ts";
import { changingContent, truncateAfter } from "../servers/faults.ts";
import { startNginx } from "../servers/nginx.ts";
import { CountingBody, doneBytes, expectDoneRangesMatch, journalOf, partOf, rangeOf, readJournal, requestsFor } from "../servers/transfer.ts";

setDefaultTimeout(30_000);

const SIZE = 1 << 20;
const CUT = 300_000;
const body = generatedBody(SIZE, 131);
const V0 = body.sha256();
const V1 = body.variant(1).sha256();
const small = generatedBody(200_000, 7);
const counted = new CountingBody(4 * SIZE, 17);
const tmp = tempDir("fetchx-chunked-");
const servers = serverSet();
afterAll(() => {
  servers.stopAll();
  tmp.cleanup();
});

const cutOnce = truncateAfter(CUT, { times: 1 });
const server = await servers.serve({
  routes: {
    // chunked, Range honoured (Accept-Ranges sent or not)
    "/chunked": { body, framing: "chunked", faults: [cutOnce] },
    "/chunked-quiet": { body, framing: "chunked", acceptRanges: false, faults: [cutOnce] },
    "/chunked-implicit": { body, framing: "chunked", acceptRanges: false, faults: [cutOnce] },
    // Content-Length, Range honoured, no Accept-Ranges
    "/quiet": { body, acceptRanges: false, faults: [cutOnce] },
    // Last-Modified only (no ETag): If-Range carries the date
    "/chunked-lm": { body, framing: "chunked", acceptRanges: false, etag: false, faults: [cutOnce] },
    // chunked, Range ignored: the rerun gets a 200
    "/chunked-noranges": { body, framing: "chunked", ranges: false, faults: [cutOnce] },
    // chunked, the file changes after the cut (for fetchx and, apart, for curl)
    "/chunked-changed": { body, framing: "chunked", acceptRanges: false, faults: [cutOnce, changingContent({ after: 1 })] },
    "/chunked-changed-curl": { body, framing: "chunked", acceptRanges: false, faults: [cutOnce, changingContent({ after: 1 })] },
    // the rerun through --compressed: gzip-encoded answers are decoded and never resumed by offset
    "/gzip": { body, encoding: "gzip", faults: [truncateAfter(CUT / 3, { times: 1 })] },
    // chunked, no Accept-Ranges, paced so a kill -9 lands mid-way
    "/chunked-slow": { body: counted, framing: "chunked", acceptRanges: false, rateBytesPerSec: 2_000_000 },
    // chunked, every byte sent but the last chunk (0) never: the rerun learns from a 416 that all is there
    "/chunked-all": { body, framing: "chunked", acceptRanges: false, faults: [truncateAfter(SIZE, { times: 1 })] },
    // the failure lines (one cut each)
    "/line-a": { body, framing: "chunked", faults: [cutOnce] },
    "/line-b": { body, framing: "chunked", acceptRanges: false, faults: [cutOnce] },
    // chunked without ETag or Last-Modified: nothing could tell a changed file, so nothing is resumed
    "/chunked-unvalidated": { body, framing: "chunked", etag: false, lastModified: false, faults: [cutOnce] },
    // chunked, and then shorter than the bytes already held, under the same ETag (a server that lies)
    "/chunked-shrunk": ({ count }) =>
      count === 0
        ? { body, framing: "chunked", acceptRanges: false, etag: '"same"', faults: [truncateAfter(CUT)] }
        : { body: small, framing: "chunked", acceptRanges: false, etag: '"same"' },
    // first without Content-Encoding (cut), then gzip for a client that offers it, under the same ETag
    "/gzip-later": ({ count }) =>
      count === 0
        ? { body, framing: "chunked", acceptRanges: false, etag: '"one"', faults: [truncateAfter(CUT)] }
        : { body, framing: "chunked", acceptRanges: false, etag: '"one"', encoding: "gzip" },
    // chunked, and its 206 does not know the total either: "Content-Range: bytes N-M/*"
    "/chunked-star": ({ count, req }) => {
      const from = /^bytes=(\d+)-$/.exec(req.headers["range"] ?? "")?.[1];
      const headers: Record<string, string> = from ? { "Content-Range": `bytes ${from}-${SIZE - 1}/*` } : {};
      return { body, framing: "chunked", acceptRanges: false, headers, faults: count === 0 ? [truncateAfter(CUT)] : [] };
    },
    // the application server behind nginx (below): chunked, no Accept-Ranges, Range honoured
    "/app": { body, framing: "chunked", acceptRanges: false, faults: [cutOnce] },
  },
});

const warnings = (stderr: string) => stderr.split("\n").filter((l) => l.trim());

/** Run 1: the body is cut after CUT bytes (--retry 0); exit 18, no final name, the .part holds what came. */
async function cut(path: string, out: string, extra: string[] = []): Promise<void> {
  const r = await runCli([server.url(path), "--retry", "0", "-o", out, ...extra]);
  expect(r.code).toBe(18);
  expect(r.stderr).toContain("(18)");
  expect(existsSync(out)).toBe(false);
  expect(existsSync(partOf(out))).toBe(true);
}

/** The journal's synced record (first line). */
const record = (out: string) => JSON.parse(readFileSync(journalOf(out), "utf8").split("\n")[0]!);

describe("a cut chunked answer or one without Accept-Ranges, rerun", () => {
  test.each([
    ["chunked, Accept-Ranges", "/chunked"],
    ["chunked, no Accept-Ranges", "/chunked-quiet"],
    ["Content-Length, no Accept-Ranges", "/quiet"],
  ])("%s: -C - asks bytes=N- with If-Range and appends the 206", async (_n, path) => {
    const out = tmp.file(`${path.slice(1)}.bin`);
    await cut(path, out);
    const j = record(out);
    // The journal knows the size only when the answer said it.
    expect(j.size).toBe(path === "/quiet" ? SIZE : null);
    expect(j.done).toEqual([[0, CUT]]);
    expect(j.etag).toMatch(/^"/);
    expect(statSync(partOf(out)).size).toBe(CUT);
    const before = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "-C", "-", "-o", out]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(await sha256(out)).toBe(V0);
    const again = requestsFor(server.requests, path).slice(before);
    expect(again.length).toBe(1);
    // Open-ended when the size is unknown; with a Content-Length, closed at its end.
    expect(again[0]!.headers["range"]).toBe(`bytes=${CUT}-${path === "/quiet" ? SIZE - 1 : ""}`);
    expect(again[0]!.headers["if-range"]).toBe(j.etag);
    expect(existsSync(partOf(out)) || existsSync(journalOf(out))).toBe(false);
  });

  test("a 206 whose Content-Range has no total (bytes N-M/*): appended up to the end of its body", async () => {
    const path = "/chunked-star";
    const out = tmp.file("star.bin");
    await cut(path, out);
    const before = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "-C", "-", "-o", out]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(await sha256(out)).toBe(V0);
    expect(requestsFor(server.requests, path).slice(before).map((q) => q.headers["range"])).toEqual([`bytes=${CUT}-`]);
  });

  test("every byte came but not the end of the chunks: the rerun's 416 gives the total, nothing is fetched again", async () => {
    const path = "/chunked-all";
    const out = tmp.file("all.bin");
    await cut(path, out);
    expect(record(out).done).toEqual([[0, SIZE]]);
    const before = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "-C", "-", "-o", out]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(await sha256(out)).toBe(V0);
    expect(requestsFor(server.requests, path).slice(before).map((q) => q.headers["range"])).toEqual([`bytes=${SIZE}-`]);
  });

  test("a plain rerun (no -C -) resumes the .part too, and says so in one line", async () => {
    const path = "/chunked-implicit";
    const out = tmp.file("implicit.bin");
    await cut(path, out);
    const before = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "-o", out]);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr)).toEqual([`resuming ${partOf(out)} (left by an earlier run; delete it to start over)`]);
    expect(await sha256(out)).toBe(V0);
    expect(requestsFor(server.requests, path).slice(before).map((q) => q.headers["range"])).toEqual([`bytes=${CUT}-`]);
  });

  test("Last-Modified only: If-Range carries the date", async () => {
    const path = "/chunked-lm";
    const out = tmp.file("lm.bin");
    await cut(path, out);
    const j = record(out);
    expect([j.size, j.etag, typeof j.lastModified]).toEqual([null, null, "string"]);
    const before = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "-C", "-", "-o", out]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(await sha256(out)).toBe(V0);
    const q = requestsFor(server.requests, path)[before]!;
    expect([rangeOf(q)?.start, q.headers["if-range"]]).toEqual([CUT, j.lastModified]);
  });

  test("a server that ignores Range: one notice, started over from the 200, right bytes", async () => {
    const path = "/chunked-noranges";
    const out = tmp.file("noranges.bin");
    await cut(path, out);
    const record0 = record(out);
    const before = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr)).toEqual(["fetchx: warning: the server does not resume (answered 200): starting over"]);
    expect(await sha256(out)).toBe(V0);
    const again = requestsFor(server.requests, path).slice(before);
    // Asked with If-Range, then (a 200 to If-Range may be a CDN's mistake) with Range alone; the second 200
    // is the whole file, written from byte 0.
    expect(again.map((q) => [q.headers["range"], q.headers["if-range"] ?? null])).toEqual([
      [`bytes=${CUT}-`, record0.etag],
      [`bytes=${CUT}-`, null],
    ]);
  });

  test("the file changed between the runs: fetchx says so and starts over; curl -C - splices two versions", async () => {
    const out = tmp.file("changed.bin");
    await cut("/chunked-changed", out);
    const r = await runCli([server.url("/chunked-changed"), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr)).toEqual(["fetchx: warning: the file changed on the server: starting over"]);
    expect(await sha256(out)).toBe(V1);

    // curl 7.88 on the same cut: the first run leaves CUT bytes under the final name (exit 18), and -C -
    // asks from the file's size without If-Range, so the new version's tail lands after the old head.
    const cout = tmp.file("changed-curl.bin");
    const c1 = await runCommand(["curl", "-sS", "-o", cout, server.url("/chunked-changed-curl")]);
    expect(c1.code).toBe(18);
    expect(statSync(cout).size).toBe(CUT);
    const before = requestsFor(server.requests, "/chunked-changed-curl").length;
    const c2 = await runCommand(["curl", "-sS", "-C", "-", "-o", cout, server.url("/chunked-changed-curl")]);
    expect(c2.code).toBe(0);
    const q = requestsFor(server.requests, "/chunked-changed-curl")[before]!;
    expect([q.headers["range"], q.headers["if-range"] ?? null]).toEqual<(string | null)[]>([`bytes=${CUT}-`, null]);
    const spliced = await sha256(cout);
    expect(spliced).not.toBe(V0);
    expect(spliced).not.toBe(V1);
    const expected = new Bun.CryptoHasher("sha256").update(body.bytes(0, CUT)).update(body.variant(1).bytes(CUT, SIZE)).digest("hex");
    expect(spliced).toBe(expected);
  });

  test("--compressed: a gzip body is decoded, so no journal is kept; the rerun starts from byte 0 and says why", async () => {
    const out = tmp.file("gzip.bin");
    await cut("/gzip", out, ["--compressed"]);
    expect(existsSync(journalOf(out))).toBe(false);
    const before = requestsFor(server.requests, "/gzip").length;
    const r = await runCli([server.url("/gzip"), "--compressed", "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr).length).toBe(1);
    expect(r.stderr).toContain("no usable journal");
    expect(await sha256(out)).toBe(V0);
    expect(requestsFor(server.requests, "/gzip").slice(before).map((q) => q.headers["range"] ?? null)).toEqual<(string | null)[]>([null]);
  });
});

describe("--compressed and ranges", () => {
  test("bytes held unencoded, and the range now comes gzip-encoded: not appended, started over, decoded bytes", async () => {
    const path = "/gzip-later";
    const out = tmp.file("gzip-later.bin");
    await cut(path, out, ["--compressed"]);
    expect(record(out).done).toEqual([[0, CUT]]);
    const before = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "--compressed", "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr)).toEqual(["fetchx: warning: the file changed on the server (its range is now sent with Content-Encoding gzip): starting over"]);
    expect(await sha256(out)).toBe(V0);
    expect(requestsFor(server.requests, path).slice(before).map((q) => q.headers["range"] ?? null)).toEqual<(string | null)[]>([`bytes=${CUT}-`, null]);
  });
});

describe("kill -9 during a chunked answer", () => {
  test("the progress line claims what was written; the rerun asks from there and the bytes are exact", async () => {
    const path = "/chunked-slow";
    const out = tmp.file("killed.bin");
    const served = counted.served;
    const run = spawnCli([server.url(path), "-sS", "-o", out], { stdout: "ignore" });
    await waitFor(() => counted.served - served >= SIZE || run.proc.exitCode !== null, 20_000, "1 MiB served");
    run.kill("SIGKILL");
    const ended = await run.done;
    expect(ended.signal).toBe("SIGKILL");
    expect(existsSync(out)).toBe(false);
    const j = readJournal(out, { url: server.url(path) });
    expect(j.size).toBe(null);
    expectDoneRangesMatch(out, j, counted);
    const held = doneBytes(j);
    expect(held).toBeGreaterThan(0);
    expect(j.done).toEqual([[0, held]]);
    const before = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "-sS", "-C", "-", "-o", out]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(await sha256(out)).toBe(new CountingBody(4 * SIZE, 17).sha256());
    expect(requestsFor(server.requests, path).slice(before).map((q) => q.headers["range"])).toEqual([`bytes=${held}-`]);
  });
});

describe("what the failure line promises, and when nothing is kept", () => {
  test("chunked with Accept-Ranges: the line says to run it again; without it, that a rerun asks for the rest", async () => {
    const a = await runCli([server.url("/line-a"), "--retry", "0", "-o", tmp.file("line-a.bin")]);
    const b = await runCli([server.url("/line-b"), "--retry", "0", "-o", tmp.file("line-b.bin")]);
    expect([a.code, b.code]).toEqual([18, 18]);
    expect(a.stderr).toContain("; run it again to resume");
    expect(b.stderr).toContain("; kept: a rerun asks for the rest (the server did not announce ranges)");
    expect([a.stderr, b.stderr].map((e) => warnings(e).length)).toEqual([1, 1]);
  });

  test("chunked without ETag or Last-Modified: no journal (a change could not be seen); the rerun starts from 0", async () => {
    const path = "/chunked-unvalidated";
    const out = tmp.file("unvalidated.bin");
    await cut(path, out);
    expect(existsSync(journalOf(out))).toBe(false);
    const before = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr)).toEqual([`fetchx: warning: ${partOf(out)} has no usable journal (no journal): starting over`]);
    expect(await sha256(out)).toBe(V0);
    expect(requestsFor(server.requests, path).slice(before).map((q) => q.headers["range"] ?? null)).toEqual<(string | null)[]>([null]);
  });

  test("the server's file is now shorter than the bytes held (same ETag): 416, 'changed', started over", async () => {
    const path = "/chunked-shrunk";
    const out = tmp.file("shrunk.bin");
    await cut(path, out);
    const before = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "-C", "-", "-o", out]);
    expect(r.code).toBe(0);
    expect(warnings(r.stderr)).toEqual(["fetchx: warning: the file changed on the server: starting over"]);
    expect(await sha256(out)).toBe(small.sha256());
    expect(requestsFor(server.requests, path).slice(before).map((q) => q.headers["range"] ?? null)).toEqual<(string | null)[]>([`bytes=${CUT}-`, null]);
  });
});

describe("behind a real nginx (reverse proxy, unbuffered)", () => {
  test("the application's chunked answer is cut: nginx cuts its own chunked answer, and -C - resumes through it", async () => {
    using root = tempDir("fetchx-nginx-root-");
    const ng = await startNginx({ root: root.path, proxy: `http://127.0.0.1:${server.port}` });
    try {
      const out = tmp.file("nginx.bin");
      const r1 = await runCli([ng.url("/app"), "--retry", "0", "-o", out]);
      expect(r1.code).toBe(18);
      expect(existsSync(out)).toBe(false);
      const j = record(out);
      expect(j.size).toBe(null);
      const held = statSync(partOf(out)).size;
      // nginx relays what the application sent before the cut (all of it, as it does not buffer).
      expect(j.done).toEqual([[0, held]]);
      expect(held).toBe(CUT);
      const before = requestsFor(server.requests, "/app").length;
      const r2 = await runCli([ng.url("/app"), "-C", "-", "-o", out]);
      expect([r2.code, r2.stderr]).toEqual([0, ""]);
      expect(await sha256(out)).toBe(V0);
      // nginx passed the Range and If-Range on; the application answered 206, nginx relayed it.
      const again = requestsFor(server.requests, "/app").slice(before);
      expect(again.map((q) => [q.headers["range"], q.headers["if-range"]])).toEqual([[`bytes=${held}-`, j.etag]]);
    } finally {
      await ng.stop();
    }
  });
});
