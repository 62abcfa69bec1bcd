// --connections N: ranges in parallel over several connections, written at their offsets; servers without
// ranges get one connection; a throttled connection's range is taken over by the others; with --mptcp every
// connection is MPTCP. Per-connection rate limits keep the transfers long enough to overlap.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mptcpAvailable } from "../../src/net/mptcp.ts";
import { runCli, sha256, tempDir } from "../servers/harness.ts";
import { generatedBody, serverSet } from "../servers/http.ts";
import { ignoreRange, slowHeaders } from "../servers/faults.ts";
import { CountingBody, rangeOf, type ByteRange } from "../servers/transfer.ts";
import type { RecordedRequest } from "../servers/respond.ts";

// Real transfers with rate limits and retries: longer than bun's 5 s default, bounded all the same.
setDefaultTimeout(30_000);

const tmp = tempDir("fetchx-seg-");
const { serve, stopAll } = serverSet();
afterAll(() => {
  stopAll();
  tmp.cleanup();
});

const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
const connectionsOf = (reqs: RecordedRequest[]) => new Set(reqs.map((q) => q.connection));
/** A request's range with an open end made explicit. */
const span = (q: RecordedRequest, size: number): ByteRange & { end: number } => {
  const r = rangeOf(q) ?? { start: 0, end: size };
  return { start: r.start, end: r.end ?? size };
};

