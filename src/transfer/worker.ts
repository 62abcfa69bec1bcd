// One connection's work: take a segment, ask for its bytes (Range, If-Range), check the answer is the same
// version of the file, write at offsets, and on a transient failure hand the rest back and try again.
import { FetchxError } from "../errors.ts";
import type { Connection } from "../net/types.ts";
import type { Exchange } from "./exchange.ts";
import type { Job } from "./job.ts";
import { IDLE_TIMEOUT_MS, statusError } from "./request.ts";
import type { Segment } from "./scheduler.ts";
import { checkPartial, FileChanged, ifRangeOf, sameVersion } from "./validator.ts";


/** The server answered a Range request with the whole file: ranges cannot be used. */
export class RangesIgnored extends FetchxError {
  constructor() {
    super("RANGE", "the server ignored a Range request (answered 200)", { retryable: false });
  }
}

/** Thrown inside the body loop when the segment is complete but the response goes on. */
const SEGMENT_FULL = Symbol("segment full");

export class Worker {
  /** Bytes this worker wrote (the monitor samples it for speed checks). */
  bytes = 0;
  conn: Connection | null = null;
  /** Why the monitor stopped this worker's connection (stall or replacement). */
  stopReason: FetchxError | null = null;
  /** Set when the worker's connection was replaced for being slow: not a failure, no retry budget. */
  replaced = false;
  connectedAt = 0;

  constructor(readonly id: number, private readonly job: Job) {}

  /** Closes the connection with a reason; the worker's loop sees the reason instead of the socket error. */
  stop(reason: FetchxError, replaced = false): void {
    this.stopReason = reason;
    this.replaced = replaced;
    this.conn?.close();
  }

  /** Works until no segment is left or the job fails. `first` is an exchange already answering `firstSeg`. */
  async run(first?: { ex: Exchange; seg: Segment }): Promise<void> {
    const job = this.job;
    let pending = first;
    while (!job.error) {
      const seg = pending?.seg ?? job.scheduler.checkout(this.id, (owner) => job.rates.get(owner) ?? 0);
      if (!seg) return;
      try {
        const ex = pending?.ex ?? (await this.open(seg));
        pending = undefined;
        this.attach(ex.conn);
        await this.pump(seg, ex);
        this.detach();
        if (seg.pos < seg.end && seg.owner === this.id) job.scheduler.release(seg); // short answer: leave the rest
        else if (seg.owner === this.id) seg.owner = null;
      } catch (thrown) {
        pending = undefined;
        job.scheduler.release(seg);
        const err = this.stopReason ?? (thrown instanceof FetchxError ? thrown : new FetchxError("RECV", String(thrown), { cause: thrown, retryable: false }));
        const wasReplaced = this.replaced;
        this.detach();
        if (job.error) return;
        if (wasReplaced) {
          job.log.trace(`connection ${this.id}: replaced (much slower than the others)`);
          continue;
        }
        const delay = job.signal.aborted ? null : job.retry.delayFor(err);
        if (delay === null) {
          job.fail(err);
          return;
        }
        job.stats.numRetries = job.retry.total;
        job.log.warn(`${err.message}; retrying in ${(delay / 1000).toFixed(1)} s (resuming at byte ${seg.pos})`);
        job.phase = "retrying";
        await abortableSleep(delay, job.signal);
      }
    }
  }

  private attach(conn: Connection) {
    this.conn = conn;
    this.connectedAt = performance.now();
    this.stopReason = null;
    this.replaced = false;
    this.job.activeConnections++;
    this.job.phase = "transferring";
  }

  private detach() {
    if (!this.conn) return;
    this.conn = null;
    this.job.activeConnections--;
  }

  /** Requests seg.pos..seg.end-1 and checks the answer belongs to the same file version. */
  private async open(seg: Segment): Promise<Exchange> {
    const job = this.job;
    for (;;) {
      const ifRange = job.useIfRange ? ifRangeOf(job.validator) : undefined;
      // What was asked: a steal may lower seg.end while the answer is on its way. Without a known size
      // (chunked, close-delimited) the range stays open and the answer's total says where it ends.
      const start = seg.pos;
      const end = job.validator.size === null ? null : seg.end;
      const extra: [string, string][] = [["Range", `bytes=${start}-${end === null ? "" : end - 1}`]];
      if (ifRange) extra.push(["If-Range", ifRange]);
      const ex = await job.client.request(job.plan.url, job.plan.spec(extra), IDLE_TIMEOUT_MS);
      const head = ex.head;
      job.stats.sizeRequest += ex.requestBytes;
      if (head.status === 206) {
        try {
          checkPartial(head, start, end, job.validator);
        } catch (err) {
          ex.conn.close();
          throw err;
        }
        return ex;
      }
      ex.conn.close();
      if (head.status === 200 && sameVersion(job.validator, head)) {
        if (ifRange) {
          // Some CDNs answer If-Range with 200 even when it matches: go on with plain Range and check
          // the validator of each 206 ourselves.
          job.log.trace("server answered If-Range with 200 for an unchanged file: continuing without If-Range");
          job.useIfRange = false;
          continue;
        }
        throw new RangesIgnored();
      }
      if (head.status === 200 || head.status === 416) throw new FileChanged(`answered ${head.status} to a range request`);
      throw statusError(ex);
    }
  }

  /** Streams the answer into the segment; stops (closing the connection) if the segment was shortened. */
  private async pump(seg: Segment, ex: Exchange): Promise<void> {
    const job = this.job;
    try {
      await ex.body((bytes) => {
        const { at, take } = job.scheduler.reserve(seg, bytes.byteLength);
        // Full while the answer goes on (a steal shortened the segment): stop after this write.
        const full = seg.pos >= seg.end && (take < bytes.byteLength || !ex.atEnd);
        if (take > 0) {
          this.bytes += take;
          const pending = job.write(at, take < bytes.byteLength ? bytes.subarray(0, take) : bytes);
          if (pending) return full ? pending.then(() => Promise.reject(SEGMENT_FULL)) : pending;
        }
        if (full) throw SEGMENT_FULL;
      });
      if (!job.rangesOk) seg.end = seg.pos; // a plain stream: its end is the body's end
      job.client.release(ex, job.plan.url);
    } catch (err) {
      ex.conn.close();
      if (err !== SEGMENT_FULL) throw err;
    }
  }
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
