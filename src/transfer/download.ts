// One URL from request to committed output. The first answer (after redirects) decides the plan: how big,
// whether ranges work, which version (validator); resume state from the journal is checked against it;
// then one or more workers fill the missing ranges, retrying and resuming, and the file takes its final
// name only when every byte is there and verified.
import { existsSync, statSync } from "node:fs";
import type { Options } from "../cli/options.ts";
import { FetchxError, usageError } from "../errors.ts";
import { createDecoder, type BodyDecoder } from "../http/decode.ts";
import { parseUnsatisfiedRange } from "../http/headers.ts";
import type { ResponseHead } from "../http/types.ts";
import { FileSink, partPath } from "../sink/file.ts";
import { journalPath, readJournal, removeJournal } from "../sink/journal.ts";
import { outputPath } from "../sink/name.ts";
import { stdoutSink } from "../sink/stdout.ts";
import type { Sink } from "../sink/types.ts";
import type { Logger } from "../ui/log.ts";
import { ChecksumMismatch } from "./checksum.ts";
import type { HttpClient } from "./client.ts";
import type { Exchange } from "./exchange.ts";
import { MAX_PER_HOST, releaseConnections, reserveConnections } from "./hostcap.ts";
import { Job } from "./job.ts";
import { Monitor } from "./monitor.ts";
import { noProgress, type ProgressSink } from "./progress.ts";
import { RangeSet } from "./ranges.ts";
import { RequestPlan, requestFollowing, statusError } from "./request.ts";
import { RETRYABLE_STATUS, RetryPolicy } from "./retry.ts";
import { Scheduler, type Segment } from "./scheduler.ts";
import type { TransferStats } from "./stats.ts";
import { checkPartial, FileChanged, ifRangeOf, sameVersion, validatorOf, type Validator } from "./validator.ts";
import { abortableSleep, RangesIgnored, Worker } from "./worker.ts";

export interface DownloadContext {
  opts: Options;
  log: Logger;
  client: HttpClient;
  /** Aborted by -m or a signal: stop, keep what is resumable. */
  signal: AbortSignal;
  /** Output file for this URL (-o given per URL); undefined = decide from options. */
  output?: string;
  progress?: ProgressSink;
}

/** What an earlier run left: the bytes of which version are already in NAME.part. */
interface ResumeState {
  path: string;
  validator: Validator;
  done: RangeSet;
  size: number;
}

/** Restarting from zero (file changed, ranges unusable) happens at most this often per URL. */
const MAX_RESTARTS = 2;

export function headText(head: ResponseHead): string {
  let s = `HTTP/${head.version} ${head.status} ${head.statusText}\r\n`;
  for (const [k, v] of head.headers.entries()) s += `${k}: ${v}\r\n`;
  return s + "\r\n";
}

/**
 * The journal and .part an earlier run left at `path`, when they can be trusted. With -C - also a
 * finished file ("complete": only checked against the server). Without -C -, a .part with its journal
 * is still resumed rather than thrown away (as aria2 does with its control file): the validator check
 * makes that safe, and deleting NAME.part is how to start over.
 */
function loadResume(path: string, log: Logger, asked: boolean): ResumeState | "complete" | null {
  const j = readJournal(journalPath(path));
  const part = existsSync(partPath(path));
  if (j.data && part) {
    const d = j.data;
    if (!asked) log.info(`resuming ${partPath(path)} (left by an earlier run; delete it to start over)`);
    return { path, validator: { size: d.size, etag: d.etag, lastModified: d.lastModified }, done: new RangeSet(d.done), size: d.size };
  }
  if (!asked) return null;
  if (part) log.warn(`${partPath(path)} has no usable journal (${j.data ? "no data" : j.why}): starting over`);
  else if (existsSync(path) && statSync(path).isFile()) return "complete";
  return null;
}

