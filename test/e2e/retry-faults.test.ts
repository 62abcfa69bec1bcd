// --retry: transient failures (dropped body, reset, empty reply, 503 + Retry-After, stall) are retried and
// every retry RESUMES with a Range from the bytes already written; permanent ones (404) are not retried;
// --retry 0 gives up with the partial data kept for -C -.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { runCli, runCommand, sha256, tempDir } from "../servers/harness.ts";
import { generatedBody, startServer, type TestServer } from "../servers/http.ts";
import { emptyReply, resetAfter, slowHeaders, stallAfter, truncateAfter, unavailable } from "../servers/faults.ts";
import { journalOf, partOf, rangeOf, readJournal, requestsFor } from "../servers/transfer.ts";

// Real transfers with rate limits and retries: longer than bun's 5 s default, bounded all the same.
setDefaultTimeout(30_000);

const SIZE = 2 * 1024 * 1024;
const K = 300_000;
const body = generatedBody(SIZE, 21);
const SHA = body.sha256();
const small = generatedBody(100_000, 22);
// When each /unavailable request arrived, to check Retry-After was waited for.
const unavailableAt: number[] = [];

let server: TestServer;
const tmp = tempDir("fetchx-retry-");

beforeAll(async () => {
  server = await startServer({
    routes: {
      "/truncated-once": { body, faults: [truncateAfter(K, { times: 1 })] },
      "/truncated-once-stdout": { body, faults: [truncateAfter(K, { times: 1 })] },
      "/truncated-always": { body, faults: [truncateAfter(K)] },
      // K bytes, then every later answer is cut before its first body byte.
      "/dead-after-k": ({ count }) => ({ body, faults: [truncateAfter(count === 0 ? K : 0)] }),
      "/reset-once": { body, faults: [resetAfter(K, { times: 1 })] },
      "/empty-once": { body, faults: [emptyReply({ times: 1 })] },
      "/unavailable": ({ count }) => {
        unavailableAt[count] = performance.now();
        return { body, faults: [unavailable(2, "1")] };
      },
      "/missing": { status: 404, body: "not here\n" },
      "/stall-once": { body, faults: [stallAfter(K, { times: 1 })] },
      "/truncated-no-retry": { body, faults: [truncateAfter(K)] },
      "/always-unavailable": { body, faults: [unavailable(1_000_000, "1")] },
      "/always-stalls": { body, faults: [stallAfter(K)] },
      // No ranges, chunked, cut after K every time: each retry starts over from byte 0.
      "/cut-no-ranges": { body, ranges: false, framing: "chunked", faults: [truncateAfter(K)] },
      // No ranges, reset after K every time: fetchx's resumes are refused, and the reset is the failure.
      "/reset-no-ranges": { body, ranges: false, faults: [resetAfter(K)] },
      // -m with --retry (each try's limit), one route per client (a fault counts the route's requests):
      // the status line, then nothing for 30 s, on the first request or on every one; a body that stalls
      // after K on the first request; four requests (the probe and three ranges) that stall.
      ...Object.fromEntries(["fetchx", "curl"].flatMap((who) => [
        [`/silent-once-${who}`, { body: "answered\n", faults: [slowHeaders(30_000, { times: 1 })] }],
        [`/silent-${who}`, { body: "answered\n", faults: [slowHeaders(30_000)] }],
        [`/body-stalls-once-${who}`, { body, faults: [stallAfter(K, { times: 1 })] }],
        [`/speed-silent-once-${who}`, { body: "answered\n", faults: [slowHeaders(30_000, { times: 1 })] }],
        // No ranges, 100 KB cut after 40 KB once (less than a journal's first save): the retry starts over.
        [`/cut-once-no-ranges-${who}`, { body: small, ranges: false, faults: [truncateAfter(40_000, { times: 1 })] }],
        // No ranges, 100 KB cut after 40 KB every time: no try gets further than the first.
        [`/cut-same-place-no-ranges-${who}`, { body: small, ranges: false, faults: [truncateAfter(40_000)] }],
        // A 503 asking for 5 s, then the page: longer than --retry-max-time 2 allows.
        [`/busy-5s-${who}`, ({ count }: { count: number }) => (count === 0 ? { status: 503, body: "busy\n", headers: { "Retry-After": "5" } } : { body: "done\n" })],
      ])),
      "/speed-silent": { body: "answered\n", faults: [slowHeaders(30_000)] },
      // A body that ends where the connection does (no length), K bytes and then silence: cut by fetchx,
      // it must not pass for whole.
      "/close-delimited-stalls": { body, ranges: false, framing: "close", faults: [stallAfter(K)] },
      // Answers the way servers that fail do, each counted: a 500, a 503 with a long Retry-After.
      "/error-500": { status: 500, body: "broken\n" },
      "/unavailable-long": { status: 503, body: "later\n", headers: { "Retry-After": "3600" } },
      // A POST answered 503 (Retry-After: 1): requests 0, 1 and 3 (the first of each of three runs), else 200.
      "/post-busy": ({ count }) => ([0, 1, 3].includes(count) ? { status: 503, body: "busy\n", headers: { "Retry-After": "1" } } : { body: "done\n" }),
      // 300 bytes a second: below --speed-limit 1000.
      "/trickle": { body: new Uint8Array(100_000).fill(97), rateBytesPerSec: 300 },
      "/ranges-stall-once": { body, faults: [stallAfter(100_000, { times: 4 })] },
    },
  });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The download ended well: exit 0, right bytes under the final name, no .part or journal left. */
async function expectComplete(r: { code: number | null; stderr: string }, out: string) {
  expect(r.stderr).not.toMatch(/fetchx: \(\d+\)/);
  expect(r.code).toBe(0);
  expect(await sha256(out)).toBe(SHA);
  expect(existsSync(partOf(out))).toBe(false);
  expect(existsSync(journalOf(out))).toBe(false);
}

describe("--retry resumes", () => {
  test("body dropped mid-way: the retry asks Range: bytes=K- and the file is whole", async () => {
    const out = tmp.file("truncated-once.bin");
    const r = await runCli([server.url("/truncated-once"), "--retry", "3", "-o", out, "-w", "%{num_retries}"]);
    await expectComplete(r, out);
    expect(text(r.stdout)).toBe("1");
    const reqs = requestsFor(server.requests, "/truncated-once");
    expect(reqs.length).toBe(2);
    expect(rangeOf(reqs[0]!)).toBeNull();
    // K bytes arrived before the clean close, so exactly K are on disk: resume there, to the end.
    const range = rangeOf(reqs[1]!)!;
    expect(range.start).toBe(K);
    expect(range.end === null || range.end === SIZE).toBe(true);
  });

  test("to stdout too: the bytes written so far are known, so the retry resumes there", async () => {
    const r = await runCli([server.url("/truncated-once-stdout"), "--retry", "3"]);
    expect(r.code).toBe(0);
    expect(r.stdout.length).toBe(SIZE);
    expect(await sha256(r.stdout)).toBe(SHA);
    const reqs = requestsFor(server.requests, "/truncated-once-stdout");
    expect(reqs.length).toBe(2);
    expect(rangeOf(reqs[1]!)?.start).toBe(K);
  });

  test("every retry resumes further; progress gives the retry budget back, so a flaky server heals", async () => {
    const out = tmp.file("truncated-always.bin");
    const r = await runCli([server.url("/truncated-always"), "--retry", "2", "--retry-delay", "0.1", "-o", out]);
    await expectComplete(r, out);
    // Each answer brings K more bytes; more tries than --retry allows in a row, because none failed without progress.
    const starts = requestsFor(server.requests, "/truncated-always").map((q) => rangeOf(q)?.start ?? 0);
    expect(starts).toEqual(Array.from({ length: Math.ceil(SIZE / K) }, (_, i) => i * K));
  });

  test("failures without progress use up --retry: exit 18, .part + journal kept", async () => {
    const out = tmp.file("dead-after-k.bin");
    const r = await runCli([server.url("/dead-after-k"), "--retry", "2", "--retry-delay", "0.1", "-o", out]);
    expect(r.code).toBe(18);
    // The first try plus 2 retries, both resuming at K and getting nothing.
    expect(requestsFor(server.requests, "/dead-after-k").map((q) => rangeOf(q)?.start ?? 0)).toEqual([0, K, K]);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(partOf(out))).toBe(true);
    const j = readJournal(out, { url: server.url("/dead-after-k"), size: SIZE });
    expect(j.done).toEqual([[0, K]]);
  });

  test("connection reset mid-body: retried, resumed from no further than what arrived", async () => {
    const out = tmp.file("reset-once.bin");
    const r = await runCli([server.url("/reset-once"), "--retry", "3", "-o", out]);
    await expectComplete(r, out);
    const reqs = requestsFor(server.requests, "/reset-once");
    expect(reqs.length).toBe(2);
    // A reset may discard data still in the kernel's receive queue, so the resume point is <= K.
    expect(rangeOf(reqs[1]!)?.start ?? 0).toBeLessThanOrEqual(K);
  });

  test("empty reply: retried once, then complete", async () => {
    const out = tmp.file("empty-once.bin");
    const r = await runCli([server.url("/empty-once"), "--retry", "3", "-o", out, "-w", "%{num_retries}"]);
    await expectComplete(r, out);
    expect(text(r.stdout)).toBe("1");
    expect(requestsFor(server.requests, "/empty-once").length).toBe(2);
  });

  test("503 + Retry-After: 1 twice: two retries, each after waiting about a second", async () => {
    const out = tmp.file("unavailable.bin");
    const r = await runCli([server.url("/unavailable"), "--retry", "3", "-o", out, "-w", "%{num_retries}"]);
    await expectComplete(r, out);
    expect(text(r.stdout)).toBe("2");
    expect(requestsFor(server.requests, "/unavailable").length).toBe(3);
    // A lower bound on behaviour (Retry-After honoured), not a timing benchmark; 100 ms of slack for clocks.
    expect(unavailableAt[1]! - unavailableAt[0]!).toBeGreaterThanOrEqual(900);
    expect(unavailableAt[2]! - unavailableAt[1]!).toBeGreaterThanOrEqual(900);
  });

  test("a server without ranges cut every time: each try starts over, and the line says where the last one stopped", async () => {
    const out = tmp.file("cut-no-ranges.bin");
    const r = await runCli([server.url("/cut-no-ranges"), "-sS", "--retry", "2", "--retry-delay", "0.01", "-o", out, "-w", "%{size_download}"]);
    expect(r.code).toBe(18);
    expect(requestsFor(server.requests, "/cut-no-ranges").length).toBeGreaterThanOrEqual(2);
    // Where the last try stopped (under K), not the bytes of every try added up (over 2 K).
    const at = /at ([\d.]+) KiB/.exec(r.stderr);
    expect(at).not.toBeNull();
    expect(Number(at![1]) * 1024).toBeLessThan(1.5 * K); // a rounded KiB figure
    expect(Number(new TextDecoder().decode(r.stdout))).toBeGreaterThan(2 * K); // %{size_download}: what the network carried
  });

  test("404 is not transient: one request, exit 22 with -f", async () => {
    const r = await runCli([server.url("/missing"), "-f", "--retry", "3", "-o", tmp.file("missing.bin")]);
    expect(r.code).toBe(22);
    expect(requestsFor(server.requests, "/missing").length).toBe(1);
  });

  test("stalled body + --speed-limit 1000 --speed-time 1: treated as a timeout, retried, resumed", async () => {
    const out = tmp.file("stall-once.bin");
    const r = await runCli([server.url("/stall-once"), "--retry", "3", "--speed-limit", "1000", "--speed-time", "1", "-o", out]);
    await expectComplete(r, out);
    const reqs = requestsFor(server.requests, "/stall-once");
    expect(reqs.length).toBe(2);
    expect(rangeOf(reqs[1]!)?.start).toBe(K);
  });

  test("--retry-max-time 2 with Retry-After: 1: stops retrying after ~2 s, long before --retry 10 runs out", async () => {
    const r = await runCli([server.url("/always-unavailable"), "-f", "--retry", "10", "--retry-max-time", "2", "-o", tmp.file("unavail.bin")]);
    expect(r.code).toBe(22);
    const n = requestsFor(server.requests, "/always-unavailable").length;
    expect(n).toBeGreaterThanOrEqual(2);
    expect(n).toBeLessThanOrEqual(3);
  });

  test("-m without --retry ends a transfer that keeps stalling with 28, whatever retries of fetchx's own remain", async () => {
    const out = tmp.file("always-stalls.bin");
    const r = await runCli([server.url("/always-stalls"), "--speed-limit", "1000", "--speed-time", "1", "-m", "3", "-o", out]);
    expect(r.code).toBe(28);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(partOf(out))).toBe(true);
  });

  test("--retry 0: the truncated body fails with 18 and leaves .part + journal", async () => {
    const out = tmp.file("no-retry.bin");
    const r = await runCli([server.url("/truncated-no-retry"), "--retry", "0", "-o", out]);
    expect(r.code).toBe(18);
    expect(r.stderr).toMatch(/^fetchx: \(18\) /m);
    expect(requestsFor(server.requests, "/truncated-no-retry").length).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(partOf(out))).toBe(true);
    expect(readJournal(out, { size: SIZE }).done).toEqual([[0, K]]);
  });
});

