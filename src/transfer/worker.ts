// One connection's work: take a segment, ask for its bytes (validator.ts judges the answer), write at
// offsets, and on a transient failure hand the rest back and let the download's one retry loop decide.
import { asFetchxError, FetchxError } from "../errors.ts";
import { parseUrl, type ParsedUrl } from "../http/url.ts";
import type { Connection } from "../net/types.ts";
import { STOP, type Exchange } from "./exchange.ts";
import type { Job } from "./job.ts";
import { redirectTarget, statusError } from "./request.ts";
import type { PathSet, PathState } from "./paths.ts";
import type { Segment } from "./scheduler.ts";
import { abortableSleep } from "./retry.ts";
import { judgeRange, rangeHeaders, RangesIgnored, type RangeAsked } from "./validator.ts";

/** First wait of a worker whose connection the server refused (doubling per refusal)... */
const BACKOFF_MS = 1000;
/** ...up to this. */
const BACKOFF_MAX_MS = 8000;

/** Whether `err`, met before an answer was accepted, looks like a server refusing one more connection. */
function refusal(err: FetchxError): boolean {
  if (err.status !== undefined) return err.status === 503 || err.status === 429;
  return ["CONNECT", "EMPTY_REPLY", "RECV", "SEND"].includes(err.code);
}

export class Worker {
  /** Bytes this worker wrote (the monitor samples it for speed checks). */
  bytes = 0;
  conn: Connection | null = null;
  /** Why the monitor stopped this worker's connection (stall or replacement). */
  stopReason: FetchxError | null = null;
  /** Set when the worker's connection was replaced for being slow: not a failure, no retry budget. */
  replaced = false;
  /** A request for a segment is on its way (no answer accepted yet). */
  opening = false;
  connectedAt = 0;
  /** The path this worker's connection uses now (with several paths; paths.ts). */
  route: PathState | null = null;
  /** Body bytes over the current connection. */
  private connBytes = 0;
  /** Size of the last chunk asked for in the current segment (chunks grow while the rate is unknown). */
  private chunk = 0;

  /**
   * `paths`: the download's paths, this worker at home on path `home` (connections bound to it), or null
   * when connections are not bound.
   */
  constructor(
    readonly id: number,
    private readonly job: Job,
    private readonly paths: PathSet | null = null,
    readonly home = 0,
  ) {}

  /** Closes the connection with a reason; the worker's loop sees the reason instead of the socket error. */
  stop(reason: FetchxError, replaced = false): void {
    this.stopReason = reason;
    this.replaced = replaced;
    this.conn?.close();
  }

  /**
   * Works until no segment is left or the job fails. `first` is an exchange already answering
   * `first.seg`. A failure the retry policy gives up on fails the whole job.
   */
  async run(first?: { ex: Exchange; seg: Segment; route?: PathState }): Promise<void> {
    const job = this.job;
    let pending = first;
    let seg: Segment | null = null;
    if (first?.route) this.route = first.route;
    // The segment whose next chunk this worker asks for (its answer ended cleanly, the connection is kept).
    let kept: Segment | null = null;
    job.working++;
    const work = async (): Promise<void> => {
      while (!job.error) {
        seg = pending?.seg ?? kept ?? job.scheduler.checkout(this.id, (owner) => job.rates.get(owner) ?? 0);
        const next = !!kept;
        kept = null;
        if (!seg) {
          // Nothing free and nothing worth stealing now: wait for a change while others work, rather
          // than leave (a slow owner's chunk may be worth taking once its rate is known).
          if (job.scheduler.finished) return;
          await job.changed();
          continue;
        }
        try {
          if (this.paths && !pending && !next) this.route = this.paths.choose(this.home, (p) => this.load(p));
          if (!next) this.chunk = 0;
          this.opening = !pending;
          const ex = pending?.ex ?? (await this.open(seg));
          this.opening = false;
          pending = undefined;
          this.attach(ex.conn);
          await this.pump(seg, ex);
          this.detach();
          seg.asked = seg.pos;
          // The chunk (or a shorter answer) is done: ask for the rest of the segment over the same connection.
          if (seg.pos < seg.end && seg.owner === this.id && job.rangesOk) kept = seg;
          else if (seg.pos < seg.end && seg.owner === this.id) job.scheduler.release(seg);
          else if (seg.owner === this.id) seg.owner = null;
          if (!kept) job.notify();
        } catch (thrown) {
          pending = undefined;
          job.scheduler.release(seg);
          job.notify(); // a worker without work may take it
          const err = this.stopReason ?? asFetchxError(thrown);
          const wasReplaced = this.replaced;
          const wasOpening = this.opening;
          this.opening = false;
          // Read once: a stop that found no connection must not explain a later failure.
          this.stopReason = null;
          this.replaced = false;
          this.detach();
          if (job.error) return;
          // A dead path costs its ranges, not the download's retries: carry on over another path.
          if (!wasReplaced && this.route && this.paths?.failover(this.route, err)) continue;
          // Refused before an answer (503/429, refused or reset) while other connections work: the server
          // limits connections per client. Run with fewer: back off and try again later, no retry spent.
          if (!wasReplaced && wasOpening && refusal(err) && job.working > 1) {
            await this.backOff(err);
            continue;
          }
          if (!wasReplaced) throw err;
          job.download.trace(`connection ${this.id}: ${err.message}; a new request carries on`);
        }
      }
    };
    try {
      await job.download.retrying(work, { signal: job.signal, resumeAt: () => seg?.pos });
    } catch (err) {
      job.fail(asFetchxError(err));
    } finally {
      job.working--;
    }
  }