export async function download(urlText: string, ctx: DownloadContext, stats: TransferStats): Promise<void> {
  const { opts, log } = ctx;
  const plan = new RequestPlan(opts, urlText);
  stats.method = plan.method;
  const retry = new RetryPolicy({ retries: opts.retries, delayMs: opts.retryDelayMs, maxTimeMs: opts.retryMaxTimeMs });

  // -J names the file only once the answer is in; -o or -O alone name it now.
  const knownPath = ctx.output === undefined && opts.remoteHeaderName ? undefined : outputPath(opts, plan.url.url, undefined, ctx.output);
  if (opts.resume && !knownPath) throw usageError("-C - resumes into a file: give -o FILE or -O");
  let resume = knownPath ? loadResume(knownPath, log, opts.resume) : null;
  let restarts = 0;
  let useIfRange = true;
  let probe = true;

  for (;;) {
    // The first request: resume asks for the first missing range; a complete file asks past its end;
    // several connections probe with one byte (size, validator, whether ranges work) before splitting.
    const extra: [string, string][] = [];
    const probing = !resume && probe && opts.connections > 1 && knownPath !== null && plan.method === "GET" && !opts.includeHeaders;
    if (resume === "complete") extra.push(["Range", `bytes=${statSync(knownPath!).size}-`]);
    else if (resume) {
      const [a, b] = resume.done.missing(resume.size)[0] ?? [resume.size, resume.size];
      extra.push(["Range", a < b ? `bytes=${a}-${b - 1}` : `bytes=${a}-`]);
      const ifRange = ifRangeOf(resume.validator);
      if (ifRange && useIfRange) extra.push(["If-Range", ifRange]);
    } else if (probing) extra.push(["Range", "bytes=0-0"]);

    let ex: Exchange;
    try {
      ex = await requestFollowing(plan, ctx.client, opts, log, stats, extra);
      if (RETRYABLE_STATUS(ex.head.status) && retry.wouldRetry(statusError(ex))) {
        ex.conn.close();
        throw statusError(ex);
      }
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      const delay = retry.delayFor(err);
      if (delay === null) throw err;
      stats.numRetries = retry.total;
      log.warn(`${(err as Error).message}; retrying in ${(delay / 1000).toFixed(1)} s`);
      await abortableSleep(delay, ctx.signal);
      continue;
    }
    const head = ex.head;
    if (probing && head.status === 416) {
      // Only an empty file has no byte 0: ask again plainly, so it is an ordinary 200.
      await ex.discard();
      ctx.client.release(ex, plan.url);
      probe = false;
      continue;
    }

    if (opts.fail && head.status >= 400 && !(head.status === 416 && resume)) {
      ex.conn.close();
      throw statusError(ex);
    }

    // Resume checks: is the server's file the one whose bytes we have?
    let resumed: ResumeState | null = null;
    if (resume === "complete") {
      ex.conn.close();
      if (head.status === 416) {
        log.info(`${knownPath} is already complete`);
        stats.filenameEffective = knownPath!;
        return;
      }
      log.warn(`${knownPath} exists but the server's file is larger or different: downloading it again`);
      resume = null;
      continue;
    }
    if (resume) {
      if (head.status === 206) {
        try {
          const [a, b] = resume.done.missing(resume.size)[0] ?? [resume.size, resume.size];
          checkPartial(head, a, b, resume.validator);
          resumed = resume;
        } catch (err) {
          ex.conn.close();
          if (!(err instanceof FileChanged)) throw err;
          log.warn(`${err.message}: starting over`);
          resume = null;
          continue;
        }
      } else if (head.status === 416 && resume.done.size === resume.size && (parseUnsatisfiedRange(head.headers.get("content-range")) ?? resume.size) === resume.size) {
        ex.conn.close();
        resumed = resume; // every byte is there: only verification and the rename are left
      } else if (head.status === 200 && sameVersion(resume.validator, head) && useIfRange && ifRangeOf(resume.validator) && head.headers.get("accept-ranges")?.includes("bytes")) {
        // Some CDNs answer If-Range with 200 though the file is unchanged: ask again with plain Range.
        ex.conn.close();
        log.trace("server answered If-Range with 200 for an unchanged file: asking again without If-Range");
        useIfRange = false;
        continue;
      } else {
        const why = head.status === 200 && sameVersion(resume.validator, head) ? "the server does not resume (answered 200)" : "the file changed on the server";
        log.warn(`${why}: starting over`);
        resume = null;
        // This 200 is a fresh download: fall through with it.
        if (head.status !== 200) {
          ex.conn.close();
          continue;
        }
      }
    }

    try {
      await transfer(ctx, stats, plan, retry, ex, resumed, useIfRange, probing);
      return;
    } catch (err) {
      if ((err instanceof FileChanged || err instanceof RangesIgnored) && restarts < MAX_RESTARTS && knownPath) {
        restarts++;
        log.warn(`${err.message}: starting over`);
        resume = null;
        continue;
      }
      throw err;
    }
  }
}