// curl's -m bounds each try, and a try it cuts is retried under --retry (curl retries a timeout). fetchx
// follows when --retry is given; the retried try resumes from the bytes it has, where curl starts over.
describe("-m with --retry: each try's limit", () => {
  const CURL = Bun.which("curl");
  const timed = async (run: () => Promise<{ code: number | null; stdout: Uint8Array; stderr: string }>) => {
    const t0 = performance.now();
    const r = await run();
    return { ...r, ms: performance.now() - t0 };
  };

  test("a first answer that never comes is cut after -m and asked again: the second answer (as curl 7.88)", async () => {
    const [ours, theirs] = await Promise.all([
      timed(() => runCli(["-sS", "-m", "1", "--retry", "2", server.url("/silent-once-fetchx")])),
      timed(() => runCommand([CURL!, "-sS", "-m", "1", "--retry", "2", server.url("/silent-once-curl")])),
    ]);
    expect({ code: ours.code, out: text(ours.stdout) }).toEqual({ code: theirs.code, out: text(theirs.stdout) });
    expect(ours.code).toBe(0);
    expect(text(ours.stdout)).toBe("answered\n");
    expect(requestsFor(server.requests, "/silent-once-fetchx").length).toBe(requestsFor(server.requests, "/silent-once-curl").length);
    expect(requestsFor(server.requests, "/silent-once-fetchx").length).toBe(2);
    expect(ours.stderr).not.toContain("note:"); // the retries were asked for
    expect(ours.ms).toBeGreaterThan(1000);
    expect(ours.ms).toBeLessThan(8000);
  });

  test("every try cut: --retry 1 makes two tries, then exit 28 (as curl 7.88)", async () => {
    const [ours, theirs] = await Promise.all([
      timed(() => runCli(["-sS", "-m", "1", "--retry", "1", server.url("/silent-fetchx")])),
      timed(() => runCommand([CURL!, "-sS", "-m", "1", "--retry", "1", server.url("/silent-curl")])),
    ]);
    expect(ours.code).toBe(28);
    expect(theirs.code).toBe(28);
    expect(ours.stderr).toMatch(/^fetchx: \(28\) operation timed out after 1000 ms/m);
    expect(requestsFor(server.requests, "/silent-fetchx").length).toBe(2);
    expect(requestsFor(server.requests, "/silent-curl").length).toBe(2);
    expect(ours.ms).toBeGreaterThan(2000);
    expect(ours.ms).toBeLessThan(8000);
  });

  test("a body that stalls on the first try: cut by -m, the retry resumes at the bytes it has; the same file as curl's", async () => {
    const out = tmp.file("m-stall-fetchx.bin");
    const curlOut = tmp.file("m-stall-curl.bin");
    const [r, c] = await Promise.all([
      runCli(["-sS", "-m", "2", "--retry", "1", "-w", "%{num_retries}", "-o", out, server.url("/body-stalls-once-fetchx")]),
      runCommand([CURL!, "-sS", "-m", "2", "--retry", "1", "-o", curlOut, server.url("/body-stalls-once-curl")]),
    ]);
    await expectComplete(r, out);
    expect(text(r.stdout)).toBe("1");
    expect(c.code).toBe(0);
    expect(await sha256(curlOut)).toBe(SHA);
    const reqs = requestsFor(server.requests, "/body-stalls-once-fetchx");
    expect(reqs.length).toBe(2);
    expect(rangeOf(reqs[1]!)?.start).toBe(K);
    expect(rangeOf(requestsFor(server.requests, "/body-stalls-once-curl")[1]!)).toBeNull(); // curl starts over
  });

  test("--connections 4: one cut is one retry for the download, however many connections stalled", async () => {
    const out = tmp.file("m-stall-4.bin");
    const r = await runCli(["-sS", "--connections", "4", "-m", "2", "--retry", "1", "-w", "%{num_retries}", "-o", out, server.url("/ranges-stall-once")]);
    await expectComplete(r, out);
    expect(text(r.stdout)).toBe("1");
  });
});

