// The engine in-process, through the library's public API (src/index.ts): retry policy, resume decisions
// and the validator, output hooks, the journal, errors with their result, abort, progress events, the
// rate limiter, the monitor and write-out rendering. Intervals (journal, monitor, idle timeout) are set
// small through options, so nothing waits on seconds of wall time.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { download, FetchxClient, FetchxError, type ProgressSnapshot, type ResumeInfo, type RetryInfo } from "../../src/index.ts";
import { renderWriteOut } from "../../src/ui/writeout.ts";
import { changingContent, slowHeaders, stallAfter, truncateAfter, unavailable } from "../servers/faults.ts";
import { randomBytes, sha256, tempDir, type TempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { readJournal } from "../servers/transfer.ts";

const data = randomBytes(2 * 1024 * 1024 + 3, 77);
let dir: TempDir;
let server: TestServer;
let mptcpServer: TestServer;
const hash = (b: Uint8Array) => sha256(b);
const fileHash = (p: string) => sha256(readFileSync(p));

beforeAll(async () => {
  dir = tempDir("fetchx-engine-");
  server = await startServer({
    routes: {
      "/f": { body: data },
      "/busy": { body: data, faults: [unavailable(2, "0")] },
      "/down": { body: data, faults: [unavailable(1000, "0")] },
      "/cut": { body: data, faults: [truncateAfter(700_000, { times: 1 })] },
      "/stall": { body: data, faults: [stallAfter(900_000, { times: 1 })] },
      "/changes": { body: data, faults: [stallAfter(600_000, { times: 1 }), changingContent({ after: 1 })] },
      "/missing": { status: 404, body: "not here" },
      "/slow": { body: data, rateBytesPerSec: 64 * 1024 },
      "/paced": { body: randomBytes(600 * 1024, 5) },
      "/typed": { body: data, contentType: "application/x-test" },
      "/chunked-cut": { body: data, framing: "chunked", acceptRanges: false, faults: [truncateAfter(700_000, { times: 1 })] },
      "/small": { body: data.subarray(0, 20_000) },
    },
  });
  mptcpServer = await startServer({ mptcp: true, routes: { "/f": { body: data } } });
});
afterAll(() => {
  server.stop();
  mptcpServer.stop();
  dir.cleanup();
});

describe("engine: retries", () => {
  test("503 with Retry-After: 0 twice, then 200: two retries announced, the bytes right", async () => {
    const retries: RetryInfo[] = [];
    const out = dir.file("busy.bin");
    const r = await download(server.url("/busy"), { output: out, retryDelayMs: 5, onRetry: (i) => retries.push(i) });
    expect(retries.map((i) => i.attempt)).toEqual([1, 2]);
    expect(retries[0]!.error.message).toContain("503");
    expect(r.numRetries).toBe(2);
    expect(r.httpCode).toBe(200);
    expect(await fileHash(out)).toBe(await hash(data));
  });

  test("a body cut short is resumed from the byte it stopped at (one retry loop for every request)", async () => {
    const retries: RetryInfo[] = [];
    const out = dir.file("cut.bin");
    const r = await download(server.url("/cut"), { output: out, retryDelayMs: 5, onRetry: (i) => retries.push(i) });
    expect(retries.length).toBe(1);
    expect(retries[0]!.resumeAt).toBe(700_000);
    expect(r.numRetries).toBe(1);
    expect(await fileHash(out)).toBe(await hash(data));
    const ranges: (string | undefined)[] = server.requests.filter((q) => q.path === "/cut").map((q) => q.headers.range);
    expect(ranges).toEqual([undefined, `bytes=700000-${data.length - 1}`]);
  });

  test("retries: 0 gives up at once with curl's exit code and the result so far", async () => {
    const err = await download(server.url("/down"), { output: dir.file("busy0.bin"), retries: 0 }).catch((e) => e);
    expect(err).toBeInstanceOf(FetchxError);
    expect(err.exitCode).toBe(22);
    expect(err.result.httpCode).toBe(503);
    expect(existsSync(dir.file("busy0.bin"))).toBe(false);
  });
});

describe("engine: a server that takes its time", () => {
  /** A server answering 200 with `headers`, half the body, a pause of `pauseMs`, then the rest. */
  function pausing(headers: string, pauseMs: number) {
    const body = randomBytes(40_000, 9);
    const server = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: {
        data(s) {
          s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${headers}\r\n`);
          s.write(body.subarray(0, 20_000));
          setTimeout(() => s.end(body.subarray(20_000)), pauseMs);
        },
      },
    });
    return { url: `http://127.0.0.1:${server.port}/p`, body, [Symbol.dispose]: () => server.stop(true) };
  }

  test("a head that pauses longer than idleTimeoutMs is waited for (curl waits for the server too)", async () => {
    const s = await startServer({ routes: { "/think": { body: data.subarray(0, 1000), faults: [slowHeaders(600)] } } });
    try {
      const r = await download(s.url("/think"), { output: dir.file("think.bin"), retries: 0, idleTimeoutMs: 200 });
      expect(r.sizeDownload).toBe(1000);
    } finally {
      s.stop();
    }
  });

  test("the caller's signal ends the wait for a head that never comes (the wait has no idle limit)", async () => {
    // The status line, then nothing for 30 s: only the abort can end the wait.
    const s = await startServer({ routes: { "/silent": { body: "late\n", faults: [slowHeaders(30_000)] } } });
    try {
      const t0 = performance.now();
      const err = await download(s.url("/silent"), { output: dir.file("silent.bin"), retries: 3, signal: AbortSignal.timeout(300) }).catch((e) => e);
      expect(err.code).toBe("TIMEOUT");
      expect(performance.now() - t0).toBeLessThan(5_000);
      expect(existsSync(dir.file("silent.bin"))).toBe(false);
    } finally {
      s.stop();
    }
  });

  test("tryTimeoutMs cuts a try and retries it; with no retry left the cut is the end (TIMEOUT)", async () => {
    const s = await startServer({ routes: { "/once": { body: "late\n", faults: [slowHeaders(30_000, { times: 1 })] }, "/never": { body: "late\n", faults: [slowHeaders(30_000)] } } });
    try {
      const r = await download(s.url("/once"), { output: dir.file("once.bin"), retries: 1, retryDelayMs: 10, tryTimeoutMs: 300 });
      expect(r.numRetries).toBe(1);
      expect(readFileSync(dir.file("once.bin"), "utf8")).toBe("late\n");
      const err = await download(s.url("/never"), { output: dir.file("never.bin"), retries: 2, retryDelayMs: 10, tryTimeoutMs: 300 }).catch((e) => e);
      expect(err.code).toBe("TIMEOUT");
      expect(err.result.numRetries).toBe(2);
      expect(s.requests.filter((q) => q.path === "/never").length).toBe(3);
    } finally {
      s.stop();
    }
  });

  test("a body that cannot be resumed (no ranges) is waited for across a pause longer than idleTimeoutMs", async () => {
    using s = pausing("", 600);
    const out = dir.file("pause-plain.bin");
    const r = await download(s.url, { output: out, retries: 0, idleTimeoutMs: 200 });
    expect({ bytes: r.sizeDownload, hash: await fileHash(out) }).toEqual({ bytes: 40_000, hash: await hash(s.body) });
  });

  test("a body that can be resumed (ranges and a validator) still times out on the pause: the retry goes on from there", async () => {
    using s = pausing('Accept-Ranges: bytes\r\nETag: "p1"\r\n', 600);
    const err = await download(s.url, { output: dir.file("pause-ranges.bin"), retries: 0, idleTimeoutMs: 200 }).catch((e) => e);
    expect(err).toBeInstanceOf(FetchxError);
    expect(err.exitCode).toBe(28);
  });
});

describe("engine: resume decisions", () => {
  test("an idle connection times out (idleTimeoutMs); the journal keeps the bytes; the next run resumes them", async () => {
    const out = dir.file("stall.bin");
    const first = await download(server.url("/stall"), { output: out, retries: 0, idleTimeoutMs: 300, journalIntervalMs: 50 }).catch((e) => e);
    expect(first).toBeInstanceOf(FetchxError);
    expect(first.exitCode).toBe(28);
    expect(first.result.sizeDownload).toBe(900_000);
    expect(existsSync(out)).toBe(false);
    expect(readJournal(out, { synced: true }).done).toEqual([[0, 900_000]]);

    const resumes: ResumeInfo[] = [];
    const r = await download(server.url("/stall"), { output: out, onResume: (i) => resumes.push(i) });
    expect(resumes).toEqual([{ path: out + ".part", kind: "journal", implicit: true, bytes: 900_000 }]);
    expect(r.sizeDownload).toBe(data.length - 900_000);
    expect(await fileHash(out)).toBe(await hash(data));
    expect(existsSync(out + ".fetchx")).toBe(false);
    const last = server.requests.filter((q) => q.path === "/stall").at(-1)!;
    expect(last.headers.range).toBe(`bytes=900000-${data.length - 1}`);
    expect(last.headers["if-range"]).toBeDefined();
  });

  test("the file changed on the server between runs: a warning, and the new version from byte 0", async () => {
    const out = dir.file("changes.bin");
    await download(server.url("/changes"), { output: out, retries: 0, idleTimeoutMs: 300 }).catch(() => {});
    const warnings: string[] = [];
    const r = await download(server.url("/changes"), { output: out, onWarning: (w) => warnings.push(w) });
    expect(warnings.join("\n")).toMatch(/changed|does not resume/);
    expect(r.sizeDownload).toBe(data.length);
    // changing-content serves other bytes of the same size from the second request on.
    const got = readFileSync(out);
    expect(got.length).toBe(data.length);
    expect(await hash(got)).not.toBe(await hash(data));
  });

  test("resume: true finds a finished file complete with one request past its end", async () => {
    const out = dir.file("done.bin");
    await download(server.url("/f"), { output: out });
    const before = server.requests.length;
    const resumes: ResumeInfo[] = [];
    const r = await download(server.url("/f"), { output: out, resume: true, onResume: (i) => resumes.push(i) });
    expect(resumes).toEqual([{ path: out, kind: "complete", implicit: false, bytes: data.length }]);
    expect(r.httpCode).toBe(416);
    expect(server.requests.slice(before).map((q) => q.headers.range)).toEqual([`bytes=${data.length}-`]);
    expect(await fileHash(out)).toBe(await hash(data));
  });
});

describe("engine: outputs", () => {
  test("a file name with a NUL byte is refused, in the pool (the default) or on the event loop (ownsEventLoop), and nothing is written", async () => {
    for (const ownsEventLoop of [false, true]) {
      const name = dir.file(`nul-${ownsEventLoop}`);
      const err = await download(server.url("/small"), { output: `${name}\0.bin`, ownsEventLoop, retries: 0 }).catch((e) => e);
      expect(err).toBeInstanceOf(FetchxError);
      expect((err as FetchxError).exitCode).toBe(23); // CURLE_WRITE_ERROR
      expect(existsSync(name)).toBe(false);
      expect(existsSync(`${name}.part`)).toBe(false);
    }
  });

  test("ownsEventLoop: a lone small download writes, syncs and renames the same bytes", async () => {
    const path = dir.file("own-loop.bin");
    const r = await download(server.url("/small"), { output: path, ownsEventLoop: true });
    expect(r.exitCode).toBe(0);
    expect(await fileHash(path)).toBe(await hash(data.subarray(0, 20_000)));
    expect(existsSync(`${path}.part`)).toBe(false);
  });

  test("decideOutput names the file from the head and writes a preamble before the body", async () => {
    const heads: number[] = [];
    const r = await download(server.url("/typed"), {
      decideOutput: (head) => {
        heads.push(head.status);
        return { output: dir.file(head.headers.get("content-type")!.replace("/", "-")), preamble: new TextEncoder().encode("HEAD\n") };
      },
    });
    expect(heads).toEqual([200]);
    const path = dir.file("application-x-test");
    expect(r.filenameEffective).toBe(path);
    const got = readFileSync(path);
    expect(new TextDecoder().decode(got.subarray(0, 5))).toBe("HEAD\n");
    expect(await hash(got.subarray(5))).toBe(await hash(data));
  });

  test("an fd the caller opened is written in order and left open", async () => {
    const path = dir.file("fd.bin");
    const fd = openSync(path, "w");
    const r = await download(server.url("/f"), { output: { fd } });
    closeSync(fd); // still open: the engine does not close a caller's fd
    expect(r.filenameEffective).toBeUndefined();
    expect(await fileHash(path)).toBe(await hash(data));
  });

  test("a WritableStream gets every byte, in order, through one client reused for two downloads", async () => {
    await using client = new FetchxClient();
    for (let i = 0; i < 2; i++) {
      const chunks: Uint8Array[] = [];
      const r = await client.download(server.url("/f"), { output: new WritableStream({ write: (c) => void chunks.push(c.slice()) }) });
      expect(r.sizeDownload).toBe(data.length);
      expect(await hash(Buffer.concat(chunks))).toBe(await hash(data));
      // The second download reuses the first one's keep-alive connection.
      expect(r.numConnects).toBe(i === 0 ? 1 : 0);
      expect(r.connections.length).toBe(1);
    }
  });

  test("a connection report names the interface of its local address (lo here), in the object, a copy and JSON", async () => {
    // Without paths or MPTCP it is looked up when first read, not per connection: the same answer.
    const r = await download(server.url("/f"), { output: dir.file("iface.bin") });
    const c = r.connections[0]!;
    expect(c.local.startsWith("127.0.0.1:")).toBe(true);
    expect(JSON.parse(JSON.stringify(r)).connections[0].interface).toBe("lo");
    expect({ ...c }.interface).toBe("lo");
    expect(c.interface).toBe("lo");
    expect(Object.keys(c)).toEqual(["remote", "local", "tls", "mptcp", "subflows", "subflowList", "interface", "bytes"]);
    c.interface = "renamed"; // still a plain, writable field
    expect(c.interface).toBe("renamed");
  });
});

describe("engine: errors", () => {
  test("HTTP errors fail by default (exit 22) and write nothing", async () => {
    const out = dir.file("missing.bin");
    const err = await download(server.url("/missing"), { output: out }).catch((e) => e);
    expect(err.code).toBe("HTTP_ERROR");
    expect(err.status).toBe(404);
    expect(err.result.httpCode).toBe(404);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(out + ".part")).toBe(false);
  });

  test("failOnHttpError: false keeps the error page, as curl without -f", async () => {
    const out = dir.file("page.html");
    const r = await download(server.url("/missing"), { output: out, failOnHttpError: false });
    expect(r.httpCode).toBe(404);
    expect(readFileSync(out, "utf8")).toBe("not here");
  });

  test("a bug (a hook that throws a TypeError) is INTERNAL, exit 43, with the original as cause", async () => {
    const err = await download(server.url("/f"), {
      decideOutput: () => {
        throw new TypeError("boom");
      },
    }).catch((e) => e);
    expect(err.code).toBe("INTERNAL");
    expect(err.exitCode).toBe(43);
    expect((err.cause as Error).message).toBe("boom");
  });

  test("an AbortSignal stops the download: INTERRUPTED (130), the .part and journal kept", async () => {
    const out = dir.file("slow.bin");
    const controller = new AbortController();
    const err = await download(server.url("/slow"), {
      output: out,
      signal: controller.signal,
      progressIntervalMs: 20,
      journalIntervalMs: 20,
      onProgress: (p) => p.done > 100_000 && controller.abort(),
    }).catch((e) => e);
    expect(err.code).toBe("INTERRUPTED");
    expect(err.exitCode).toBe(130);
    expect(existsSync(out + ".part")).toBe(true);
    expect(readJournal(out, { synced: true }).done[0]![1]).toBeGreaterThan(100_000);
    expect(existsSync(out)).toBe(false);
  });

  test("AbortSignal.timeout() ends as a timeout (exit 28)", async () => {
    const err = await download(server.url("/slow"), { output: dir.file("slow2.bin"), signal: AbortSignal.timeout(200) }).catch((e) => e);
    expect(err.code).toBe("TIMEOUT");
  });
});

describe("engine: progress, MPTCP state, monitor, rate limit, write-out", () => {
  test("progress snapshots: the engine's own source, MPTCP state read by the engine, a final 'done'", async () => {
    const snaps: ProgressSnapshot[] = [];
    const r = await download(mptcpServer.url("/f"), {
      output: dir.file("mp.bin"),
      mptcp: true,
      connections: 2,
      progressIntervalMs: 10,
      monitorIntervalMs: 50,
      onProgress: (s) => snaps.push(s),
    });
    expect(r.mptcp).toBe("active");
    const last = snaps.at(-1)!;
    expect(last.phase).toBe("done");
    expect(last.done).toBe(data.length);
    expect(last.total).toBe(data.length);
    expect(last.mptcp).toBe("active");
    expect(last.subflows).toBeGreaterThanOrEqual(1);
    expect(snaps.every((s, i) => i === 0 || s.done >= snaps[i - 1]!.done)).toBe(true);
  });

  test("speedLimit with a short monitor interval turns a slow connection into a timeout", async () => {
    const err = await download(server.url("/slow"), {
      output: dir.file("slow3.bin"),
      retries: 0,
      speedLimit: 1024 * 1024,
      speedTimeMs: 200,
      monitorIntervalMs: 50,
    }).catch((e) => e);
    expect(err.code).toBe("TIMEOUT");
    expect(err.message).toContain("slower than");
  });

  test("limitRate holds the whole transfer near the rate (never faster)", async () => {
    const rate = 1024 * 1024;
    const r = await download(server.url("/paced"), { output: dir.file("paced.bin"), limitRate: rate });
    const burst = rate / 10;
    expect(r.tTotal / 1000).toBeGreaterThanOrEqual(((600 * 1024 - burst) / rate) * 0.9);
  });

  test("write-out renders from the returned result", async () => {
    const r = await download(server.url("/f"), { output: dir.file("wo.bin") });
    const out = renderWriteOut("%{http_code} %{size_download} %{num_connects} %{mptcp} %{filename_effective}", r);
    expect(out.stdout).toBe(`200 ${data.length} 1 off ${dir.file("wo.bin")}`);
    // curl 8.1's URL parts: a port not given is the scheme's; 8.2's conn_id, 8.7's proxy_used.
    const parts = renderWriteOut("%{url.scheme} %{url.port} %{urle.host} %{url.user}:%{url.password} %{url.zoneid}|", { ...r, url: "https://u:p%20w@example.com/a?b#c" });
    expect(parts.stdout).toBe("https 443 127.0.0.1 u:p w |");
    expect(renderWriteOut("%{proxy_used} %{http_connect} %{ssl_verify_result}", r).stdout).toBe("0 000 0");
    expect(Number(renderWriteOut("%{conn_id}", r).stdout)).toBeGreaterThanOrEqual(0);
  });
});

describe("engine: a cut chunked answer without Accept-Ranges", () => {
  test("the failure says its journal is kept but ranges unconfirmed; resume: true asks bytes=N- and learns the size", async () => {
    const out = dir.file("chunked-cut.bin");
    const err = (await download(server.url("/chunked-cut"), { output: out, retries: 0 }).catch((e) => e)) as FetchxError;
    expect(err).toBeInstanceOf(FetchxError);
    expect(err.exitCode).toBe(18);
    expect([err.result?.partialKept, err.result?.rangesUnconfirmed]).toEqual([true, true]);
    expect(existsSync(out)).toBe(false);
    const j = readJournal(out, { url: server.url("/chunked-cut") });
    expect([j.size, j.done]).toEqual([null, [[0, 700_000]]]);
    const before = server.requests.length;
    const resumes: ResumeInfo[] = [];
    const r = await download(server.url("/chunked-cut"), { output: out, resume: true, onResume: (i) => resumes.push(i) });
    expect(r.exitCode).toBe(0);
    expect(resumes.map((i) => [i.kind, i.bytes])).toEqual([["journal", 700_000]]);
    expect(server.requests.slice(before).map((q) => q.headers["range"])).toEqual(["bytes=700000-"]);
    expect(await fileHash(out)).toBe(await hash(data));
    expect(existsSync(`${out}.fetchx`)).toBe(false);
  });
});

describe("engine: file:// URLs", () => {
  test("a local file copied through NAME.part to NAME, a Range honoured, --checksum checked (a mismatch keeps NAME.part)", async () => {
    const src = dir.file("local-src.bin");
    await Bun.write(src, data);
    const out = dir.file("local-copy.bin");
    const r = await download(`file://${src}`, { output: out });
    expect([r.httpCode, r.sizeDownload, r.scheme, r.filenameEffective]).toEqual([0, data.length, "file", out]);
    expect(await fileHash(out)).toBe(await hash(data));
    expect(existsSync(`${out}.part`)).toBe(false);

    const part = dir.file("local-range.bin");
    await download(`file://${src}`, { output: part, headers: [["Range", "bytes=10-19"]] });
    expect(readFileSync(part)).toEqual(Buffer.from(data.subarray(10, 20)));

    const bad = dir.file("local-bad.bin");
    const err = (await download(`file://${src}`, { output: bad, checksum: { algo: "sha256", hex: "0".repeat(64) } }).catch((e) => e)) as FetchxError;
    expect([err.code, err.exitCode, existsSync(bad), existsSync(`${bad}.part`)]).toEqual(["CHECKSUM", 32, false, true]);
  });

  test("a missing file is exit 37 with nothing written; a host other than localhost is exit 3", async () => {
    const out = dir.file("local-none.bin");
    const missing = (await download(`file://${dir.file("nope")}`, { output: out }).catch((e) => e)) as FetchxError;
    expect([missing.exitCode, existsSync(out), existsSync(`${out}.part`)]).toEqual([37, false, false]);
    const remote = (await download("file://example.com/etc/hostname", { output: out }).catch((e) => e)) as FetchxError;
    expect(remote.exitCode).toBe(3);
  });
});
