// The group commit of small files (src/sink/sync-batch.ts): syncfs on a thread of its own, one sync
// for the files that wait together, renames only after it succeeded, and a failed sync handing each file
// back to be synced on its own.
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import * as libc from "../../src/net/libc.ts";
import * as syncBatch from "../../src/sink/sync-batch.ts";
import { tempDir } from "../servers/harness.ts";

const tmp = tempDir("fetchx-syncbatch-");
afterAll(() => tmp.cleanup());

/** Creates `path`, asks prepare() for its file system before writing `text`, as sink/file.ts does. */
function written(path: string, text: string): string | undefined {
  const fd = openSync(path, "wx");
  try {
    const dev = syncBatch.prepare(fd, path);
    writeSync(fd, text);
    return dev;
  } finally {
    closeSync(fd);
  }
}

/** Polls a thread of startSyncfs to its end. */
async function joined(thread: bigint): Promise<number> {
  for (;;) {
    const r = libc.syncDone(thread);
    if (r !== undefined) return r;
    await Bun.sleep(1);
  }
}

describe("syncfs on its own thread", () => {
  test("succeeds on a directory's fd, fails on a closed one, and joins once", async () => {
    const file = tmp.file("probe");
    writeFileSync(file, "x");
    const fd = libc.openDirectory(tmp.path);
    expect(fd).toBeGreaterThanOrEqual(0);
    const ok = libc.startSyncfs(fd);
    expect(typeof ok).toBe("bigint");
    expect(await joined(ok as bigint)).toBe(0);
    libc.close(fd);
    const bad = libc.startSyncfs(fd); // EBADF inside the thread
    expect(await joined(bad as bigint)).toBe(-1);
    expect(libc.openDirectory(file)).toBe(-20); // ENOTDIR: only directories anchor
  });
});

describe("sync batch", () => {
  test("files committed together share one sync and are renamed after it; a missing .part rejects with its errno", async () => {
    const names = Array.from({ length: 5 }, (_, i) => tmp.file(`f${i}`));
    const devs = names.map((n, i) => written(n + ".part", `body ${i}`)!);
    const dev = devs[0]!;
    expect(dev).toMatch(/^\d+:\d+$/);
    expect(new Set(devs).size).toBe(1);
    const outcomes = await Promise.all(names.map((n) => syncBatch.commit(n + ".part", n, dev)));
    expect(outcomes).toEqual(["renamed", "renamed", "renamed", "renamed", "renamed"]);
    for (const [i, n] of names.entries()) {
      expect(readFileSync(n, "utf8")).toBe(`body ${i}`);
      expect(existsSync(n + ".part")).toBe(false);
    }
    const missing = tmp.file("never-written");
    expect(syncBatch.commit(missing + ".part", missing, dev)).rejects.toEqual({ code: "ENOENT" });
  });

  test("when the sync fails, nothing is renamed: each file is handed back to be synced on its own", async () => {
    // A directory on another file system (the tmpfs of /dev/shm), so its anchor is a fresh fd this test
    // can find (readlink of /proc/self/fd) and close, making syncfs fail with EBADF.
    const dir = join("/dev/shm", `fetchx-syncbatch-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      const name = join(dir, "a");
      const dev = written(name + ".part", "kept")!;
      const anchor = readdirSync("/proc/self/fd").find((fd) => safeLink(`/proc/self/fd/${fd}`) === dir);
      expect(anchor).toBeDefined();
      libc.close(Number(anchor));
      expect(await syncBatch.commit(name + ".part", name, dev)).toBe("sync-yourself");
      expect(existsSync(name)).toBe(false);
      expect(readFileSync(name + ".part", "utf8")).toBe("kept");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function safeLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