// curl's --speed-limit over --speed-time holds from the request on: waiting for the first answer too (which
// fetchx otherwise waits for as long as the server likes), and for a body that cannot be resumed.
describe("--speed-limit where no range worker runs", () => {
  const CURL = Bun.which("curl");

  test("a server that never answers: cut after --speed-time, exit 28 (as curl 7.88)", async () => {
    let ms = 0;
    const t0 = performance.now();
    const [ours, theirs] = await Promise.all([
      runCli(["-sS", "-Y", "1000", "-y", "1", "--retry", "0", server.url("/speed-silent")], { timeoutMs: 15_000 }).then((r) => ((ms = performance.now() - t0), r)),
      runCommand([CURL!, "-sS", "-Y", "1000", "-y", "1", server.url("/speed-silent")]),
    ]);
    expect(ours.code).toBe(28);
    expect(theirs.code).toBe(28);
    expect(ours.stderr).toMatch(/^fetchx: \(28\) transfer slower than 1000 bytes\/s for 1 s/m);
    expect(ms).toBeLessThan(6000);
  });

  test("cut while waiting for the first answer, then retried: the second answer (as curl 7.88 with --retry)", async () => {
    const [ours, theirs] = await Promise.all([
      runCli(["-sS", "-Y", "1000", "-y", "1", "--retry", "1", server.url("/speed-silent-once-fetchx")], { timeoutMs: 15_000 }),
      runCommand([CURL!, "-sS", "-Y", "1000", "-y", "1", "--retry", "1", server.url("/speed-silent-once-curl")]),
    ]);
    expect({ code: ours.code, out: text(ours.stdout) }).toEqual({ code: theirs.code, out: text(theirs.stdout) });
    expect(text(ours.stdout)).toBe("answered\n");
    expect(requestsFor(server.requests, "/speed-silent-once-fetchx").length).toBe(2);
  });

  test("a POST's answer trickling below the limit: exit 28 (as curl 7.88), no file", async () => {
    const t0 = performance.now();
    let ms = 0;
    const [ours, theirs] = await Promise.all([
      runCli(["-sS", "-Y", "1000", "-y", "1", "--retry", "0", "-d", "x", "-o", tmp.file("trickle.out"), server.url("/trickle")], { timeoutMs: 15_000 }).then((r) => ((ms = performance.now() - t0), r)),
      runCommand([CURL!, "-sS", "-Y", "1000", "-y", "1", "-d", "x", "-o", tmp.file("trickle-curl.out"), server.url("/trickle")]),
    ]);
    expect(ours.code).toBe(28);
    expect(theirs.code).toBe(28);
    expect(ms).toBeLessThan(6000);
    expect(existsSync(tmp.file("trickle.out"))).toBe(false);
  });
});

