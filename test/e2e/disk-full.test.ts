// A full disk ends the download with exit 23 and a message naming it; the partial data and the journal stay,
// and once space is back -C - finishes with the right bytes; a -Z run of small files keeps what it finished. The disk is a small tmpfs mounted by the test
// (root only), grown afterwards with a remount; it is always unmounted.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, runCli, sha256, tempDir } from "../servers/harness.ts";
import { generatedBody, startServer, type TestServer } from "../servers/http.ts";
import { expectDoneRangesMatch, journalOf, partOf, readJournal } from "../servers/transfer.ts";

// Real transfers with rate limits and retries: longer than bun's 5 s default, bounded all the same.
setDefaultTimeout(30_000);

const SIZE = 16 * 1024 * 1024;
const body = generatedBody(SIZE, 71);
const SHA = body.sha256();

const sh = (...cmd: string[]) => Bun.spawnSync(cmd, { stderr: "pipe" });

/** Why a tmpfs cannot be mounted here (then the tests skip), or null. */
function cannotMount(): string | null {
  if (process.getuid?.() !== 0) return "not root";
  using probe = tempDir("fetchx-mntprobe-");
  const r = sh("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path);
  if (r.exitCode === 0) sh("umount", probe.path);
  return r.exitCode === 0 ? null : `mount -t tmpfs failed: ${r.stderr.toString().trim()}`;
}
const skip = cannotMount();
if (skip) console.log(`skipping disk-full tests: ${skip}`);

/** A tmpfs of `size` at a fresh directory; remount() resizes it; dispose unmounts and removes it. */
function smallDisk(size: string) {
  const tmp = tempDir("fetchx-disk-");
  const dir = tmp.path;
  const r = sh("mount", "-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir);
  if (r.exitCode !== 0) throw new Error(`mount: ${r.stderr}`);
  return {
    dir,
    remount(newSize: string) {
      const m = sh("mount", "-o", `remount,size=${newSize}`, dir);
      if (m.exitCode !== 0) throw new Error(`remount: ${m.stderr}`);
    },
    [Symbol.dispose]() {
      sh("umount", "-l", dir);
      tmp.cleanup();
    },
  };
}

// 64 files of 32 KiB: a 1 MiB disk holds about half of them.
const smallBodies = Array.from({ length: 64 }, (_, i) => randomBytes(32 * 1024, 500 + i));

let server: TestServer;
let small: TestServer;
beforeAll(async () => {
  server = await startServer({ routes: { "/f": { body } } });
  small = await startServer({ routes: Object.fromEntries(smallBodies.map((b, i) => [`/s${i}.bin`, { body: b }])) });
});
afterAll(() => {
  server.stop();
  small.stop();
});

describe.skipIf(!!skip)("disk full", () => {
  test.each([
    ["while writing", [] as string[]],
    ["at --preallocate", ["--preallocate"]],
    ["over 4 connections", ["--connections", "4"]],
  ])("%s: exit 23 naming it, partial state kept, -C - finishes after space is freed", async (_when, extra) => {
    using disk = smallDisk("8m");
    const out = join(disk.dir, "f.bin");
    const r = await runCli([server.url("/f"), "-o", out, ...extra]);
    expect(r.code).toBe(23);
    expect(r.stderr).toMatch(/disk full|no space left/i);
    expect(r.stderr.trim().split("\n").length).toBe(1);
    expect(existsSync(out)).toBe(false);
    // Data was written before the disk filled, so it is kept (a failed preallocation has none to keep).
    // No journal need be there: the disk filled before the first save was due, and a full disk refuses
    // one written on the way out (an empty journal written at the start used to be left, claiming nothing).
    if (extra.length === 0) expect(existsSync(partOf(out))).toBe(true);
    // Whatever the journal claims is really on the disk.
    if (existsSync(journalOf(out))) expectDoneRangesMatch(out, readJournal(out, { url: server.url("/f"), size: SIZE }), body);
    // A journal the full disk refused leaves no temp file behind.
    expect(readdirSync(disk.dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);

    disk.remount("64m");
    const again = await runCli([server.url("/f"), "-C", "-", "-o", out, ...extra]);
    expect(again.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);
  });

  // (A journal written for bytes that never reached the disk is what commit-durability.test.ts's failing
  // syncs catch: here the full disk refuses the journal as well.)
  test("-Z, many small files: each gets its name with its exact bytes, or keeps no journal and is promised no resume; no temp file is left; the same command finishes once space is freed", async () => {
    using disk = smallDisk("1m");
    const urls = smallBodies.map((_, i) => small.url(`/s${i}.bin`));
    const args = ["-sS", "-Z", "--parallel-max", "8", "-O", "--output-dir", disk.dir, ...urls];
    const r = await runCli(args);
    expect(r.code).toBe(23);
    const lines = r.stderr.trim().split("\n");
    let named = 0;
    for (const [i, b] of smallBodies.entries()) {
      const name = join(disk.dir, `s${i}.bin`);
      if (existsSync(name)) {
        named++;
        expect(await sha256(name)).toBe(await sha256(b));
        continue;
      }
      expect(existsSync(journalOf(name))).toBe(false);
      const line = lines.find((l) => l.includes(`s${i}.bin: `));
      expect(line).toMatch(/disk full/);
      expect(line).not.toContain("resume");
    }
    expect(named).toBeGreaterThan(0);
    expect(named).toBeLessThan(smallBodies.length);
    expect(readdirSync(disk.dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);

    disk.remount("16m");
    const again = await runCli(args);
    expect(again.code).toBe(0);
    for (const [i, b] of smallBodies.entries()) expect(await sha256(join(disk.dir, `s${i}.bin`))).toBe(await sha256(b));
    expect(readdirSync(disk.dir).filter((n) => n.endsWith(".part") || n.endsWith(".fetchx"))).toEqual([]);
  });
});
