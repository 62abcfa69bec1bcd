// A full disk ends the download with exit 23 and a message naming it; the partial data and the journal stay,
// and once space is back -C - finishes with the right bytes. The disk is a small tmpfs mounted by the test
// (root only), grown afterwards with a remount; it is always unmounted.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runCli, sha256, tempDir } from "../servers/harness.ts";
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

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ routes: { "/f": { body } } });
});
afterAll(() => server.stop());

describe.skipIf(!!skip)("disk full", () => {
  test.each([
    ["while writing", [] as string[]],
    ["at --preallocate", ["--preallocate"]],
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

    disk.remount("64m");
    const again = await runCli([server.url("/f"), "-C", "-", "-o", out, ...extra]);
    expect(again.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);
  });
});
