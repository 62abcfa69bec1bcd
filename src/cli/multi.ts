// Many URLs in one run (curl's several URLs and -Z/--parallel; wget/aria2's -i). Transfers run in
// `lanes`: each lane takes the next URL when its current one ends, so at most `lanes` run at once, and a
// lane's transfers run one after another (a lane can keep its keep-alive connections). A failure does
// not stop the others; the exit code is the first failure in command-line order.
import { fullGC } from "bun:jsc";
import { formatBytes, formatDuration, formatRate } from "../ui/format.ts";

export interface Outcome {
  url: string;
  /** 0 on success, else the transfer's exit code. */
  exitCode: number;
  bytes: number;
  /** The final HTTP status (0 when none came). */
  httpStatus?: number;
}

export interface RunManyOptions {
  /** Transfers at once (1 = one after another). */
  lanes: number;
  /** Checked before each new transfer: true stops scheduling (interrupt, --max-time, closed stdout). */
  stopped(): boolean;
}

/** What a transfer gets from its lane besides its index. */
export interface LaneTurn {
  lane: number;
  /** Frees the lane for its next transfer before this one ends (its bytes are in; only the commit is left). */
  free(): void;
  /** The lane's previous transfer, ended: report after it, so a lane's lines keep their order. */
  previous: Promise<unknown>;
}

/**
 * A full garbage collection every this many transfers. JavaScriptCore collects young objects often, but
 * an object that outlives one young collection (a transfer's objects, caught while it runs) waits for a
 * full collection, which comes rarely: 10,000 URLs of 4 KiB (8 at a time) peaked at 59-64 MiB against
 * 47 for 1,000, yet a heap snapshot after a full collection holds ~150 bytes per URL (its name and
 * outcome). Every 100 transfers: 44.6-45 MiB for 10,000, 40.4 for 1,000 (bench/memory.ts). The price is
 * CPU: a collection takes ~4.5 ms, 0.5-0.7 s (5-7 %) for 10,000 URLs. Every 250 left 53 MiB; collecting
 * only when heapSize() or the RSS had grown 1-2 MB since the last one left 54-58 (what grows is native
 * memory that dead wrappers hold until a full collection finds them). `Bun.gc(false)` is a young
 * collection: no help.
 */
export const COLLECT_EVERY_TRANSFERS = 100;

/**
 * The one full collection of a run of up to this many transfers, at its last: four of ~4.5 ms each for
 * 400 files, on the event loop's thread, were what collecting every 100 cost a short run, whose garbage
 * peaked at 44 MiB without any. A longer run collects from its 100th (firstCollection): from the 500th,
 * 1,000 URLs had peaked at 42.2 MiB against 38.0 (bench/memory.ts --only urls).
 */
export const FIRST_COLLECTION_AFTER = 500;

/**
 * When a run of `count` transfers has its first full collection: a short run (up to FIRST_COLLECTION_AFTER)
 * at that transfer, so it pays at most one; a longer one at its COLLECT_EVERY_TRANSFERS'th. A long run
 * collects every 100 anyway, and its peak was its first 500 transfers' garbage on top of its URLs'
 * preparation: 1,000 URLs 43.5 -> 39.5 MiB (two runs each), 30,000 61 -> 56 (RSS sampled through one
 * run), no CPU that the noise showed.
 */
export const firstCollection = (count: number) => (count > FIRST_COLLECTION_AFTER ? COLLECT_EVERY_TRANSFERS : FIRST_COLLECTION_AFTER);

/** A function that runs a full collection (`gc`) at its `first`th call, then every `every`th call. */
export function collector(every: number, first = every, gc: () => unknown = fullGC): () => void {
  let calls = 0;
  return () => {
    if (++calls >= first && (calls - first) % every === 0) gc();
  };
}