// Cut by fetchx itself (a speed limit, -m per try), a body without a length is not whole; fetchx's own
// retries (unasked) neither send a POST again nor wait out a long Retry-After, and -m is no reason to turn
// a 500 page into exit 28: what curl without --retry gives.
describe("what fetchx's cuts and unasked retries must not do", () => {
  const CURL = Bun.which("curl");
  for (const args of [["--retry", "0", "-Y", "1000", "-y", "1"], ["--retry", "1", "-m", "2"]]) {
    test(`a body without a length cut after K bytes (${args.join(" ")}): exit 28, no file under the final name (as curl's 28)`, async () => {
      const out = tmp.file(`close-delimited-${args[1]}.bin`);
      const r = await runCli(["-sS", ...args, "-o", out, server.url("/close-delimited-stalls")], { timeoutMs: 20_000 });
      expect(r.code).toBe(28);
      expect(existsSync(out)).toBe(false);
    });
  }

  test("a POST answered 503 is not sent again unasked (curl sends it once); with --retry it is, as curl's", async () => {
    const count = () => requestsFor(server.requests, "/post-busy").length;
    const before = count();
    const r = await runCli(["-sS", "-f", "-d", "order=1", server.url("/post-busy")]);
    expect(r.code).toBe(22);
    expect(count() - before).toBe(1);
    const asked = await runCli(["-sS", "-f", "--retry", "1", "-d", "order=1", server.url("/post-busy")]);
    expect(asked.code).toBe(0);
    expect(text(asked.stdout)).toBe("done\n");
    expect(count() - before).toBe(3);
    if (CURL) {
      const c = await runCommand([CURL, "-sS", "-f", "--retry", "1", "-d", "order=1", server.url("/post-busy")]);
      expect({ code: c.code, out: text(c.stdout) }).toEqual({ code: 0, out: "done\n" });
    }
  });

  test("Retry-After: 3600 without --retry: the 503 at once (exit 22 with -f, as curl)", async () => {
    const t0 = performance.now();
    const r = await runCli(["-sS", "-f", "-o", tmp.file("long.out"), server.url("/unavailable-long")]);
    expect(r.code).toBe(22);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(requestsFor(server.requests, "/unavailable-long").length).toBe(1);
    if (CURL) expect((await runCommand([CURL, "-sS", "-f", "-o", tmp.file("long-curl.out"), server.url("/unavailable-long")])).code).toBe(22);
  });

  test("-m 3 and a server answering 500: the page and exit 0 (-f: 22) before -m, as curl; no 'rescued' note", async () => {
    for (const f of [[], ["-f"]]) {
      const [r, c] = await Promise.all([runCli(["-sS", "-m", "3", ...f, server.url("/error-500")]), CURL ? runCommand([CURL, "-sS", "-m", "3", ...f, server.url("/error-500")]) : null]);
      expect(r.code).toBe(f.length ? 22 : 0);
      if (c) expect({ code: r.code, out: text(r.stdout) }).toEqual({ code: c.code, out: text(c.stdout) });
      expect(r.stderr).not.toContain("note:");
    }
  });
});

