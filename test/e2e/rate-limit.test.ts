// --limit-rate: the transfer cannot be faster than the limit (a lower bound on time, which a noisy
// machine cannot break), across all --connections together, and the bytes stay right.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { randomBytes, runCli, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";

const data = randomBytes(600 * 1024, 21);
const tmp = tempDir("fetchx-rate-");
let server: TestServer;

beforeAll(async () => {
  server = await startServer({ routes: { "/data.bin": { body: data } } });
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
