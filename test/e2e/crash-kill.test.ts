// A download killed with SIGKILL at (seeded) random moments, sequential and segmented, then resumed with
// -C - until done, ends with the source's exact bytes; after every kill the journal is whole JSON and every
// range it claims holds the right bytes (data synced before the journal claims it), and a resume never asks
// again for bytes the journal says are done. SIGINT/SIGTERM end with 130 and keep .part + journal.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { runCli, sha256, tempDir, waitFor } from "../servers/harness.ts";
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
  spawnCli,
  type Journal,
} from "../servers/transfer.ts";

const SIZE = 32 * 1024 * 1024;
const body = new CountingBody(SIZE, 61);
const SHA = new CountingBody(SIZE, 61).sha256();
const KILLS = 5;

let server: TestServer;
const tmp = tempDir("fetchx-crash-");

beforeAll(async () => {
  server = await startServer({
    routes: {
      // ~4 s for the whole file either way: one connection at 8 MB/s, or four at 2 MB/s each.
      "/sequential": { body, rateBytesPerSec: 8_000_000 },
      "/segmented": { body, rateBytesPerSec: 2_000_000 },
      "/sigint": { body, rateBytesPerSec: 2_000_000 },
      "/sigterm": { body, rateBytesPerSec: 2_000_000 },
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
    let journal: Journal | null = null;
    let kept = 0;
    for (let i = 0; i < KILLS; i++) {
      const first = requestsFor(server.requests, path).length;
      const proc = spawnCli([server.url(path), "-s", "-S", "-o", out, ...(i > 0 ? ["-C", "-"] : []), ...extra]);
      const stderr = new Response(proc.stderr).text();
      await waitFor(() => existsSync(partOf(out)) || proc.exitCode !== null, 10_000, ".part to appear");
      // The random moment is the point of the test: 0.3 to 2.5 s into the transfer.
      await Bun.sleep(300 + Math.floor(random() * 2200));
      proc.kill("SIGKILL");
      await proc.exited;
      expect(proc.exitCode === null ? proc.signalCode : `exit ${proc.exitCode}: ${await stderr}`).toBe("SIGKILL");

      // This run's requests skipped everything the previous journal claimed.
      for (const q of requestsFor(server.requests, path).slice(first)) expect(startsInsideDone(rangeOf(q)?.start ?? 0, journal)).toBe(false);
      journal = existsSync(journalOf(out)) ? readJournal(out, { url: server.url(path), size: SIZE }) : null;
      if (journal) {
        expectDoneRangesMatch(out, journal, body);
        kept = Math.max(kept, doneBytes(journal));
      }
    }
    // A crash loses at most a few seconds of work, so some kill (up to 2.5 s in) found work kept.
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
  ] as const)("%s: exit 130, .part + journal kept and true; -C - finishes", async (signal, path) => {
    const out = tmp.file(path.slice(1) + ".bin");
    const proc = spawnCli([server.url(path), "-s", "-S", "--connections", "4", "-o", out]);
    const stderr = new Response(proc.stderr).text();
    await waitFor(() => existsSync(journalOf(out)) || proc.exitCode !== null, 10_000, "journal to appear");
    expect(proc.exitCode).toBeNull();
    proc.kill(signal);
    await proc.exited;
    expect(proc.exitCode).toBe(130);
    await stderr;
    expect(existsSync(out)).toBe(false);
    expect(existsSync(partOf(out))).toBe(true);
    const j = readJournal(out, { url: server.url(path), size: SIZE });
    expectDoneRangesMatch(out, j, body);

    const r = await runCli([server.url(path), "-s", "-S", "-C", "-", "--connections", "4", "-o", out], { timeoutMs: 25_000 });
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
  }, 40_000);
});