describe("as curl 7.88 with the same --retry", () => {
  const CURL = Bun.which("curl");
  // curl (with --retry-all-errors: 7.88 does not retry a truncation otherwise) truncates its file and
  // starts over; fetchx starts over too, and its journal of the cut try must go with the .part.
  test("a server without ranges cut once: the retry starts over, the file whole, no journal left beside it", async () => {
    const out = tmp.file("cut-once-no-ranges.bin");
    const r = await runCli(["-sS", "--retry", "1", "--retry-delay", "1", "-o", out, server.url("/cut-once-no-ranges-fetchx")]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(small.sha256());
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);
    if (CURL) {
      const theirs = tmp.file("cut-once-no-ranges-curl.bin");
      const c = await runCommand([CURL, "-sS", "--retry", "1", "--retry-delay", "1", "--retry-all-errors", "-o", theirs, server.url("/cut-once-no-ranges-curl")]);
      expect(c.code).toBe(0);
      expect(await sha256(theirs)).toBe(small.sha256());
    }
  });

  // The retry budget comes back when a try gets further than any before; the same 40 KB fetched again
  // after a start-over is no progress. Before, each start-over gave the budget back: 9 requests for --retry 1.
  test("a server without ranges cut at the same place every time, --retry 1: two whole tries (curl's count), exit 18", async () => {
    const out = tmp.file("cut-same-place.bin");
    const r = await runCli(["-sS", "--retry", "1", "--retry-delay", "0.01", "-o", out, server.url("/cut-same-place-no-ranges-fetchx")]);
    expect(r.code).toBe(18);
    const reqs = requestsFor(server.requests, "/cut-same-place-no-ranges-fetchx");
    // Each retry first asks for the rest (the server answers 200, the whole file, again): at most two such asks.
    expect(reqs.filter((q) => !q.headers["range"]).length).toBe(2);
    expect(reqs.length).toBeLessThanOrEqual(4);
    expect(existsSync(out)).toBe(false);
    if (CURL) {
      const c = await runCommand([CURL, "-sS", "--retry", "1", "--retry-delay", "1", "--retry-all-errors", "-o", tmp.file("cut-same-place-curl.bin"), server.url("/cut-same-place-no-ranges-curl")]);
      expect(c.code).toBe(18);
      expect(requestsFor(server.requests, "/cut-same-place-no-ranges-curl").length).toBe(2);
    }
  });

  // curl 7.88 retries a failed name resolution (6) with --retry as a transient error: a name that
  // appears later (a service still starting) is reached. Without --retry fetchx reports it at once.
  test("a name that does not resolve, --retry 2: two retries, then exit 6 (as curl's); unasked, none", async () => {
    const url = "http://no-such-host.invalid/";
    const asked = await runCli(["-s", "--retry", "2", "--retry-delay", "0.01", "-w", "%{num_retries}", url]);
    expect({ code: asked.code, out: text(asked.stdout) }).toEqual({ code: 6, out: "2" });
    const unasked = await runCli(["-s", "-w", "%{num_retries}", url]);
    expect({ code: unasked.code, out: text(unasked.stdout) }).toEqual({ code: 6, out: "0" });
    if (CURL) {
      // curl 7.88 has no %{num_retries}: its retry shows as the --retry-delay it waited.
      const t0 = performance.now();
      const c = await runCommand([CURL, "-s", "--retry", "1", "--retry-delay", "1", url]);
      expect(c.code).toBe(6);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
    }
  });

  // curl 7.88 (tool_operate.c): a Retry-After that would take the retries past --retry-max-time ends
  // them, and the answer in hand is the result.
  test("Retry-After: 5 with --retry-max-time 2: no retry, the 503 is the answer (exit 22 with -f), one request", async () => {
    const t0 = performance.now();
    const r = await runCli(["-sS", "-f", "--retry", "3", "--retry-delay", "1", "--retry-max-time", "2", server.url("/busy-5s-fetchx")]);
    expect(r.code).toBe(22);
    expect(performance.now() - t0).toBeLessThan(4000);
    expect(requestsFor(server.requests, "/busy-5s-fetchx").length).toBe(1);
    if (CURL) {
      const c = await runCommand([CURL, "-sS", "-f", "--retry", "3", "--retry-delay", "1", "--retry-max-time", "2", server.url("/busy-5s-curl")]);
      expect(c.code).toBe(22);
      expect(requestsFor(server.requests, "/busy-5s-curl").length).toBe(1);
    }
  });
});

test("a server without ranges that resets every answer: exit 56 as curl's (not 33: no resume was asked for)", async () => {
  const r = await runCli(["-sS", "-o", tmp.file("reset-no-ranges.bin"), server.url("/reset-no-ranges")]);
  expect(r.code).toBe(56);
  expect(r.stderr).toContain("cannot resume");
  const curl = Bun.which("curl");
  if (curl) expect((await runCommand([curl, "-sS", "-o", tmp.file("reset-no-ranges-curl.bin"), server.url("/reset-no-ranges")])).code).toBe(56);
});
