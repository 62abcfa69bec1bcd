// kill -9 inside the first second, again and again: each run keeps what it wrote (the journal's progress
// line claims every completed write, trusted on the same boot), so every run makes progress, the next run
// asks only for what is missing, and the server sends each byte about once in all. Before the progress
// line, the journal was saved every 2 s and runs killed earlier never made progress. The same file with
// the progress line from another boot (a power loss) falls back to the synced record.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { runCli, sha256, spawnCli, tempDir, waitFor } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { CountingBody, doneBytes, expectDoneRangesMatch, journalOf, partOf, rangeOf, readJournal, requestsFor, seededRandom, type Journal } from "../servers/transfer.ts";

const SIZE = 8 * 1024 * 1024;
const RATE = 4_000_000;
const body = new CountingBody(SIZE, 97);
const SHA = new CountingBody(SIZE, 97).sha256();
let server: TestServer;
const tmp = tempDir("fetchx-crash1-");

/** Bytes the file system holds for `file` (allocated blocks, so writes at any offset count), 0 if absent. */
const heldBytes = (file: string) => (existsSync(file) ? statSync(file).blocks * 512 : 0);

beforeAll(async () => {
  server = await startServer({ routes: { "/f": { body, rateBytesPerSec: RATE }, "/g": { body, rateBytesPerSec: RATE / 2 } } });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

describe("crash in the first second", () => {
  test.each([
    ["one connection", "/f", [] as string[], 3],
    ["--connections 3", "/g", ["--connections", "3"], 4],
  ])("%s: six kill -9 before 1 s of transfer each; every run keeps its bytes", async (_n, path, extra, seed) => {
    const out = tmp.file(`${path.slice(1)}.bin`);
    const random = seededRandom(seed);
    let journal: Journal | null = null;
    let kept = 0;
    const servedAtStart = body.served;
    for (let i = 0; i < 6; i++) {
      const before = requestsFor(server.requests, path).length;
      const served = body.served;
      const held = heldBytes(partOf(out));
      const run = spawnCli([server.url(path), "-sS", "-C", "-", "-o", out, ...extra], { stdout: "ignore", timeoutMs: 30_000 });
      // Run 0 is killed as soon as its first body bytes are out; the others once 0.05 to 0.8 s worth of bytes
      // have reached the .part (counted on disk, not at the server: on a loaded machine the bytes a server
      // sent can sit in socket buffers while the client waits for a CPU, and a run killed then wrote nothing).
      const quota = i === 0 ? 1 : Math.floor((0.05 + random() * 0.75) * RATE);
      const arrived = () => (i === 0 ? body.served - served : heldBytes(partOf(out)) - held) >= quota;
      await waitFor(() => arrived() || run.proc.exitCode !== null, 20_000, "the run's byte quota");
      run.kill("SIGKILL");
      const ended = await run.done;
      expect(ended.code === null ? ended.signal : `exit ${ended.code}: ${ended.stderr}`).toBe("SIGKILL");
      // Nothing asked again that the previous journal claimed.
      for (const q of requestsFor(server.requests, path).slice(before)) {
        const start = rangeOf(q)?.start ?? 0;
        expect((journal?.done ?? []).some(([s, e]) => start >= s && start < e)).toBe(false);
      }
      // Killed that early, run 0 may not have opened its file yet: then there is nothing to keep.
      if (i === 0 && !existsSync(journalOf(out))) continue;
      journal = readJournal(out, { url: server.url(path), size: SIZE });
      expectDoneRangesMatch(out, journal, body);
      // Every run past the first kept something: its writes were claimed as they completed.
      if (i > 0) expect(doneBytes(journal)).toBeGreaterThan(kept);
      kept = doneBytes(journal);
    }
    const r = await runCli([server.url(path), "-sS", "-C", "-", "-o", out, ...extra], { timeoutMs: 25_000 });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(await sha256(out)).toBe(SHA);
    // Each byte sent about once: a kill loses only what was in flight (a block the server had made, socket
    // buffers), well under 512 KiB a run, not the up to 2 s (8 MB) of transfer a 2-second journal lost.
    expect(body.served - servedAtStart).toBeLessThan(SIZE + 7 * 512 * 1024);
  }, 60_000);

  test("a progress line from another boot (a power loss) is not trusted: only the synced record counts", async () => {
    const out = tmp.file("boot.bin");
    const run = spawnCli([server.url("/f"), "-sS", "-o", out], { stdout: "ignore", timeoutMs: 30_000 });
    const served = body.served;
    await waitFor(() => body.served - served >= RATE / 2 || run.proc.exitCode !== null, 20_000, "half a second of bytes");
    run.kill("SIGKILL");
    await run.done;
    const synced = doneBytes(readJournal(out, { synced: true }));
    const sameBoot = doneBytes(readJournal(out));
    expect(sameBoot).toBeGreaterThan(synced);
    // The same journal as if written before a reboot: its progress line names another boot.
    const [record, progress] = readFileSync(journalOf(out), "utf8").split("\n");
    const boot = JSON.parse(progress!).boot as string;
    writeFileSync(journalOf(out), `${record}\n${progress!.replace(boot, "00000000-0000-0000-0000-000000000000")}\n`);
    const before = requestsFor(server.requests, "/f").length;
    const r = await runCli([server.url("/f"), "-sS", "-C", "-", "-o", out], { timeoutMs: 25_000 });
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(await sha256(out)).toBe(SHA);
    expect(rangeOf(requestsFor(server.requests, "/f")[before]!)?.start ?? 0).toBe(synced);
  }, 30_000);
});
