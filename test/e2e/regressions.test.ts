// Bugs found in review, each kept from coming back: a reader that never reads must not make fetchx
// unkillable; the --connections probe must stay invisible; unknown sizes resume; a failed checksum stays
// marked; a resume that finds a new version still leaves a journal.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, runCli, sha256, spawnCli, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { changingContent, slowHeaders, truncateAfter } from "../servers/faults.ts";

const data = randomBytes(3 * 1024 * 1024, 77);
const tmp = tempDir("fetchx-reg-");
let server: TestServer;

beforeAll(async () => {
  server = await startServer({
    routes: {
      "/big": { body: data },
      "/empty": { body: new Uint8Array(0) },
      "/chunked-cut": { body: data, framing: "chunked", faults: [truncateAfter(100_000, { times: 1 })] },
      "/cut": { body: data, faults: [truncateAfter(1_000_000)] },
      "/cut-once": { body: data, faults: [truncateAfter(1_000_000, { times: 1 })] },
      "/changes": { body: data, faults: [truncateAfter(500_000), changingContent({ after: 1 })] },
      // The status line, then nothing for 30 s.
      "/silent": { body: "late\n", faults: [slowHeaders(30_000)] },
    },
  });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

describe("a reader that never reads", () => {
  // The FIFO is held open by a reader that reads nothing, so fetchx's writes would block forever.
  async function stuckReader(args: string[], signal?: NodeJS.Signals) {
    const fifo = join(tmp.path, `fifo-${Math.random().toString(36).slice(2)}`);
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    // The shell opens the FIFO in the child: an open for reading blocks until a writer comes.
    const reader = Bun.spawn(["sh", "-c", `exec sleep 60 < '${fifo}'`]);
    // Killed with SIGKILL after 15 s: an unkillable fetchx fails the test instead of hanging it.
    const fx = spawnCli([server.url("/big"), "-o", fifo, "--retry", "0", ...args], { timeoutMs: 15_000 });
    try {
      if (signal) {
        // Wait until fetchx is blocked on the full pipe (its stderr stays empty; give it the FIFO first).
        await Bun.sleep(500);
        fx.kill(signal);
      }
      return await fx.done;
    } finally {
      reader.kill();
    }
  }

  test("SIGINT ends fetchx, by the signal (as curl)", async () => {
    const r = await stuckReader([], "SIGINT");
    expect({ code: r.code, signal: r.signal }).toEqual({ code: null, signal: "SIGINT" });
    expect(r.stderr).toContain("interrupted");
  });

  test("-m ends fetchx with 28", async () => {
    const r = await stuckReader(["-m", "1"]);
    expect(r.code).toBe(28);
  });
});

describe("a server that never finishes its head", () => {
  // The first answer is waited for without an idle limit (as curl waits): -m must still end the wait.
  // Killed after 15 s: a wait -m does not end fails the test instead of hanging it.
  for (const args of [[], ["--retry", "1"], ["--connections", "4"]]) {
    test(`-m 1 ${args.join(" ")}: exit 28 after about a second, no file`, async () => {
      const out = join(tmp.path, `silent-${args.length}.bin`);
      const t0 = performance.now();
      const r = await spawnCli([server.url("/silent"), "-sS", "-m", "1", "-o", out, ...args], { timeoutMs: 15_000 }).done;
      expect(r.code).toBe(28);
      expect(performance.now() - t0).toBeLessThan(8_000);
      expect(r.stderr).toContain("(28)");
      expect(existsSync(out)).toBe(false);
    });
  }
});

describe("--connections probe stays invisible", () => {
  test("an empty file: exit 0, http_code 200, empty output even with -f", async () => {
    const out = join(tmp.path, "empty.bin");
    const r = await runCli([server.url("/empty"), "--connections", "4", "-f", "-o", out, "-w", "%{http_code}"]);
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("200");
    expect(readFileSync(out).length).toBe(0);
  });

  test("http_code is 200 for a split download; -i shows the 200, not a 206", async () => {
    const out = join(tmp.path, "split.bin");
    const r = await runCli([server.url("/big"), "--connections", "4", "-o", out, "-w", "%{http_code}"]);
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("200");
    expect(await sha256(readFileSync(out))).toBe(await sha256(data));
    const inc = await runCli([server.url("/big"), "--connections", "4", "-i", "-o", join(tmp.path, "inc.bin")]);
    expect(inc.code).toBe(0);
    expect(readFileSync(join(tmp.path, "inc.bin")).subarray(0, 15).toString()).toBe("HTTP/1.1 200 OK");
  });
});

test("a chunked body (size unknown) cut once is resumed with an open range", async () => {
  const r = await runCli([server.url("/chunked-cut"), "-s", "--retry-delay", "0.1"]);
  expect(r.code).toBe(0);
  expect(await sha256(r.stdout)).toBe(await sha256(data));
  expect(server.requests.filter((q) => q.path === "/chunked-cut").map((q) => q.headers.range ?? "none")).toEqual(["none", "bytes=100000-"]);
});

test("a checksum mismatch stays marked in the journal", async () => {
  const out = join(tmp.path, "ck.bin");
  const r = await runCli([server.url("/big"), "--checksum", `sha256=${"0".repeat(64)}`, "-o", out]);
  expect(r.code).toBe(32);
  const j = JSON.parse(readFileSync(`${out}.fetchx`, "utf8").split("\n")[0]!); // the synced record
  expect(j.checksumFailed).toBe(`sha256=${await sha256(data)}`);
});

test("a resume that finds a new version starts over and still leaves a journal when cut again", async () => {
  const out = join(tmp.path, "changes.bin");
  const first = await runCli([server.url("/changes"), "--retry", "0", "-o", out]);
  expect(first.code).toBe(18);
  const second = await runCli([server.url("/changes"), "-C", "-", "--retry", "0", "--connections", "4", "-o", out]);
  expect(second.stderr).toContain("changed");
  expect(existsSync(`${out}.part`)).toBe(true);
  expect(existsSync(`${out}.fetchx`)).toBe(true);
});

test("a rerun without -C - still resumes a .part that has its journal (nothing thrown away)", async () => {
  const out = join(tmp.path, "again.bin");
  const first = await runCli([server.url("/cut-once"), "--retry", "0", "-o", out]);
  expect(first.code).toBe(18);
  const before = server.requests.length;
  const second = await runCli([server.url("/cut-once"), "-o", out]);
  expect(second.code).toBe(0);
  expect(second.stderr).toContain("resuming");
  expect(await sha256(readFileSync(out))).toBe(await sha256(data));
  const asked = server.requests.slice(before);
  expect(asked.length).toBe(1);
  expect(asked[0]!.headers.range).toBe(`bytes=1000000-${data.length - 1}`);
  expect(asked[0]!.headers["if-range"]).toBeDefined();
});
