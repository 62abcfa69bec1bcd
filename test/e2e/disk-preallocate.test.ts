// --preallocate reserves the whole file on disk before the data arrives: the .part occupies the full size
// while the server has not even produced half of the body (rate-limited), and the bytes end up exact.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { sha256, spawnCli, tempDir, waitFor } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { CountingBody, partOf } from "../servers/transfer.ts";

// Real transfers with rate limits and retries: longer than bun's 5 s default, bounded all the same.
setDefaultTimeout(30_000);

const SIZE = 4 * 1024 * 1024;
const body = new CountingBody(SIZE, 72);
let server: TestServer;
const tmp = tempDir("fetchx-prealloc-");

beforeAll(async () => {
  // 2 MB/s: the body takes ~2 s to send, so "allocated before the data" is observable.
  server = await startServer({ routes: { "/f": { body, rateBytesPerSec: 2_000_000 } } });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

const allocated = (path: string) => {
  try {
    return statSync(path).blocks * 512;
  } catch {
    return 0;
  }
};

test("--preallocate: the .part holds SIZE bytes of disk before half the body was sent", async () => {
  const out = tmp.file("f.bin");
  const run = spawnCli([server.url("/f"), "-s", "-S", "--preallocate", "-o", out], { stdout: "ignore" });
  await waitFor(() => allocated(partOf(out)) >= SIZE || run.proc.exitCode !== null, 10_000, ".part to be allocated");
  // Not a timing check: the server had produced less than half the body, so the blocks came from fallocate.
  expect(body.served).toBeLessThan(SIZE / 2);
  const r = await run.done;
  expect(`${r.code} ${r.stderr}`).toBe("0 ");
  expect(await sha256(out)).toBe(new CountingBody(SIZE, 72).sha256());
  expect(existsSync(partOf(out))).toBe(false);
});
