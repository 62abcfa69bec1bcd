// The other half of the failover story: plain TCP over a path that goes down mid-download is rescued only
// by fetchx's own stall detection, retry and resume. The path stays down until fetchx has said it is
// retrying (so TCP cannot recover the old connection by itself), then comes back; the download must
// complete byte-exact with at least one retry.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { sha256, spawnCli, tempDir, waitFor } from "../servers/harness.ts";
import { generatedBody } from "../servers/http.ts";
import { labUnavailableReason, startLab, type Lab } from "./lab.ts";
import { startLabServer, type LabServer } from "./serve.ts";

const SIZE = 16 << 20;
const SEED = 17;
const skip = await labUnavailableReason();
if (skip) console.log(`skipping TCP rescue lab test: ${skip}`);

let lab: Lab;
let server: LabServer;
const dir = tempDir("fetchx-lab-rescue-");

beforeAll(async () => {
  if (skip) return;
  lab = await startLab({ rateMbit: 50 });
  server = await startLabServer(lab, { size: SIZE, seed: SEED });
});
afterAll(async () => {
  await lab?.destroy();
  dir.cleanup();
});

test.skipIf(skip !== null)("plain TCP: path down mid-download, stall detected, retried and resumed once the path is back", async () => {
  const out = dir.file("out.bin");
  const a0 = await lab.rxBytes("a");
  const run = spawnCli([
    "-S", "--progress", "none", "--retry", "20", "--retry-delay", "0.5",
    "--speed-limit", "100000", "--speed-time", "1", "--connect-timeout", "1", "-m", "60",
    "-o", out, "-w", "%{json}\n", server.url("mptcp"),
  ], { netns: lab.ns.client, timeoutMs: 120_000 });
  try {
    await waitFor(async () => (await lab.rxBytes("a")) - a0 > SIZE / 4, 30_000, "a quarter of the file over path a", 20);
    await lab.pathDown("a");
    await waitFor(() => run.stderrSoFar.includes("retrying"), 30_000, "fetchx to say it retries", 50);
  } finally {
    await lab.pathUp("a");
  }
  const r = await run.done;
  const stderr = r.stderr;
  const json = JSON.parse(new TextDecoder().decode(r.stdout).trim().split("\n").at(-1)!);
  expect(r.code).toBe(0);
  expect(await sha256(out)).toBe(generatedBody(SIZE, SEED).sha256());
  expect(json.num_retries).toBeGreaterThanOrEqual(1);
  expect(json.num_connects).toBeGreaterThanOrEqual(2);
  expect(stderr).toMatch(/resuming at byte [1-9]\d*/);
}, 90_000);
