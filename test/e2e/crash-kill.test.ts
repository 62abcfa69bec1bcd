// A download killed with SIGKILL at (seeded) random moments, sequential and segmented, then resumed with
// -C - until done, ends with the source's exact bytes; after every kill the journal is whole JSON and every
// range it claims holds the right bytes (data synced before the journal claims it), and a resume never asks
// again for bytes the journal says are done. SIGINT/SIGTERM keep .part + journal, then end the process by the
// same signal, as curl dies by it; a signal the parent ignored is ignored, as by curl.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { fetchxCommand, runCli, sha256, spawnCli, spawnCommand, tempDir, waitFor } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import {
  CountingBody,
  doneBytes,
  expectDoneRangesMatch,
  journalOf,
  partOf,
  rangeOf,
  readJournal,
  requestsFor,
  seededRandom,
  type Journal,
} from "../servers/transfer.ts";

// Real transfers with rate limits and retries: longer than bun's 5 s default, bounded all the same.
setDefaultTimeout(30_000);

const SIZE = 32 * 1024 * 1024;
const body = new CountingBody(SIZE, 61);
const SHA = new CountingBody(SIZE, 61).sha256();
const small = new CountingBody(3 * 1024 * 1024, 62);
const SMALL_SHA = new CountingBody(3 * 1024 * 1024, 62).sha256();
const KILLS = 5;
const RATE = 2_500_000;
/** Runs this test kills itself: stdout unread, bounded only as a last resort. */
const BACKGROUND = { stdout: "ignore", timeoutMs: 60_000 } as const;

let server: TestServer;
const tmp = tempDir("fetchx-crash-");

beforeAll(async () => {
  server = await startServer({
    routes: {
      // ~13 s for the whole file either way (one connection at 2.5 MB/s, or four at 625 kB/s): longer than
      // the kills add up to, so the download cannot finish before the last kill.
      "/sequential": { body, rateBytesPerSec: RATE },
      "/segmented": { body, rateBytesPerSec: RATE / 4 },
      "/sigint": { body, rateBytesPerSec: 2_000_000 },
      "/sigterm": { body, rateBytesPerSec: 2_000_000 },
      // About 1.5 s: long enough to be signalled, short enough to be waited for.
      "/short": { body: small, rateBytesPerSec: 2_000_000 },
    },
  });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

/** True when a request starts inside a range the journal said was done: work thrown away. */
const startsInsideDone = (start: number, j: Journal | null) => (j?.done ?? []).some(([s, e]) => start >= s && start < e);

describe("crash: SIGKILL at random moments, then -C -", () => {
  test.each([
    ["sequential", "/sequential", [] as string[], 1],
    ["--connections 4", "/segmented", ["--connections", "4"], 2],
  ])("%s: exact bytes after 5 kills and -C -", async (_name, path, extra, seed) => {
    const out = tmp.file(path.slice(1) + ".bin");
    const random = seededRandom(seed);
    // The random moments, counted in bytes the server sends during the run (a busy machine cannot move them):
    // 0.5 to 3 s worth at RATE. The journal is saved every ~2 s, so the longer runs must leave work behind;
    // together they stay well below the file, so no run can finish before its kill.
    const quotas = Array.from({ length: KILLS }, () => Math.floor((0.5 + random() * 2.5) * RATE));
    expect(quotas.reduce((a, b) => a + b)).toBeLessThan(0.9 * SIZE);
    expect(Math.max(...quotas)).toBeGreaterThan(2.5 * RATE);
    let journal: Journal | null = null;
    let kept = 0;
    for (let i = 0; i < KILLS; i++) {
      const first = requestsFor(server.requests, path).length;
      const run = spawnCli([server.url(path), "-s", "-S", "-o", out, ...(i > 0 ? ["-C", "-"] : []), ...extra], BACKGROUND);
      const target = body.served + quotas[i]!;
      await waitFor(() => body.served >= target || run.proc.exitCode !== null, 30_000, "the run's byte quota");
      run.kill("SIGKILL");
      const ended = await run.done;
      expect(ended.code === null ? ended.signal : `exit ${ended.code}: ${ended.stderr}`).toBe("SIGKILL");

      // This run's requests skipped everything the previous journal claimed.
      for (const q of requestsFor(server.requests, path).slice(first)) expect(startsInsideDone(rangeOf(q)?.start ?? 0, journal)).toBe(false);
      journal = existsSync(journalOf(out)) ? readJournal(out, { url: server.url(path), size: SIZE }) : null;
      if (journal) {
        expectDoneRangesMatch(out, journal, body);
        kept = Math.max(kept, doneBytes(journal));
      }
    }
    // A crash loses at most a few seconds of work, so some kill (up to 3 s in) found work kept.
    expect(kept).toBeGreaterThan(0);

    const first = requestsFor(server.requests, path).length;
    const r = await runCli([server.url(path), "-s", "-S", "-C", "-", "-o", out, ...extra], { timeoutMs: 25_000 });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);
    for (const q of requestsFor(server.requests, path).slice(first)) expect(startsInsideDone(rangeOf(q)?.start ?? 0, journal)).toBe(false);
  }, 60_000);
});

describe("interrupted by a signal", () => {
  test.each([
    ["SIGINT", "/sigint"],
    ["SIGTERM", "/sigterm"],
  ] as const)("%s: .part + journal kept and true, then the process ends by the signal (as curl); -C - finishes", async (signal, path) => {
    const out = tmp.file(path.slice(1) + ".bin");
    const run = spawnCli([server.url(path), "-s", "-S", "--connections", "4", "-o", out], BACKGROUND);
    await waitFor(() => existsSync(journalOf(out)) || run.proc.exitCode !== null, 10_000, "journal to appear");
    expect(run.proc.exitCode).toBeNull();
    run.kill(signal);
    // Killed by the signal, not exited with 130 (fetchx before): a shell's $? is then 130 or 143, as curl's.
    const ended = await run.done;
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: null, signal });
    expect(ended.stderr).toContain(`interrupted by ${signal}`);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(partOf(out))).toBe(true);
    const j = readJournal(out, { url: server.url(path), size: SIZE });
    expectDoneRangesMatch(out, j, body);

    const r = await runCli([server.url(path), "-s", "-S", "-C", "-", "--connections", "4", "-o", out], { timeoutMs: 25_000 });
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
  }, 40_000);
});