  /** Times this worker backed off after a refusal (each wait doubles, up to BACKOFF_MAX_MS). */
  private refusals = 0;

  /**
   * Out of the job for a while after the server refused one more connection: the others carry its
   * segment. Comes back after the wait (a limit may be temporary), or ends when the job does.
   */
  private async backOff(err: FetchxError): Promise<void> {
    const job = this.job;
    const ms = Math.min(BACKOFF_MAX_MS, BACKOFF_MS * 2 ** this.refusals++);
    job.download.trace(`connection ${this.id}: ${err.message}; the server seems to limit connections: ${job.working - 1} go on, this one tries again in ${(ms / 1000).toFixed(1)} s`);
    job.working--;
    const until = performance.now() + ms;
    const done = new AbortController();
    try {
      while (!job.error && !job.scheduler.finished && performance.now() < until) {
        await Promise.race([abortableSleep(until - performance.now(), AbortSignal.any([job.signal, done.signal])), job.changed()]);
      }
    } finally {
      done.abort(); // no timer outlives the wait
      job.working++;
    }
  }

  /** Workers of the job working over `p` now (the least loaded path takes a displaced worker). */
  private load(p: PathState): number {
    return this.peers?.filter((w) => w !== this && w.conn && w.route === p).length ?? 0;
  }

  /** The other workers of the job (set by the download with several paths). */
  peers?: Worker[];

  private attach(conn: Connection) {
    this.conn = conn;
    this.connBytes = 0;
    this.connectedAt = performance.now();
    this.stopReason = null;
    this.replaced = false;
    this.job.activeConnections++;
  }

  private detach() {
    if (!this.conn) return;
    this.job.download.carried?.(this.conn, this.connBytes);
    this.conn = null;
    this.job.activeConnections--;
  }

  /** Requests seg.pos..seg.end-1 of the job's version of the file; returns the validated 206. */
  private async open(seg: Segment): Promise<Exchange> {
    const job = this.job;
    // Where a redirect of this request points (object stores answer each range with a signed URL).
    let url: ParsedUrl | undefined;
    let hops = 0;
    for (;;) {
      // What was asked: a closed range of at most one chunk, which steals leave alone (scheduler.ts), so
      // the answer ends cleanly and the connection is kept. Without a known size (chunked,
      // close-delimited) the range stays open and the answer's total says where it ends.
      const end = job.validator.size === null ? null : job.scheduler.chunkEnd(seg, job.rates.get(this.id) ?? 0, this.chunk);
      if (end !== null) {
        this.chunk = end - seg.pos;
        seg.asked = end;
      }
      const asked: RangeAsked = { start: seg.pos, end, validator: job.validator, ifRange: job.useIfRange, identity: job.download.settings.compressed };
      const ex = await job.download.request(rangeHeaders(asked), this.route?.hook, url);
      const next = redirectTarget(ex.head, url ?? job.download.plan.url);
      if (next) {
        // Followed for this request only (the next one asks the effective URL again); the answer at the end
        // is judged like any other, validators included. --proto-redir and --max-redirs hold.
        const max = job.download.settings.maxRedirects;
        if (hops++ >= (max >= 0 ? max : 50)) {
          ex.close();
          throw new FetchxError("TOO_MANY_REDIRECTS", `maximum (${max}) redirects followed for a segment`);
        }
        url = parseUrl(next);
        job.download.plan.allowRedirect(url);
        job.download.trace(`segment ${asked.start}-${asked.end ?? ""} redirected to ${next}`);
        await ex.discard();
        ex.release();
        continue;
      }
      const verdict = judgeRange(ex.head, asked, statusError);
      if (verdict.kind === "partial") return ex;
      ex.close();
      switch (verdict.kind) {
        case "retry-without-if-range":
          job.download.trace("server answered If-Range with 200 for an unchanged file: continuing without If-Range");
          job.useIfRange = false;
          continue;
        case "ignored":
          throw new RangesIgnored();
        case "changed":
        case "error":
          throw verdict.error;
        case "complete":
          throw statusError(ex.head); // a segment is never asked past the end
      }
    }
  }

  /**
   * Streams the answer into the segment; stops (closing the connection) if the segment was shortened
   * below what the answer carries (only an open answer carried on from the first request can be).
   */
  private async pump(seg: Segment, ex: Exchange): Promise<void> {
    const job = this.job;
    let whole: boolean;
    try {
      whole = await ex.body((bytes) => {
        const at = seg.pos;
        const take = job.scheduler.reserve(seg, bytes.byteLength); // a number, not an object per chunk
        // Full while the answer goes on (a steal shortened the segment): stop after this write.
        const full = seg.pos >= seg.end && (take < bytes.byteLength || !ex.atEnd);
        if (take > 0) {
          this.bytes += take;
          this.connBytes += take;
          if (this.route) this.route.bytes += take;
          const pending = job.write(at, take < bytes.byteLength ? bytes.subarray(0, take) : bytes, ex.atEnd);
          if (pending) return full ? pending.then(() => STOP) : pending;
        }
        if (full) return STOP;
      });
    } catch (err) {
      ex.close();
      throw err;
    }
    if (!whole) return;
    if (ex.trailers) job.download.settings.onTrailers?.(ex.trailers);
    // A plain stream, or an open range of a file whose size is still unknown: its end is the body's end.
    if (!job.rangesOk || job.validator.size === null) seg.end = seg.pos;
    ex.release();
  }
}