describe("--connections", () => {
  test("4 connections on 24 MiB: >= 2 connections used, ranges disjoint but for steals, bytes exact", async () => {
    const SIZE = 24 * 1024 * 1024;
    const body = new CountingBody(SIZE, 51);
    // 6 MB/s per connection: one connection needs ~4 s, so the others are surely opened meanwhile.
    const server = await serve({ routes: { "/f": { body, rateBytesPerSec: 6_000_000 } } });
    const out = tmp.file("f24.bin");
    const r = await runCli([server.url("/f"), "--connections", "4", "-o", out, "-w", "%{json}"]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(generatedBody(SIZE, 51).sha256());

    const reqs = server.requests;
    expect(connectionsOf(reqs).size).toBeGreaterThanOrEqual(2);
    expect(json(r.stdout).num_connects).toBe(server.connections);
    const ranged = reqs.filter((q) => rangeOf(q) !== null);
    for (const q of ranged) {
      const s = span(q, SIZE);
      expect(s.start).toBeGreaterThanOrEqual(0);
      expect(s.end).toBeLessThanOrEqual(SIZE);
    }
    // Two requests starting at the same offset would fetch the same bytes twice; a steal starts inside.
    // (A one-byte probe such as bytes=0-0 is left out: re-asking that byte costs nothing.)
    const starts = reqs.map((q) => span(q, SIZE)).filter((s) => s.end - s.start > 1).map((s) => s.start);
    expect(new Set(starts).size).toBe(starts.length);
    // What the server produced stays close to the file size: at most one 64 KiB block per response
    // beyond what was used, plus 5% for a probe cut short.
    expect(body.served).toBeLessThanOrEqual(SIZE * 1.05 + 65536 * reqs.length);
  });

  test("server without Accept-Ranges: one request, one connection, bytes exact", async () => {
    const SIZE = 4 * 1024 * 1024;
    const server = await serve({ routes: { "/f": { body: generatedBody(SIZE, 52), ranges: false } } });
    const out = tmp.file("noranges.bin");
    const r = await runCli([server.url("/f"), "--connections", "4", "-o", out]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(generatedBody(SIZE, 52).sha256());
    expect(server.requests.length).toBe(1);
    expect(server.connections).toBe(1);
  });

  test("server advertising ranges but answering them with 200: falls back to one connection, bytes exact", async () => {
    const SIZE = 4 * 1024 * 1024;
    const server = await serve({ routes: { "/f": { body: generatedBody(SIZE, 53), faults: [ignoreRange()] } } });
    const out = tmp.file("ignorerange.bin");
    const r = await runCli([server.url("/f"), "--connections", "4", "-o", out]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(generatedBody(SIZE, 53).sha256());
    // The probe plus at most one try per connection before the fallback: no retry storm.
    expect(server.requests.length).toBeLessThanOrEqual(5);
  });

  test("output to stdout: one connection even with --connections 4", async () => {
    const SIZE = 2 * 1024 * 1024;
    const server = await serve({ routes: { "/f": { body: generatedBody(SIZE, 54) } } });
    const r = await runCli([server.url("/f"), "--connections", "4"]);
    expect(r.code).toBe(0);
    expect(await sha256(r.stdout)).toBe(generatedBody(SIZE, 54).sha256());
    expect(server.connections).toBe(1);
  });

  test("one connection throttled to 50 KB/s: its range is taken over and the download finishes", async () => {
    const SIZE = 8 * 1024 * 1024;
    const SLOW = 2; // the second connection the server accepts
    const body = generatedBody(SIZE, 55);
    const server = await serve({
      routes: { "/f": ({ req }) => ({ body, rateBytesPerSec: req.connection === SLOW ? 50_000 : 4_000_000 }) },
    });
    const out = tmp.file("throttled.bin");
    // Alone, the slow connection's quarter (2 MiB) would take ~42 s; the bound is well below that.
    const r = await runCli([server.url("/f"), "--connections", "4", "-o", out], { timeoutMs: 25_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(body.sha256());

    const slowFirst = server.requests.find((q) => q.connection === SLOW);
    expect(slowFirst).toBeDefined();
    const orig = span(slowFirst!, SIZE);
    // Another connection later asked for bytes strictly inside the slow connection's original range.
    const takeover = server.requests.find((q) => {
      if (q.connection === SLOW || q === slowFirst) return false;
      const s = span(q, SIZE).start;
      return s > orig.start && s < orig.end;
    });
    expect(takeover).toBeDefined();
  });

  test("a steal while the victim's answer is still arriving: no error, nothing fetched twice", async () => {
    const SIZE = 8 * 1024 * 1024;
    const body = new CountingBody(SIZE, 57);
    // The second request's head trickles in for ~1 s, so the first connection finishes its half and steals
    // from a segment whose 206 (with the Content-Range first asked) has not arrived yet.
    const server = await serve({
      routes: { "/f": ({ count }) => ({ body, rateBytesPerSec: 8_000_000, faults: count === 1 ? [slowHeaders(150)] : [] }) },
    });
    const out = tmp.file("steal-inflight.bin");
    const r = await runCli([server.url("/f"), "--connections", "2", "-o", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(generatedBody(SIZE, 57).sha256());
    // (A one-byte probe such as bytes=0-0 is left out: re-asking that byte costs nothing.)
    const starts = server.requests.map((q) => span(q, SIZE)).filter((s) => s.end - s.start > 1).map((s) => s.start);
    expect(new Set(starts).size).toBe(starts.length);
    expect(body.served).toBeLessThanOrEqual(SIZE * 1.05 + 65536 * server.requests.length);
  });

  test.skipIf(!mptcpAvailable(4).ok)("--connections 4 --mptcp: every connection is MPTCP 'active'", async () => {
    const SIZE = 8 * 1024 * 1024;
    const server = await serve({ mptcp: true, routes: { "/f": { body: generatedBody(SIZE, 56), rateBytesPerSec: 4_000_000 } } });
    const out = tmp.file("mptcp.bin");
    const r = await runCli([server.url("/f"), "--connections", "4", "--mptcp", "-o", out, "-w", "%{json}"]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(generatedBody(SIZE, 56).sha256());
    const conns = json(r.stdout).connections as { mptcp: string }[];
    expect(conns.length).toBeGreaterThanOrEqual(2);
    expect(conns.length).toBe(server.connections);
    for (const c of conns) expect(c.mptcp).toBe("active");
  });
});
