// The other half of the failover story: plain TCP over a path that goes down mid-download is rescued only
// by fetchx's own stall detection, retry and resume. The path stays down until fetchx has said it is
// retrying (so TCP cannot recover the old connection by itself), then comes back; the download must
// complete byte-exact with at least one retry.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { waitFor } from "./exec.ts";
import { labUnavailableReason, startLab, type Lab } from "./lab.ts";
import { sha256File, tempDir, writePayload, type Payload } from "./payload.ts";
import { startLabServer, type LabServer } from "./serve.ts";

const SIZE = 16 << 20;
const skip = await labUnavailableReason();
if (skip) console.log(`skipping TCP rescue lab test: ${skip}`);

let lab: Lab;
let server: LabServer;
let payload: Payload;
const dir = tempDir("lab-rescue");

beforeAll(async () => {
  if (skip) return;
  lab = await startLab({ rateMbit: 50 });
  payload = await writePayload(dir.path, "file.bin", SIZE);
  server = await startLabServer(lab, payload.path);
});
afterAll(async () => {
  await lab?.destroy();
  dir[Symbol.dispose]();
});

test.skipIf(skip !== null)("plain TCP: path down mid-download, stall detected, retried and resumed once the path is back", async () => {
  const out = join(dir.path, "out.bin");
  const main = new URL("../../src/main.ts", import.meta.url).pathname;
  const a0 = await lab.rxBytes("a");
  const proc = lab.spawn("client", [
    process.execPath, main, "-S", "--progress", "none", "--retry", "20", "--retry-delay", "0.5",
    "--speed-limit", "100000", "--speed-time", "1", "--connect-timeout", "1", "-m", "60",
    "-o", out, "-w", "%{json}\n", server.url("mptcp"),
  ], { stdout: "pipe", stderr: "pipe" });
  let stderr = "";
  const reading = (async () => {
    for await (const chunk of proc.stderr as ReadableStream<Uint8Array>) stderr += new TextDecoder().decode(chunk);
  })();
  const stdout = new Response(proc.stdout as ReadableStream).text();
  try {
    await waitFor("a quarter of the file over path a", async () => ((await lab.rxBytes("a")) - a0 > SIZE / 4 ? true : undefined), 30_000, 20);
    await lab.pathDown("a");
    await waitFor("fetchx to say it retries", async () => (stderr.includes("retrying") ? true : undefined), 30_000, 50);
  } finally {
    await lab.pathUp("a");
  }
  const code = await proc.exited;
  await reading;
  const json = JSON.parse((await stdout).trim().split("\n").at(-1)!);
  expect(code).toBe(0);
  expect(await sha256File(out)).toBe(payload.sha256);
  expect(json.num_retries).toBeGreaterThanOrEqual(1);
  expect(json.num_connects).toBeGreaterThanOrEqual(2);
  expect(stderr).toMatch(/resuming at byte [1-9]\d*/);
}, 90_000);