/**
 * Transfers a lane lets commit behind it (their bytes are in; a data sync and a rename are left) while it
 * runs the next. With one, nearly every transfer of 400 x 32 KiB waited for its predecessor's sync (390
 * of 400; 250-400 ms summed over the 8 lanes); with four, a loaded machine (syncs of several ms) ran
 * 318 -> 261 ms (two: 252 -> 236). Bounded: lanes x 4 pending commits, each holding at most its small
 * body (64 KiB) or an open file.
 */
export const COMMITS_BEHIND = 4;

/**
 * Runs `work(index, turn)` for indexes 0..count-1 and tallies their outcomes (a transfer never started is
 * counted as such). A transfer that calls free() lets its lane start the next one while it commits (a data
 * sync, off the critical path); each lane lets at most COMMITS_BEHIND transfers finish behind it, so
 * pending commits stay bounded.
 */
export async function runMany(count: number, opts: RunManyOptions, work: (index: number, turn: LaneTurn) => Promise<Outcome>): Promise<Tally> {
  const results = new Tally(count);
  let next = 0;
  const collect = collector(COLLECT_EVERY_TRANSFERS, firstCollection(count));
  const lane = async (id: number) => {
    let behind: Promise<unknown> = Promise.resolve();
    const committing: Promise<unknown>[] = []; // oldest first; each reports after the one before it
    while (next < count && !opts.stopped()) {
      const i = next++;
      collect();
      let free!: () => void;
      const freed = new Promise<void>((resolve) => (free = resolve));
      const ended = work(i, { lane: id, free, previous: behind }).then((r) => results.add(i, r));
      await Promise.race([freed, ended]);
      committing.push(ended);
      if (committing.length > COMMITS_BEHIND) await committing.shift();
      behind = ended;
    }
    await Promise.all(committing);
  };
  const lanes: Promise<void>[] = [];
  for (let id = 0; id < Math.max(1, Math.min(opts.lanes, count)); id++) lanes.push(lane(id)); // not Array.from: run.ts
  await Promise.all(lanes);
  return results;
}

/**
 * What the transfers of a run came to, counted as each ends: a run of 30,000 URLs kept an outcome object
 * and its URL for each until the end (for this line and the exit code), and its peak RSS grew with them
 * (bench/memory.ts).
 */
export class Tally {
  ok = 0;
  /** Saved error pages (an HTTP status of 400 or more without -f: exit 0, yet not "ok"). */
  httpErrors = 0;
  failed = 0;
  bytes = 0;
  /** The exit code of the first failure in command-line order, and its index. */
  private firstCode = 0;
  private firstAt = Infinity;

  constructor(readonly count: number) {}

  add(index: number, r: Outcome): void {
    this.bytes += r.bytes;
    if (r.exitCode === 0) {
      if ((r.httpStatus ?? 0) >= 400) this.httpErrors++;
      else this.ok++;
      return;
    }
    this.failed++;
    if (index < this.firstAt) {
      this.firstAt = index;
      this.firstCode = r.exitCode;
    }
  }

  /** Transfers that ended (the others were never started). */
  get done(): number {
    return this.ok + this.httpErrors + this.failed;
  }

  /** The first failure in command-line order, else 0. */
  get exitCode(): number {
    return this.firstCode;
  }
}

/**
 * "3 ok, 1 failed, 2 not started: 12.3 MiB in 4s (3.08 MiB/s)". An error page saved without -f exits 0
 * (as in curl) but is no "ok": it counts as "HTTP error" (shown only when there is one).
 */
export function summaryLine(t: Tally, elapsedMs: number): string {
  const skipped = t.count - t.done;
  const counts = [
    `${t.ok} ok`,
    ...(t.httpErrors ? [`${t.httpErrors} HTTP error${t.httpErrors === 1 ? "" : "s"}`] : []),
    `${t.failed} failed`,
    ...(skipped ? [`${skipped} not started`] : []),
  ].join(", ");
  const rate = elapsedMs > 0 ? ` (${formatRate((t.bytes / elapsedMs) * 1000)})` : "";
  return `${counts}: ${formatBytes(t.bytes)} in ${formatDuration(elapsedMs / 1000)}${rate}`;
}
