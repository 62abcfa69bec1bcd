// --connections N holds at most N connections, counted at the server: segments are asked in bounded
// chunks, so work stealing never closes a connection; servers that limit connections per client (503 or a
// reset beyond the limit, nginx limit_conn) get fewer connections and the download still finishes byte-exact
// without spending retries; a segment answered with a redirect (signed URLs per request) is followed.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { runCli, sha256, tempDir } from "../servers/harness.ts";
import { generatedBody, serverSet } from "../servers/http.ts";
import { startNginx, writeFile } from "../servers/nginx.ts";
import { rangeOf } from "../servers/transfer.ts";

setDefaultTimeout(30_000);

const tmp = tempDir("fetchx-segconn-");
const { serve, stopAll } = serverSet();
afterAll(() => {
  stopAll();
  tmp.cleanup();
});

const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

describe("--connections N: connections at the server", () => {
  test("8 connections on 48 MiB with steals: never more than 8 open, no connection closed by a steal", async () => {
    const SIZE = 48 << 20;
    const body = generatedBody(SIZE, 61);
    // Uneven rates make fast connections finish first and steal from slow ones.
    const server = await serve({ routes: { "/f": ({ req }) => ({ body, rateBytesPerSec: req.connection % 3 === 0 ? 6_000_000 : 24_000_000 }) } });
    const out = tmp.file("c8.bin");
    const r = await runCli([server.url("/f"), "--connections", "8", "-o", out, "-w", "%{json}"]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(body.sha256());
    expect(server.maxOpen).toBeLessThanOrEqual(8);
    // The probe's connection is reused by a worker: 8 in all.
    expect(server.connections).toBeLessThanOrEqual(8);
    expect(json(r.stdout).num_connects).toBe(server.connections);
    // Work was stolen (a request starting inside another's first range), which used to cost a connection.
    const starts = server.requests.map((q) => rangeOf(q)?.start ?? 0);
    const firsts = new Set(server.requests.filter((q, i) => server.requests.findIndex((o) => o.connection === q.connection) === i).map((q) => rangeOf(q)?.start));
    expect(starts.some((s) => !firsts.has(s))).toBe(true);
  });

  test("nginx, 8 connections on 96 MiB: at most 8 connections made", async () => {
    using root = tempDir("fetchx-segconn-root-");
    const body = generatedBody(96 << 20, 62);
    writeFile(root.path, "f", body.bytes());
    const ng = await startNginx({ root: root.path, limitRate: "24m" });
    try {
      const out = tmp.file("ng8.bin");
      const r = await runCli([ng.url("/f"), "--connections", "8", "-o", out, "-w", "%{num_connects}"]);
      expect(r.code).toBe(0);
      expect(await sha256(out)).toBe(body.sha256());
      expect(Number(new TextDecoder().decode(r.stdout))).toBeLessThanOrEqual(8);
    } finally {
      await ng.stop();
    }
  });
});

describe("servers that limit connections per client", () => {
  for (const how of ["503", "reset"] as const) {
    test(`admits 2, ${how === "503" ? "answers 503 to" : "resets"} more: --connections 16 finishes byte-exact, exit 0, no retry spent`, async () => {
      const SIZE = 16 << 20;
      const body = generatedBody(SIZE, 63);
      const server = await serve({ limitConnections: { max: 2, how }, routes: { "/f": { body, rateBytesPerSec: 8_000_000 } } });
      const out = tmp.file(`limit-${how}.bin`);
      const r = await runCli([server.url("/f"), "--connections", "16", "-o", out, "-w", "%{json}"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(await sha256(out)).toBe(body.sha256());
      expect(server.refused).toBeGreaterThan(0);
      expect(json(r.stdout).num_retries).toBe(0);
    });
  }

  test("nginx limit_conn 2 (503 beyond): --connections 8 finishes byte-exact, exit 0", async () => {
    using root = tempDir("fetchx-segconn-root-");
    const body = generatedBody(32 << 20, 64);
    writeFile(root.path, "f", body.bytes());
    const ng = await startNginx({ root: root.path, limitRate: "8m", limitConn: 2 });
    try {
      const out = tmp.file("ng-limit.bin");
      const r = await runCli([ng.url("/f"), "--connections", "8", "-o", out, "-w", "%{num_retries}"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(await sha256(out)).toBe(body.sha256());
      expect(new TextDecoder().decode(r.stdout)).toBe("0");
    } finally {
      await ng.stop();
    }
  });

  test("a server that refuses every segment still fails with the retry budget (no endless back-off)", async () => {
    const SIZE = 4 << 20;
    const body = generatedBody(SIZE, 65);
    // The probe is answered; every later request gets 503.
    const server = await serve({ routes: { "/f": ({ count }) => (count === 0 ? { body } : { status: 503, body: "busy\n", ranges: false, headers: { "Retry-After": "0" } }) } });
    const out = tmp.file("refuse-all.bin");
    const r = await runCli([server.url("/f"), "--connections", "4", "--retry", "2", "--retry-delay", "0", "-o", out]);
    expect(r.code).toBe(22);
    expect(r.stderr).toContain("503");
  });
});

describe("a segment answered with a redirect", () => {
  test("range requests to /f are redirected to one-time storage URLs: each followed, bytes exact, no exit 22", async () => {
    const SIZE = 12 << 20;
    const body = generatedBody(SIZE, 66);
    let signed = 0;
    const used = new Set<string>();
    const server = await serve({
      routes: {
        // The probe is answered at /f itself; every later request is sent to a URL signed for it alone.
        "/f": ({ count }) => (count === 0 ? { body } : { redirect: { to: `/store?sig=${++signed}`, status: 307 } }),
        "/store": ({ req }) => {
          const fresh = !used.has(req.path);
          used.add(req.path);
          return fresh ? { body, rateBytesPerSec: 8_000_000 } : { status: 403, body: "signature used\n", ranges: false };
        },
      },
    });
    const out = tmp.file("redirected.bin");
    const r = await runCli([server.url("/f"), "--connections", "4", "-o", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(body.sha256());
    expect(used.size).toBeGreaterThanOrEqual(4);
  });

  test("a redirected segment whose target serves another version: never mixed in; the download starts over on it", async () => {
    const SIZE = 8 << 20;
    const a = generatedBody(SIZE, 67);
    const b = generatedBody(SIZE, 68);
    const server = await serve({
      routes: {
        "/f": ({ count }) => (count === 0 ? { body: a, etag: '"a"', rateBytesPerSec: 8_000_000 } : { redirect: { to: "/other" } }),
        "/other": { body: b, etag: '"b"' },
      },
    });
    const out = tmp.file("redirected-changed.bin");
    const r = await runCli([server.url("/f"), "-L", "--connections", "4", "-o", out]);
    // The probe saw version a; the segments' answers (after the redirect) are version b: the validator
    // check refuses them, and the download starts over with what the server serves now.
    expect(r.stderr).toContain("starting over");
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(b.sha256());
  });
});
