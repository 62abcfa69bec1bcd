// Group commit for the small files of a many-URL run (-Z): each file is written without a sync, then
// waits for one syncfs(2) of its file system that starts after its write returned; when that sync
// succeeds, every file it covered is renamed to its final name. The promise of sink/file.ts holds (no
// final name before its bytes are on stable storage) at one sync per batch instead of one per file: 400
// fsyncs took 95 ms here, one syncfs 13-15 ms. syncfs runs on a thread of its own (libc.startSyncfs), so
// transfers go on while the disk works, and files that finish meanwhile form the next batch.
//
// Errors: syncfs reports a write-back error anywhere on the file system since the anchor fd below was
// opened, without saying which file it hit. Every file of a failed batch is then synced on its own
// (sink/file.ts), which gives each its own answer; so does a file when no thread can be started.
// The cost: syncfs writes back everything dirty on that file system, other programs' data included; on a
// disk another program keeps busy, one batch can take as long as that write-back.
import * as libc from "../net/libc.ts";

/** What became of a file handed to commit(): renamed, or left to its caller to sync and rename itself. */
export type BatchOutcome = "renamed" | "sync-yourself";

interface Entry {
  part: string;
  final: string;
  dev: string;
  done: (outcome: BatchOutcome) => void;
  fail: (err: { code: string }) => void;
}

// One directory fd per file system, opened before the first file there is written and kept for the
// process: syncfs reports write-back errors that happened after its fd was opened, so the fd must be older
// than every write it vouches for.
const anchors = new Map<string, number>(); // "major:minor" -> fd

// syncfs reports write-back errors only from Linux 5.8 (errseq on the superblock); before, it returned 0
// even when data was lost, so there every file keeps its own sync. Asked once, at the first prepare().
let kernelReports: boolean | undefined;
function syncfsReportsErrors(): boolean {
  if (kernelReports === undefined) {
    const [major = 0, minor = 0] = (import.meta.require("node:os") as typeof import("node:os")).release().split(".").map(Number);
    kernelReports = major > 5 || (major === 5 && minor >= 8);
  }
  return kernelReports;
}

const dirOf = (path: string) => {
  const i = path.lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
};

/**
 * The file system of `fd` (a file just created at `path`, nothing written yet), with its anchor open: a
 * new file system's is opened now (`path`'s directory), so it is older than the write to come. undefined
 * when it cannot be (the directory cannot be opened) or syncfs would not report errors: then the caller
 * syncs the file itself.
 */
export function prepare(fd: number, path: string): string | undefined {
  if (!syncfsReportsErrors()) return undefined;
  const st = libc.statFd(fd);
  if (typeof st === "number") return undefined;
  if (anchors.has(st.dev)) return st.dev;
  const dir = libc.openDirectory(dirOf(path));
  if (dir < 0) return undefined;
  const at = libc.statFd(dir);
  // The directory is on the file's file system (a bind mount of NAME.part itself could differ).
  if (typeof at === "number" || at.dev !== st.dev) {
    libc.close(dir);
    return undefined;
  }
  anchors.set(st.dev, dir);
  return st.dev;
}

let waiting: Entry[] = [];
let syncing = false;

/**
 * `part` (written, not synced, on the file system `dev` from prepare) becomes `final` once a sync that
 * started after this call has succeeded. Rejects with the rename's error ({ code }); "sync-yourself"
 * when the batch's sync failed or could not start.
 */
export function commit(part: string, final: string, dev: string): Promise<BatchOutcome> {
  return new Promise((done, fail) => {
    waiting.push({ part, final, dev, done, fail });
    if (!syncing) startBatch();
  });
}

function startBatch(): void {
  const batch = waiting;
  waiting = [];
  syncing = true;
  const threads = new Map<string, bigint | number>();
  for (const e of batch) if (!threads.has(e.dev)) threads.set(e.dev, libc.startSyncfs(anchors.get(e.dev)!));
  const results = new Map<string, number>();
  const check = () => {
    for (const [dev, thread] of threads) {
      if (results.has(dev)) continue;
      const r = typeof thread === "number" ? thread : libc.syncDone(thread);
      if (r === undefined) return void setTimeout(check, 1);
      results.set(dev, r);
    }
    finish(batch, results);
  };
  check();
}

function finish(batch: Entry[], results: Map<string, number>): void {
  for (const e of batch) {
    if (results.get(e.dev)! < 0) {
      e.done("sync-yourself");
      continue;
    }
    // On the event loop: the journal was just committed, and a rename is quick then.
    const r = libc.renamePath(e.part, e.final);
    if (r < 0) e.fail({ code: libc.errnoName(-r) });
    else e.done("renamed");
  }
  syncing = false;
  if (waiting.length > 0) startBatch();
}
