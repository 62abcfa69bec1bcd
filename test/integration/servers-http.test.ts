// Guards the test server itself (test/servers/http.ts): other tests rely on it serving exactly what its
// routes and faults say. Checked with Bun's fetch and, where fetch hides the wire, a raw socket.
import { afterEach, describe, expect, test } from "bun:test";
import { generatedBody, startServer, type TestServer } from "../servers/http.ts";
import * as faults from "../servers/faults.ts";
import { sha256 } from "../servers/harness.ts";

let server: TestServer | undefined;
afterEach(() => server?.stop());

/** Send raw bytes, collect everything until the server closes (or timeoutMs passes). */
async function rawExchange(port: number, request: string, timeoutMs = 3000): Promise<{ text: string; closed: boolean }> {
  const chunks: Buffer[] = [];
  let closed = false;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const sock = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, d) => void chunks.push(Buffer.from(d)),
      close: () => {
        closed = true;
        done();
      },
      error: () => done(),
    },
  });
  sock.write(request);
  const timer = setTimeout(done, timeoutMs);
  await finished;
  clearTimeout(timer);
  const result = { text: Buffer.concat(chunks).toString("latin1"), closed };
  sock.end();
  return result;
}

describe("bodies and ranges", () => {
  const body = generatedBody(300_000, 7);

  test("full body by Content-Length with validators and Accept-Ranges", async () => {
    server = await startServer({ routes: { "/f": { body } } });
    const res = await fetch(server.url("/f"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("300000");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("etag")).toMatch(/^".+"$/);
    expect(res.headers.get("last-modified")).toBeTruthy();
    expect(await sha256(new Uint8Array(await res.arrayBuffer()))).toBe(body.sha256());
  });

  test("single range gives 206 with Content-Range and exactly those bytes", async () => {
    server = await startServer({ routes: { "/f": { body } } });
    const res = await fetch(server.url("/f"), { headers: { Range: "bytes=70000-200000" } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe("bytes 70000-200000/300000");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(body.bytes(70000, 200001));
    const suffix = await fetch(server.url("/f"), { headers: { Range: "bytes=-10" } });
    expect(suffix.headers.get("content-range")).toBe("bytes 299990-299999/300000");
    expect(server.requests[0]!.headers["range"]).toBe("bytes=70000-200000");
  });

  test("unsatisfiable range gives 416 with bytes */size", async () => {
    server = await startServer({ routes: { "/f": { body } } });
    const res = await fetch(server.url("/f"), { headers: { Range: "bytes=300000-" } });
    expect(res.status).toBe(416);
    expect(res.headers.get("content-range")).toBe("bytes */300000");
  });

  test("If-Range: matching ETag or date gives 206, a stale one gives 200", async () => {
    server = await startServer({ routes: { "/f": { body } } });
    const head = await fetch(server.url("/f"), { method: "HEAD" });
    const etag = head.headers.get("etag")!;
    const date = head.headers.get("last-modified")!;
    const r = (ifRange: string) => fetch(server!.url("/f"), { headers: { Range: "bytes=0-9", "If-Range": ifRange } });
    expect((await r(etag)).status).toBe(206);
    expect((await r(date)).status).toBe(206);
    expect((await r('"other"')).status).toBe(200);
    expect((await r("Mon, 01 Jan 2001 00:00:00 GMT")).status).toBe(200);
  });

  test("chunked and close-delimited framings deliver the same bytes", async () => {
    server = await startServer({ routes: { "/c": { body, framing: "chunked" }, "/e": { body, framing: "close" } } });
    const c = await fetch(server.url("/c"));
    expect(c.headers.get("transfer-encoding")).toBe("chunked");
    expect(await sha256(new Uint8Array(await c.arrayBuffer()))).toBe(body.sha256());
    const e = await fetch(server.url("/e"));
    expect(e.headers.get("content-length")).toBeNull();
    expect(await sha256(new Uint8Array(await e.arrayBuffer()))).toBe(body.sha256());
  });

  test("content encodings decode back to the body", async () => {
    const text = "hello fetchx ".repeat(1000);
    for (const encoding of ["gzip", "br", "zstd"] as const) {
      server?.stop();
      server = await startServer({ routes: { "/z": { body: text, encoding } } });
      const res = await fetch(server.url("/z"), { headers: { "Accept-Encoding": encoding } });
      expect(res.headers.get("content-encoding")).toBe(encoding);
      expect(await res.text()).toBe(text);
    }
  });

  test("redirects, custom status and headers; keep-alive reuses one connection", async () => {
    server = await startServer({
      routes: { "/from": { redirect: { to: "/to", status: 301 } }, "/to": { body: "ok", status: 201, headers: { "X-Test": "1" } } },
    });
    const res = await fetch(server.url("/from"), { headers: { Authorization: "Bearer t" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-test")).toBe("1");
    expect(await res.text()).toBe("ok");
    expect(server.requests.map((r) => r.path)).toEqual(["/from", "/to"]);
    expect(server.connections).toBe(1);
    expect((await fetch(server.url("/nope"))).status).toBe(404);
  });

  test("pipelined requests on one connection are answered in order and recorded with bodies", async () => {
    server = await startServer({ routes: { "/a": { body: "AAA" }, "/b": { body: "BBB" } } });
    const { text, closed } = await rawExchange(
      server.port,
      "POST /a?q=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(closed).toBe(true);
    expect(text.indexOf("AAA")).toBeLessThan(text.indexOf("BBB"));
    const [a, b] = server.requests;
    expect([a!.method, a!.path, a!.headers["x-dup"], new TextDecoder().decode(a!.body)]).toEqual(["POST", "/a?q=1", "1, 2", "hello"]);
    expect(a!.raw).toStartWith("POST /a?q=1 HTTP/1.1\r\n");
    expect([b!.path, b!.connection]).toEqual(["/b", a!.connection]);
  });

  test("rate limit slows one connection down", async () => {
    // 200 KB at 1 MB/s cannot arrive in under ~150 ms; a bound on the lower side only, never a timing assert upward.
    server = await startServer({ routes: { "/r": { body: generatedBody(200_000), rateBytesPerSec: 1_000_000 } } });
    const t0 = performance.now();
    const res = await fetch(server.url("/r"));
    expect((await res.arrayBuffer()).byteLength).toBe(200_000);
    expect(performance.now() - t0).toBeGreaterThan(150);
  });
});

describe("faults", () => {
  const body = generatedBody(100_000, 3);

  test("truncateAfter closes after N body bytes of an announced longer body", async () => {
    server = await startServer({ routes: { "/t": { body, faults: [faults.truncateAfter(1000)] } } });
    const { text, closed } = await rawExchange(server.port, "GET /t HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(closed).toBe(true);
    expect(text).toContain("Content-Length: 100000");
    expect(text.length - text.indexOf("\r\n\r\n") - 4).toBe(1000);
  });

  test("times: the fault hits only the first request, the retry gets everything", async () => {
    server = await startServer({ routes: { "/t": { body, faults: [faults.truncateAfter(10, { times: 1 })] } } });
    await expect(fetch(server.url("/t")).then((r) => r.arrayBuffer())).rejects.toThrow();
    expect((await (await fetch(server.url("/t"))).arrayBuffer()).byteLength).toBe(100_000);
  });

  test("stallAfter keeps the socket open and silent", async () => {
    server = await startServer({ routes: { "/s": { body, faults: [faults.stallAfter(500)] } } });
    const { text, closed } = await rawExchange(server.port, "GET /s HTTP/1.1\r\nHost: x\r\n\r\n", 300);
    expect(closed).toBe(false);
    expect(text.length - text.indexOf("\r\n\r\n") - 4).toBe(500);
  });

  test("emptyReply closes without a byte; resetAfter resets", async () => {
    server = await startServer({ routes: { "/e": { body, faults: [faults.emptyReply()] }, "/r": { body, faults: [faults.resetAfter(0)] } } });
    expect(await rawExchange(server.port, "GET /e HTTP/1.1\r\nHost: x\r\n\r\n")).toEqual({ text: "", closed: true });
    await expect(fetch(server.url("/r")).then((r) => r.arrayBuffer())).rejects.toThrow();
  });

  test("badChunkSize sends a non-hex chunk size", async () => {
    server = await startServer({ routes: { "/b": { body, faults: [faults.badChunkSize(100)] } } });
    const { text } = await rawExchange(server.port, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(text).toContain("Transfer-Encoding: chunked");
    expect(text).toContain("\r\n64\r\n");
    expect(text).toContain("zz-not-hex\r\n");
  });

  test("hugeHeaders sends a 1 MiB header line", async () => {
    server = await startServer({ routes: { "/h": { body: "x", faults: [faults.hugeHeaders()] } } });
    const { text } = await rawExchange(server.port, "GET /h HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    expect(text.indexOf("\r\n\r\n")).toBeGreaterThan(1 << 20);
  });

  test("redirectLoop points at itself", async () => {
    server = await startServer({ routes: { "/loop": { faults: [faults.redirectLoop()] } } });
    await expect(fetch(server.url("/loop"))).rejects.toThrow();
    expect(server.requests.length).toBeGreaterThan(5);
  });

  test("unavailable answers 503 + Retry-After the first K times", async () => {
    server = await startServer({ routes: { "/u": { body: "fine", faults: [faults.unavailable(2, "3")] } } });
    const a = await fetch(server.url("/u"));
    expect([a.status, a.headers.get("retry-after")]).toEqual([503, "3"]);
    await a.arrayBuffer();
    expect((await fetch(server.url("/u"))).status).toBe(503);
    expect(await (await fetch(server.url("/u"))).text()).toBe("fine");
  });

  test("changingContent gives new bytes and validators after N requests", async () => {
    server = await startServer({ routes: { "/c": { body, faults: [faults.changingContent({ after: 1 })] } } });
    const a = await fetch(server.url("/c"));
    const b = await fetch(server.url("/c"));
    expect(a.headers.get("etag")).not.toBe(b.headers.get("etag"));
    expect(a.headers.get("last-modified")).not.toBe(b.headers.get("last-modified"));
    expect(await sha256(new Uint8Array(await a.arrayBuffer()))).toBe(body.sha256());
    expect(await sha256(new Uint8Array(await b.arrayBuffer()))).not.toBe(body.sha256());
  });

  test("ignoreRange, ifRangeIgnored and wrongContentRange misanswer ranges", async () => {
    server = await startServer({
      routes: {
        "/i": { body, faults: [faults.ignoreRange()] },
        "/ir": { body, faults: [faults.ifRangeIgnored()] },
        "/w": { body, faults: [faults.wrongContentRange(5)] },
      },
    });
    const i = await fetch(server.url("/i"), { headers: { Range: "bytes=10-19" } });
    expect([i.status, i.headers.get("accept-ranges")]).toEqual([200, "bytes"]);
    const etag = (await fetch(server.url("/ir"), { method: "HEAD" })).headers.get("etag")!;
    expect((await fetch(server.url("/ir"), { headers: { Range: "bytes=10-19", "If-Range": etag } })).status).toBe(200);
    const w = await fetch(server.url("/w"), { headers: { Range: "bytes=10-19" } });
    expect([w.status, w.headers.get("content-range")]).toEqual([206, "bytes 15-24/100000"]);
  });

  test("slowHeaders still sends a complete, valid response", async () => {
    server = await startServer({ routes: { "/s": { body: "slow", faults: [faults.slowHeaders(20)] } } });
    expect(await (await fetch(server.url("/s"))).text()).toBe("slow");
  });
});
