// --limit-rate: the transfer cannot be faster than the limit (a lower bound on time, which a noisy
// machine cannot break), across all --connections together, and the bytes stay right.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { randomBytes, runCli, sha256, spawnCli, tempDir, waitFor } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";

const data = randomBytes(600 * 1024, 21);
const big = randomBytes(3 * 1024 * 1024, 22);
const tmp = tempDir("fetchx-rate-");
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ routes: { "/data.bin": { body: data }, "/big.bin": { body: big } } });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

// 600 KiB at 200 KiB/s is 3 s; the bucket starts empty, so even the first bytes wait their turn.
const LIMITED_MIN_MS = 2500;

test.each([
  ["one connection", []],
  ["three connections share one bucket", ["--connections", "3"]],
] as [string, string[]][])("--limit-rate 200k: %s", async (_name, extra) => {
  const out = tmp.file(`r${extra.length}.bin`);
  const t0 = performance.now();
  const r = await runCli([server.url("/data.bin"), "--limit-rate", "200k", "-o", out, "-sS", ...extra]);
  const elapsed = performance.now() - t0;
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(await sha256(readFileSync(out))).toBe(await sha256(data));
  expect(elapsed).toBeGreaterThanOrEqual(LIMITED_MIN_MS);
}, 30_000);

test("rates take curl's forms, and nonsense is a usage error", async () => {
  // "0" is no limit, as in curl 7.88.
  for (const ok of ["10M", "1.5m", "10000000", "600M/m", "0"]) {
    const r = await runCli([server.url("/data.bin"), "--limit-rate", ok, "-o", tmp.file("ok.bin"), "-sS"]);
    expect({ ok, code: r.code }).toEqual({ ok, code: 0 });
  }
  for (const bad of ["fast", "-5k", "10X"]) {
    const r = await runCli([server.url("/data.bin"), "--limit-rate", bad, "-sS"]);
    expect({ bad, code: r.code }).toEqual({ bad, code: 2 });
    expect(r.stderr).toContain("--limit-rate");
  }
}, 30_000);

// Regression: the connection had already received (and queued) most of the file when SIGINT came, and the
// throttled reader went on draining that queue at the limited rate to the end ("interrupted at 100%").
test("Ctrl-C under --limit-rate stops at once, by the signal, the rest not drained at the limited rate", async () => {
  const out = tmp.file("int.bin");
  const run = spawnCli([server.url("/big.bin"), "--limit-rate", "100k", "-o", out, "-sS"], { timeoutMs: 60_000 });
  await waitFor(() => existsSync(out + ".part") && statSync(out + ".part").size > 0, 20_000, "the first bytes");
  run.kill("SIGINT");
  const r = await run.done;
  expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: "SIGINT" });
  // About a second of bytes at 100 KiB/s, not the 3 MiB the queue held.
  expect(statSync(out + ".part").size).toBeLessThan(1024 * 1024);
  expect(existsSync(out)).toBe(false);
}, 60_000);

// A rate-limited body is read chunk by chunk; reads of a response head's size (4 KiB) made a fast limit
// cost twice the CPU (bench figures in src/transfer/ratelimit.ts). Counted, not timed: the recvfrom calls
// of 3 MiB at a limit the loopback can meet, under strace.
test.skipIf(!Bun.which("strace"))("a fast --limit-rate reads the body in 16 KiB pieces, not 4 KiB ones", async () => {
  const out = tmp.file("fast.bin");
  const log = tmp.file("fast.strace");
  const { fetchxCommand, runCommand } = await import("../servers/harness.ts");
  const r = await runCommand(["strace", "-f", "-qq", "-o", log, "-e", "trace=recvfrom", ...fetchxCommand(), server.url("/big.bin"), "--limit-rate", "50M", "-o", out, "-sS"]);
  expect(r.code).toBe(0);
  expect(await sha256(readFileSync(out))).toBe(await sha256(big));
  const reads = readFileSync(log, "utf8").split("\n").filter((l) => /recvfrom\(.*= \d+$/.test(l) && !/= 0$/.test(l));
  // 3 MiB in 16 KiB reads is 192 (768 in 4 KiB reads); a socket holding less than a piece gives shorter ones.
  expect(reads.length).toBeGreaterThan(0);
  expect(reads.length).toBeLessThan(450);
}, 30_000);

// A slow limit moves the bytes on as they are paid for: at 1000 B/s a 16 KiB piece waited 16 s before
// its first byte was written, so -m 3 ended with nothing (curl 7.88 had written its first buffer).
// Counted, not timed: some bytes, no more than the limit allows in 3 s with a piece's slack, and right.
test("--limit-rate 1k -m 3: the first bytes are written within the time, exit 28 (as curl)", async () => {
  const r = await runCli([server.url("/big.bin"), "--limit-rate", "1k", "-m", "3", "-s", "--retry", "0"]);
  expect(r.code).toBe(28);
  expect(r.stdout.byteLength).toBeGreaterThan(0);
  expect(r.stdout.byteLength).toBeLessThan(8 * 1024);
  expect(await sha256(r.stdout)).toBe(await sha256(big.subarray(0, r.stdout.byteLength)));
  const curl = Bun.which("curl");
  if (curl) {
    const { runCommand } = await import("../servers/harness.ts");
    const c = await runCommand([curl, server.url("/big.bin"), "--limit-rate", "1k", "-m", "3", "-s"]);
    expect(c.code).toBe(28);
    expect(c.stdout.byteLength).toBeGreaterThan(0);
  }
}, 30_000);