/** Runs the transfer whose first answer is `ex`, to the committed output. */
async function transfer(
  ctx: DownloadContext,
  stats: TransferStats,
  plan: RequestPlan,
  retry: RetryPolicy,
  ex: Exchange,
  resumed: ResumeState | null,
  useIfRange: boolean,
  probedRange: boolean,
): Promise<void> {
  const { opts, log } = ctx;
  const head = ex.head;
  // The 206 answered fetchx's own one-byte probe: what the user asked for, and gets, is the whole file.
  if (probedRange && head.status === 206) stats.httpCode = 200;
  const path = outputPath(opts, plan.url.url, head, ctx.output);
  stats.filenameEffective = path ?? undefined;
  const validator = resumed?.validator ?? validatorOf(head);
  const decoder = opts.compressed && !resumed ? createDecoder(head.headers.get("content-encoding")) : null;
  // Ranges work when the server honoured one (206), or says so and was not already caught ignoring our
  // probe (a 200 to "Range: bytes=0-"). A resume has its journal and a server that honoured a range.
  const partial = head.status === 206;
  const advertised = head.status === 200 && !!head.headers.get("accept-ranges")?.includes("bytes") && !probedRange;
  const rangesOk = !!resumed || (validator.size !== null && plan.method === "GET" && !decoder && !opts.includeHeaders && (partial || advertised));

  const file = path === null ? null : await FileSink.open(path, { createDirs: opts.createDirs, resume: !!resumed, signal: ctx.signal });
  const sink: Sink = file ?? stdoutSink(ctx.signal);
  const regular = !!file && !file.special;
  const jpath = regular && rangesOk ? journalPath(path!) : null;
  if (regular && !resumed) removeJournal(journalPath(path!)); // an older journal would describe other bytes

  if (opts.includeHeaders || opts.head) await sink.write(new TextEncoder().encode(headText(head)));
  if (!resumed && (opts.head || decoder || opts.includeHeaders || head.status >= 300)) {
    // One plain stream: HEAD, decoded bodies, error pages (what a retry could not resume anyway).
    await streamOnce(ex, sink, decoder, stats);
    ctx.client.release(ex, plan.url);
    await sink.commit();
    return;
  }

  // Without a known size the one stream decides where the body ends.
  const size = validator.size ?? Number.MAX_SAFE_INTEGER;
  if (opts.preallocate && file && !resumed && validator.size !== null) file.preallocate(size);
  const done = resumed?.done ?? new RangeSet();
  const scheduler = new Scheduler(done.missing(size));
  const job = new Job(opts, log, ctx.client, stats, retry, plan, sink, file, validator, scheduler, done, jpath, opts.checksum ?? null, rangesOk);
  job.useIfRange = useIfRange;
  const onAbort = () => job.fail(ctx.signal.reason instanceof FetchxError ? ctx.signal.reason : new FetchxError("INTERRUPTED", "interrupted"));
  ctx.signal.addEventListener("abort", onAbort, { once: true });

  const host = plan.url.host.toLowerCase();
  const parallel = regular && rangesOk ? reserveConnections(host, opts.connections) : reserveConnections(host, 1);
  if (parallel < opts.connections && regular && rangesOk) log.trace(`${parallel} connections to ${host} (at most ${MAX_PER_HOST} per host)`);
  const workers = Array.from({ length: parallel }, (_, i) => new Worker(i, job));
  const monitor = new Monitor(job, workers);
  job.startJournal();
  (ctx.progress ?? noProgress).start(job);
  try {
    // One connection carries on with the first answer. Several start from an even split, each with a
    // closed range: an open-ended answer cut short wastes what is in flight, and servers that pace per
    // request (nginx limit_rate) send a closed range faster than the same bytes of an open one.
    let first: { ex: Exchange; seg: Segment } | undefined;
    if (parallel > 1) {
      // The probe asked for one byte (size and validator are what it is for); its connection is reused.
      await ex.discard();
      ctx.client.release(ex, plan.url);
      scheduler.split(parallel);
    } else if (!(resumed && done.size === size)) first = { ex, seg: scheduler.checkout(0)! };
    await Promise.all(workers.map((w, i) => w.run(i === 0 ? first : undefined)));
    if (job.error) throw job.error;
    if (validator.size !== null && job.done.size !== size) throw new FetchxError("PARTIAL", `transfer ended with ${size - job.done.size} bytes missing`);
    if (opts.checksum) {
      job.phase = "verifying";
      const actual = await job.digest(job.done.size);
      if (actual !== opts.checksum.hex) {
        await job.stopJournal();
        await job.saveJournal({ checksumFailed: `${opts.checksum.algo}=${actual}` });
        throw new ChecksumMismatch(opts.checksum, actual, file ? file.writingPath : "nothing (stdout)");
      }
    }
    await job.stopJournal();
    await sink.commit();
    if (jpath) removeJournal(jpath);
    job.phase = "done";
    ctx.progress?.finish(job);
  } catch (err) {
    monitor.stop();
    await job.stopJournal();
    if (!(err instanceof ChecksumMismatch)) await job.saveJournal(); // a mismatch saved its own, marked
    await sink.abort();
    job.phase = "failed";
    const e = err instanceof FetchxError ? err : new FetchxError("RECV", String(err));
    ctx.progress?.finish(job, { exitCode: e.exitCode, message: e.message });
    throw err;
  } finally {
    monitor.stop();
    releaseConnections(host, parallel);
    ctx.signal.removeEventListener("abort", onAbort);
  }
}

/** Streams one answer sequentially (optionally decoding) into the sink. No resume: nothing to resume from. */
async function streamOnce(ex: Exchange, sink: Sink, decoder: BodyDecoder | null, stats: TransferStats): Promise<void> {
  // Decoded bytes go to the sink as they come; awaiting the sink pauses decoding, and the body with it.
  const emit = (out: Uint8Array) => sink.write(out);
  try {
    await ex.body((bytes) => {
      stats.sizeDownload += bytes.byteLength;
      return decoder ? decoder.write(bytes, emit) : sink.write(bytes);
    });
    if (decoder) await decoder.end(emit);
  } catch (err) {
    ex.conn.close();
    await sink.abort();
    throw err;
  }
}