describe("signals in a shell, fetchx beside curl 7.88", () => {
  const contenders = [["curl", ["curl"]], ["fetchx", fetchxCommand()]] as const;

  // bash goes on with a loop when its child got Ctrl-C's SIGINT and exited (fetchx's exit 130 before); it
  // stops when the child was killed by it (curl, which handles no SIGINT).
  test.each(contenders)("Ctrl-C to a `for` loop of %s stops the loop", async (name, cmd) => {
    const out = tmp.file(`loop-${name}`);
    const loop = 'for i in 1 2; do "$@" -sS -o "$0.$i"; echo "after $i"; done';
    // setsid: bash and the downloader in a process group of their own, which gets the SIGINT as a terminal's
    // Ctrl-C gives it to the foreground group.
    const run = spawnCommand(["setsid", "bash", "-c", loop, out, ...cmd, server.url("/short")], { timeoutMs: 20_000 });
    await waitFor(() => existsSync(`${out}.1`) || existsSync(partOf(`${out}.1`)), 10_000, "the first download to start");
    process.kill(-run.proc.pid, "SIGINT");
    const ended = await run.done;
    expect({ name, stdout: new TextDecoder().decode(ended.stdout), signal: ended.signal }).toEqual({ name, stdout: "", signal: "SIGINT" });
    expect(existsSync(`${out}.2`) || existsSync(partOf(`${out}.2`))).toBe(false);
  });

  // A shell starts a script's background commands with SIGINT ignored: Ctrl-C on the script must not stop them.
  test.each(contenders)("%s started with SIGINT ignored goes on when it comes", async (name, cmd) => {
    const out = tmp.file(`ignored-${name}`);
    const run = spawnCommand(["sh", "-c", `trap '' INT; exec "$@" -sS -o "$0"`, out, ...cmd, server.url("/short")], { timeoutMs: 20_000 });
    await waitFor(() => existsSync(out) || existsSync(partOf(out)), 10_000, "the download to start");
    run.kill("SIGINT");
    const ended = await run.done;
    expect({ name, code: ended.code, stderr: ended.stderr }).toEqual({ name, code: 0, stderr: "" });
    expect(await sha256(out)).toBe(SMALL_SHA);
  });
});
