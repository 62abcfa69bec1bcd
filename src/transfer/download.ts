// One URL from request to committed output, as named phases (curl's mstate()):
//
//   request -> check-resume -> transfer -> verify -> commit -> done      (or -> failed from anywhere)
//
// request: the first answer, after redirects, retried on transient failures. check-resume: is the
// server's file the one whose bytes an earlier run left (validator.ts judges the answer)? If not, back to
// request without them. transfer: one or more workers fill the missing ranges (job.ts, worker.ts), or one
// plain stream for what cannot be resumed (HEAD, decoded bodies, error pages). verify: --checksum. commit:
// NAME.part becomes NAME only when every byte is there and verified. Every transition goes through go(),
// which the trace (-v) shows; every retry goes through retrying().
import { timerMs } from "../timers.ts";
import { asFetchxError, FetchxError, type ErrorCode } from "../errors.ts";
import { createDecoder, type BodyDecoder } from "../http/decode.ts";
import { parseContentRange } from "../http/headers.ts";
import { parseCurlDate } from "../http/date.ts";
import { contentLengthOf } from "../http/parser.ts";
import type { ResponseHead } from "../http/types.ts";
import { isFileUrl, type ParsedUrl } from "../http/url.ts";
import type { Connection, MptcpState } from "../net/types.ts";
import { checkFileName, FileSink, isFdAlias, partPath, partProblem, typeAt, type FileType } from "../sink/file.ts";
import { nodeFs } from "../node-fs.ts";
import { pathExists } from "../net/libc.ts";
import { JOURNAL_SUFFIX, JournalWriter, journalFits, journalPath, readJournal, removeJournal } from "../sink/journal.ts";
import { fdSink, streamSink } from "../sink/sequential.ts";
import { DownstreamClosed, type Sink } from "../sink/types.ts";
import { ChecksumMismatch } from "./checksum.ts";
import { reportOf, type HttpClient, type RequestHooks } from "./client.ts";
import type { Exchange, RequestSpec } from "./exchange.ts";
import { MAX_PER_HOST, releaseConnections, reserveConnections } from "./hostcap.ts";
import { FIRST_SAVE_BYTES, Job } from "./job.ts";
import { Monitor, TickSamples } from "./monitor.ts";
import { bindingFor, DEFAULT_PATH, endpointPaths, interfaceOf, namedPaths, type NetPath, type PathBinding } from "../net/paths.ts";
import { PathSet, type PathState } from "./paths.ts";
import { downloadSettings, type DownloadOptions, type DownloadSettings, type Output } from "./options.ts";
import type { ProgressSnapshot, ProgressSource } from "./progress.ts";
import { RangeSet } from "./ranges.ts";
import { requestFollowing, RequestPlan, statusError, type RequestSender } from "./request.ts";
import { abortableSleep, RETRYABLE_STATUS, RetryPolicy } from "./retry.ts";
import { Scheduler, type Segment } from "./scheduler.ts";
import { newStats, summariseMptcp, type ConnectionReport, type DownloadResult } from "./stats.ts";
import { FileChanged, judgeRange, learnedSize, rangeHeaders, RangesIgnored, validatorOf, type RangeAsked, type Validator } from "./validator.ts";
import { Worker } from "./worker.ts";

/** Failures of a TLS connection before its chain was checked (%{ssl_verify_result} 1, as curl's). */
const BEFORE_VERIFY: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["CA_FILE", "CLIENT_CERT", "CIPHER", "CRL_FILE", "TLS_HANDSHAKE"]);

/** The named phases of one download. */
export type Phase = "request" | "check-resume" | "transfer" | "verify" | "commit" | "done" | "failed";

/** What an earlier run left: the bytes of which version are already in NAME.part. */
interface ResumeState {
  path: string;
  validator: Validator;
  done: RangeSet;
  /** null: not known yet (the bytes came from a chunked answer); the first range answer's total sets it. */
  size: number | null;
}

/**
 * A file at NAME shorter than the server's, without NAME.part: a partial file curl, wget or aria2 left (they
 * append to the final name). Its last bytes are compared with the server's before it is resumed.
 */
interface TailCheck {
  tail: true;
  /** The file's size: where the server's bytes would go on. */
  size: number;
  /** Of the server's file, from its 206 to bytes=SIZE-. */
  validator: Validator;
}

const isTail = (r: Attempts["resume"]): r is TailCheck => r !== null && r !== "complete" && "tail" in r;

/** Bytes at the end of a file at NAME compared with the server's before its bytes are trusted (curl trusts them all). */
export const TAIL_CHECK_BYTES = 64 * 1024;

/** The state carried from one first request to the next within one download. */
interface Attempts {
  /** The output path when known before the request (resume and probing need it). */
  path: string | null;
  resume: ResumeState | "complete" | TailCheck | null;
  /** Restarts from zero so far (the file changed, ranges turned out unusable). */
  restarts: number;
  /** A restart came from a server that answered a Range with the whole file. */
  rangesIgnored?: boolean;
  /** If-Range is sent until a server shows it mishandles it. */
  useIfRange: boolean;
  /** Several connections start with a one-byte probe, unless the file turned out empty. */
  probe: boolean;
}

/** The first answer, with the range it was asked for (a resume) or whether it answers the probe. */
interface FirstAnswer {
  ex: Exchange;
  asked: RangeAsked | null;
  probing: boolean;
}

/** What a request without Range gets when answered 206: the file from byte 0, of any size. */
const WHOLE_FILE: RangeAsked = { start: 0, end: null, validator: { size: null, etag: null, lastModified: null }, ifRange: false };

/** Restarting from zero (file changed, ranges unusable) happens at most this often per URL. */
const MAX_RESTARTS = 2;
/** FETCHX_SYNC=file syncs every small file on its own even in the command (for comparison in bench/). */
const batchSyncWanted = process.env.FETCHX_SYNC !== "file";

/**
 * A decoded body asks for a garbage collection (Bun.gc(false), not blocking) after this many decoded
 * bytes: the receive path's hint counts bytes received, a few KB for a bomb. To a pipe whose reader is
 * slower than decoding (`| sha256sum`), waiting for room leaves small objects behind: 1 GiB of deflate
 * peaked at 51 MB without the hint, 43 MB every 32 MiB, 42 MB every 8 MiB (brotli 63 -> 54 MB); to
 * /dev/null it costs under 1 MB and no measurable time.
 */
const DECODED_GC_EVERY = 8 * 1024 * 1024;

const never = new AbortController().signal;

/** Whether `path` exists / what makes a NAME.part unusable / what is there, asked in the thread pool. */
// node:fs's callback forms: node:fs/promises (and node:events under it) cost 0.6 ms of CPU to load.
const exists = (path: string) => new Promise<boolean>((ok) => nodeFs().access(path, (err) => ok(!err)));
const partAt = (path: string) => new Promise<string | null>((ok) => nodeFs().lstat(path, (err, st) => ok(err ? null : partProblem(st))));
const statOf = (path: string) => new Promise<FileType | null>((ok) => nodeFs().stat(path, (err, st) => ok(err ? null : st)));

/** Downloads of this process under way (from run() to its end). */
let running = 0;

/**
 * Before a fresh download to `path`: whether NAME.fetchx (a journal) exists, whether NAME.part is a
 * symbolic link, and the stat of NAME. In the thread pool while other downloads run: their creates and
 * renames can hold the directory for the file system's commit (-Z, 400 files: 60 us a file on the event
 * loop). A lone download of a process that owns its event loop asks on the loop, through libc: three system
 * calls, where starting the pool and handing them over cost 0.7 ms of CPU before the first byte (one 32 KiB
 * file, CPU profile), and node:fs would cost its loading (src/node-fs.ts).
 */
function outputLookups(path: string, onLoop: boolean): Promise<Lookups> | Lookups {
  const device = devices.get(path);
  if (device) return [false, null, device];
  if (!onLoop) return Promise.all([exists(journalPath(path)), partAt(partPath(path)), statOf(path)]).then(remember(path));
  return remember(path)([pathExists(journalPath(path)), partProblem(typeAt(partPath(path), false)), typeAt(path) ?? null]);
}

/** Whether NAME.fetchx is there, what makes NAME.part unusable (null: nothing), and what NAME is. */
type Lookups = [journal: boolean, partProblem: string | null, target: FileType | null];

/**
 * Devices met as outputs in this process (`-o /dev/null` for each of many URLs), with their stat. A device
 * is written in place (FileSink.open): no NAME.part, no journal, nothing to resume (one planted beside it
 * is ignored); so after the first download to it the next skip the three lookups, which were four
 * thread-pool tasks a URL (an access(2) and three statx) on the way to its first byte. Should the name
 * become a file meanwhile, it is opened for writing and truncated, as curl -o would.
 */
const devices = new Map<string, FileType>();
const remember = (path: string) => (found: Lookups): Lookups => {
  const t = found[2];
  if (!t || (t.isFile() && !isFdAlias(path)) || t.isDirectory() || t.isFIFO() || t.isSocket() || t.isSymbolicLink()) return found;
  // Absolute names only: a relative one could name another file after a library caller's chdir().
  if (path.startsWith("/") && devices.size < 16) devices.set(path, t);
  return [false, null, t]; // a NAME.fetchx or NAME.part beside a device describes nothing it could resume
};

/** The lookups' answer when the caller saw nothing there (DownloadOptions.outputAbsent). */
const NOTHING_THERE: Lookups = [false, null, null];

/** Makes `report.interface` the interface holding `address`, looked up when first read (then kept). */
function lazyInterface(report: ConnectionReport, address: string): void {
  const settle = (value: string | null) => Object.defineProperty(report, "interface", { value, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(report, "interface", {
    enumerable: true,
    configurable: true,
    get: () => settle(interfaceOf(address) ?? null).interface,
    set: settle,
  });
}

/** Why an aborted download stopped: the caller's FetchxError, a timeout (AbortSignal.timeout), else INTERRUPTED. */
function abortError(reason: unknown): FetchxError {
  if (reason instanceof FetchxError) return reason;
  if (reason instanceof Error && reason.name === "TimeoutError") return new FetchxError("TIMEOUT", "download timed out (signal)", { cause: reason });
  return new FetchxError("INTERRUPTED", "download aborted", { cause: reason });
}

/** Ticks in --speed-time, at least one. */
const speedTicks = (s: DownloadSettings) => Math.max(1, Math.round(s.speedTimeMs / s.monitorIntervalMs));

/** Runs one download on `client`; resolves with its result, rejects with a FetchxError carrying `result`. */
export function runDownload(client: HttpClient, url: string, options: DownloadOptions): Promise<DownloadResult> {
  // file:// is read here, without a client: transfer/local-file.ts.
  if (isFileUrl(url)) return import("./local-file.ts").then((m) => m.localDownload(url, options));
  return new Download(client, url, options).run();
}

export class Download implements ProgressSource, RequestSender {
  readonly settings: DownloadSettings;
  readonly result: DownloadResult;
  readonly plan: RequestPlan;
  readonly retry: RetryPolicy;
  readonly signal: AbortSignal;
  phase: Phase = "request";
  private job?: Job;
  /** Whether loadResume saw a journal at this path (a fresh transfer removes it; none there, nothing to do). */
  private journalSeen: { path: string; exists: boolean } | null = null;
  /** The output path's stat, taken in the thread pool before the first request (null: nothing there). */
  private outputStat: { path: string; stat: FileType | null } | null = null;
  /** Set once the network part is over (onTransferred was called). */
  private transferred = false;
  /**
   * Connections this download used (made or reused), for its MPTCP state and connection report: the
   * interface of the local address, and the body bytes it carried (workers report them as they let a
   * connection go). The interface is read when it connected (a link gone down later hides it) where paths
   * or MPTCP may come and go; else (undefined here) only when the report's `interface` is first read:
   * os.networkInterfaces() is a netlink dump of every link and address, 0.3 ms of CPU per connection
   * that a plain download never shows.
   */
  private readonly conns = new Map<Connection, { interface?: string | null; bytes: number }>();
  /** Retry waits in progress (the snapshot says "retrying"). */
  private waiting = 0;
  private mptcp: { state: MptcpState; subflows: number } = { state: "off", subflows: 0 };
  private readonly hooks: RequestHooks;
  private patientHooks?: RequestHooks;
  /** The paths range connections are spread over, when there are several (paths.ts). */
  private paths: PathSet | null = null;
  /** The last response head received. */
  private lastHead?: ResponseHead;
  /** The last truncated body (a retry resumes after it). */
  private lastCut: FetchxError | null = null;
  /** The server's ranges proved unusable for segments (a bad probe answer): one connection. */
  private oneConnection = false;
  /** The transfer's workers while they run (a cut try stops them). */
  private workers: Worker[] | null = null;
  /**
   * tryTimeoutMs (curl's -m with --retry) and speedLimit: `ending` aborts the download once no retry is
   * left; `tryCtl` aborts the current try's requests (and dials); the timer cuts the try; `cuts` counts
   * the tries cut by it.
   */
  private ending?: AbortController;
  private tryCtl?: AbortController;
  private tryTimer?: ReturnType<typeof setTimeout>;
  private cuts = 0;
  /** speedLimit where the workers' monitor does not look (the first answer, a body streamed once): bytes at each tick. */
  private speedSamples?: TickSamples;
  private speedPhase: Phase | null = "request";

  constructor(
    private readonly client: HttpClient,
    url: string,
    options: DownloadOptions,
  ) {
    const s = (this.settings = downloadSettings(options));
    if (s.tryTimeoutMs > 0 || s.speedLimit > 0 || s.maxTimeMs > 0) this.ending = new AbortController();
    this.signal = this.ending ? (s.signal ? AbortSignal.any([s.signal, this.ending.signal]) : this.ending.signal) : (s.signal ?? never);
    this.result = newStats(url, s.method);
    if (s.speedLimit > 0) (this.speedSamples = new TickSamples(speedTicks(s))).push(0); // from the start: no byte yet
    this.plan = new RequestPlan({ ...s, userAgent: s.userAgent ?? client.settings.userAgent }, url);
    // The URL as parsed, before anything answers: a transfer that fails to connect shows it as curl does
    // ("example.com" is http://example.com/, its scheme http), not as it was typed.
    this.result.urlEffective = this.plan.url.href;
    this.result.scheme = this.plan.url.url.protocol.slice(0, -1);
    this.retry = new RetryPolicy({
      retries: s.retries,
      delayMs: s.retryDelayMs,
      maxTimeMs: s.retryMaxTimeMs,
      allErrors: s.retryAllErrors,
      connRefused: s.retryConnRefused,
      asked: s.retriesAsked,
      deadlineMs: s.maxTimeMs,
    });
    this.hooks = {
      onConnect: (conn, dialMs) => this.connected(conn, dialMs),
      onHeaderLine: s.onHeaderLine,
      onWire: s.onWire,
      trace: s.onTrace,
      onProxyAnswer: (head) => this.proxyAnswered(head),
      onCutHead: (heads) => this.cutInHead(heads),
      signal: this.ending ? this.signal : s.signal,
    };
  }

  /**
   * A new try (tryTimeoutMs): its deadline, and a signal for its requests when the last try's was used.
   * Called as the download starts and as each retry starts (after its wait).
   */
  private newTry(): void {
    if (!this.ending) return;
    clearTimeout(this.tryTimer);
    if (!this.tryCtl || this.tryCtl.signal.aborted) {
      this.tryCtl = new AbortController();
      const signal = AbortSignal.any([this.signal, this.tryCtl.signal]);
      this.hooks.signal = signal;
      if (this.patientHooks) this.patientHooks.signal = signal;
    }
    const ms = this.settings.tryTimeoutMs;
    if (ms > 0) this.tryTimer = setTimeout(() => this.cutTry(ms), timerMs(ms));
  }

  /**
   * curl's --speed-limit over --speed-time where the workers' monitor does not look: waiting for the
   * first answer (its head may take as long as the server likes, but not slower than the limit) and a
   * body streamed once (a POST's answer, a decoded body, an error page). The first answer's request is
   * cut and retried like any timeout; a body streamed once cannot be resumed, and ends the download.
   */
  private checkSpeed(): void {
    const s = this.settings;
    const n = speedTicks(s);
    const samples = this.speedSamples!;
    const bytes = this.result.sizeDownload;
    // Counted afresh from each phase (and from the end of a retry's wait).
    const watched = !this.workers && this.waiting === 0 && (this.phase === "request" || this.phase === "transfer");
    if (!watched || this.phase !== this.speedPhase) {
      this.speedPhase = watched ? this.phase : null;
      samples.clear();
      if (watched) samples.push(bytes);
      return;
    }
    samples.push(bytes);
    const moved = samples.moved(n);
    if (moved === null) return;
    const seconds = (n * s.monitorIntervalMs) / 1000;
    if (moved / seconds >= s.speedLimit) return;
    samples.clear();
    this.speedPhase = null;
    // In the request phase not a byte of this answer came: unasked retries leave a silent server alone.
    const err = new FetchxError("TIMEOUT", `transfer slower than ${s.speedLimit} bytes/s for ${Math.round(seconds)} s`, { unanswered: this.phase === "request" });
    if (this.phase === "request") this.tryCtl?.abort(err);
    else this.ending!.abort(err);
  }

  /**
   * The try ran out of time: retried while cuts are left (the retry policy agreeing: --retry-max-time),
   * else the download ends with the timeout. Waiting for the first answer, the request in flight is
   * aborted and retrying() waits and asks again. Transferring by ranges, the workers' connections close
   * and they carry on from their bytes at once: one retry for the download however many it had. Anything
   * else (a body that cannot be resumed, a commit) ends the download.
   */
  private cutTry(ms: number): void {
    const err = new FetchxError("TIMEOUT", `operation timed out after ${ms} ms`);
    const workers = this.phase === "transfer" ? this.workers : null;
    const again = (this.phase === "request" || !!workers) && this.cuts < this.settings.retries && this.replayable && this.retry.wouldRetry(err);
    if (!again) return this.ending!.abort(err);
    this.cuts++;
    const tried = this.tryCtl!;
    if (workers) {
      this.result.numRetries = ++this.retry.total;
      this.settings.onRetry?.({ error: err, delayMs: 0, attempt: this.retry.total, resumeAt: this.job?.done.size });
      for (const w of workers) if (w.conn || w.opening) w.stop(err, true);
      tried.abort(err);
      this.newTry();
    } else tried.abort(err); // retrying() starts the next try after its wait
  }

  trace(line: string): void {
    this.settings.onTrace?.(line);
  }

  private warn(message: string): void {
    this.settings.onWarning?.(message);
  }

  /** Whether this download may make its file calls on the event loop now (DownloadOptions.ownsEventLoop). */
  private alone(): boolean {
    return this.settings.ownsEventLoop && running <= 1;
  }

  /** The one transition function: every phase change is traced. */
  private go(next: Phase, why?: string): void {
    if (next === this.phase) return;
    this.trace(`[${this.phase} -> ${next}]${why ? ` ${why}` : ""}`);
    this.phase = next;
    if ((next === "verify" || next === "commit") && !this.transferred) {
      this.transferred = true;
      this.settings.onTransferred?.();
    }
  }

  async run(): Promise<DownloadResult> {
    const s = this.settings;
    const closeAll = () => {
      for (const c of this.conns.keys()) c.close();
    };
    this.signal.addEventListener("abort", closeAll, { once: true });
    running++;
    s.onStart?.(this);
    this.newTry();
    const deadline = s.maxTimeMs > 0 ? setTimeout(() => this.ending!.abort(new FetchxError("TIMEOUT", `operation timed out after ${s.maxTimeMs} ms`)), timerMs(s.maxTimeMs)) : undefined;
    const ticker = setInterval(() => this.tick(), s.monitorIntervalMs);
    let lastProgress = 0;
    const progress = s.onProgress
      ? setInterval(() => {
          lastProgress = performance.now();
          s.onProgress!(this.snapshot());
        }, s.progressIntervalMs)
      : undefined;
    try {
      await this.lifecycle();
      // --fail-with-body: the error page was written; the status still fails the download.
      if (s.failWithBody && this.lastHead && this.lastHead.status >= 400) throw statusError(this.lastHead);
      this.go("done");
      this.end();
      if (s.onProgress && performance.now() - lastProgress > 0) s.onProgress(this.snapshot());
      return this.result;
    } catch (thrown) {
      let err = thrown instanceof DownstreamClosed ? thrown : this.signal.aborted ? abortError(this.signal.reason) : asFetchxError(thrown);
      // -f judges a proxy's answer to CONNECT as an origin's: 400 and above is exit 22, as curl 7.88's
      // (its http_should_fail() sees the CONNECT response too); without -f it stays 56.
      if (s.failOnHttpError && err instanceof FetchxError && err.proxyStatus !== undefined && err.proxyStatus >= 400)
        err = new FetchxError("HTTP_ERROR", err.message, { cause: err, retryable: false, proxyStatus: err.proxyStatus });
      // Whether a later run (or resume: true) can go on from what this one wrote.
      this.result.partialKept = this.kept();
      this.go("failed", err.message);
      this.result.exitCode = err.exitCode;
      this.result.errorMessage = err.message;
      if (err instanceof FetchxError && err.verifyResult !== undefined) this.result.sslVerifyResult = err.verifyResult;
      // curl's OpenSSL backend holds 1 (!X509_V_OK) from the start of a TLS connection until it checked the
      // chain: a CA file, client certificate, cipher list or CRL it could not load, or a failed handshake, shows 1.
      else if (err instanceof FetchxError && BEFORE_VERIFY.has(err.code)) this.result.sslVerifyResult = 1;
      // Each of these failed a TLS connection whose TCP connection was made, or a proxy refused CONNECT on
      // one: curl counts it in %{num_connects}.
      if (err instanceof FetchxError && (BEFORE_VERIFY.has(err.code) || err.code === "CERT" || err.code === "PINNED_PUBKEY" || err.proxyStatus !== undefined)) this.result.numConnects++;
      if (err instanceof FetchxError && err.proxyStatus !== undefined) [this.result.httpConnect, this.result.proxyUsed] = [err.proxyStatus, true];
      this.end();
      err.result = this.result;
      throw err;
    } finally {
      running--;
      clearTimeout(this.tryTimer);
      clearTimeout(deadline);
      clearInterval(ticker);
      clearInterval(progress);
      this.signal.removeEventListener("abort", closeAll);
    }
  }

  /** Whether bytes of this download are on disk with a journal that lets -C - use them. */
  private kept(): boolean {
    const job = this.job;
    return !!job?.journalPath && job.done.size > 0 && !!typeAt(job.journalPath, false)?.isFile(); // a file: not a directory of that name
  }

  /** The result's closing figures: total time and each connection's MPTCP report, read once more. */
  private end(): void {
    const r = this.result;
    r.tTotal = performance.now() - r.startedAt;
    // A loop, not a spread and map: the array builtins run as JavaScript, here once per download.
    const reports: ConnectionReport[] = [];
    for (const [c, use] of this.conns) {
      const report: ConnectionReport = { ...reportOf(c, true), interface: use.interface ?? null, bytes: use.bytes };
      if (use.interface === undefined) lazyInterface(report, c.localAddress);
      reports.push(report);
    }
    r.connections = reports;
    summariseMptcp(r);
  }

  /** Once per monitor interval: the MPTCP state of this download's open connections, from the kernel. */
  private tick(): void {
    if (this.settings.speedLimit > 0) this.checkSpeed();
    for (const c of this.conns.keys()) if (c.open) c.refreshMptcp();
    this.readMptcp();
    this.paths?.sample(this.settings.monitorIntervalMs / 1000);
  }

  private readMptcp(): void {
    // A loop: spreading, map, filter and some are builtins compiled at first call (0.07 ms together).
    let active = false;
    let fallback = false;
    let subflows = Math.max(this.mptcp.subflows, 0);
    for (const c of this.conns.keys()) {
      const m = c.mptcp;
      if (m.state === "active") {
        active = true;
        subflows = Math.max(subflows, m.subflows);
      } else if (m.state === "fallback") fallback = true;
    }
    this.mptcp = { state: active ? "active" : fallback ? "fallback" : "off", subflows };
  }

  private connected(conn: Connection, dialMs: number): void {
    const r = this.result;
    const paths = this.client.settings.paths;
    if (paths === "endpoints" || paths.length > 0 || conn.mptcp.state !== "off") this.use(conn).interface = interfaceOf(conn.localAddress) ?? null;
    r.numConnects++;
    const now = performance.now() - r.startedAt;
    const t = conn.timings;
    const dialStart = now - dialMs;
    r.tNameLookup ||= t ? dialStart + t.resolvedMs : 0;
    r.tConnect ||= t ? dialStart + t.connectedMs : now;
    r.tAppConnect ||= conn.tls ? (t ? dialStart + t.handshakeMs : now) : 0;
    r.tPretransfer ||= now;
    this.trace(`connection made in ${dialMs.toFixed(1)} ms`);
    this.readMptcp();
    this.settings.onConnect?.(reportOf(conn), dialMs);
  }

  /** A tunnel's CONNECT answer: curl counts it in %{size_header} and shows it; a range connection's is not curl's. */
  private proxyAnswered(head: Uint8Array): void {
    if (this.phase !== "request") return;
    this.result.sizeHeader += head.byteLength;
    this.settings.onProxyAnswer?.(head);
  }

  /**
   * The first answer ended inside its head (-m, a close): curl has read the status and the complete lines
   * (%{http_code}, %header{}, %{size_header}) and shown them (-i, -D); a range connection's is not curl's.
   */
  private cutInHead(heads: ResponseHead[]): void {
    if (this.phase !== "request") return;
    for (const head of heads) this.settings.onAnswer?.(head, this.plan.url.url);
    this.took(heads.at(-1)!, heads.slice(0, -1));
  }

  /** The result's fields from an answer's head, and the 1xx heads that came before it. */
  private took(head: ResponseHead, informational: ResponseHead[] | undefined): void {
    const r = this.result;
    r.httpCode = head.status;
    r.httpVersion = head.version;
    // Each Content-Type line replaces the one before in curl (CURLINFO_CONTENT_TYPE): the last one counts.
    r.contentType = head.headers.getAll("content-type").at(-1);
    r.headers = head.headers;
    r.sizeHeader += head.headerBytes;
    if (informational) for (const early of informational) r.sizeHeader += early.headerBytes;
  }

  /** This download's record of `conn`, made on first use. */
  private use(conn: Connection): { interface?: string | null; bytes: number } {
    let use = this.conns.get(conn);
    if (!use) this.conns.set(conn, (use = { bytes: 0 }));
    return use;
  }

  carried(conn: Connection, bytes: number): void {
    this.use(conn).bytes += bytes;
  }

  // RequestSender: what requestFollowing needs.
  async send(spec: RequestSpec, url: ParsedUrl, path?: RequestHooks["path"]): Promise<Exchange> {
    // The first answer (and its redirects) may take the server as long as it likes, as curl waits; a
    // range request of the transfer keeps the idle limit (its connection is replaced when it stalls).
    const hooks = this.phase === "request" ? (this.patientHooks ??= { ...this.hooks, patientHead: true }) : this.hooks;
    const ex = await this.client.request(url, spec, path ? { ...hooks, path } : hooks);
    this.use(ex.conn);
    return ex;
  }

  proxyChallenged(head: ResponseHead, url: ParsedUrl): boolean {
    return this.client.proxyChallenged(head, url);
  }

  answered(ex: Exchange, url: ParsedUrl): void {
    const r = this.result;
    const head = ex.head;
    this.lastHead = head;
    r.tStartTransfer = performance.now() - r.startedAt;
    r.tPretransfer ||= r.tStartTransfer;
    // %{size_upload} is the last request's body, as curl's: a 302 that turned a POST into a GET leaves 0, a
    // 307 that sent the body again counts it once (it was the sum over the redirects).
    if (this.phase === "request") r.sizeUpload = ex.uploadBytes;
    else r.sizeUpload += ex.uploadBytes;
    if (ex.informational) for (const early of ex.informational) this.settings.onAnswer?.(early, url.url);
    const cookies = this.settings.cookies;
    if (cookies) for (const line of head.headers.getAll("set-cookie")) cookies.receive(line, url.url);
    // RFC 6797 8.1: only over https, and only the first Strict-Transport-Security header counts.
    const sts = url.secure && this.settings.hsts ? head.headers.getAll("strict-transport-security")[0] : undefined;
    if (sts !== undefined) this.settings.hsts!.receive(url.host, sts);
    this.settings.onAnswer?.(head, url.url);
    r.urlEffective = url.href;
    r.scheme = url.url.protocol.slice(0, -1); // "http:" (a URL's protocol ends with its colon)
    this.took(head, ex.informational);
    r.sizeRequest += ex.requestBytes;
    r.referer = this.plan.refererSent;
    r.connId = ex.conn.id;
    const info = ex.conn.dialInfo;
    if (info) [r.proxyUsed, r.httpConnect, r.sslVerifyResult] = [info.viaProxy, info.connectStatus, info.verifyResult];
    r.remoteIp = ex.conn.remoteAddress;
    r.remotePort = ex.conn.remotePort;
    r.localIp = ex.conn.localAddress;
    r.localPort = ex.conn.localPort;
  }

  redirected(next: string, followed: boolean): void {
    const r = this.result;
    // curl's %{redirect_url}: where the last answer pointed and was not followed (empty once followed).
    r.redirectUrl = followed ? undefined : next;
    if (!followed) return;
    // curl's %{method} is the last request's: the one this redirect turned into (303: GET).
    r.method = this.plan.method;
    // curl's %{url_effective} is the URL it follows to from here on, before it connects: a redirect whose
    // connection fails (a certificate refused, a port closed) shows where it went.
    r.urlEffective = this.plan.url.href;
    r.numRedirects++;
    r.tRedirect = performance.now() - r.startedAt;
  }

  get redirects(): number {
    return this.result.numRedirects;
  }

  /**
   * Whether the request may be sent again: its body can be (a file, not a pipe read once), and a request
   * with a body only when the retries were asked for (retriesAsked): a POST whose connection failed may
   * have been acted on, and curl never sends it twice without --retry.
   */
  private get replayable(): boolean {
    return this.plan.replayable && (this.plan.body === undefined || this.settings.retriesAsked);
  }

  /** The caller asked for a range itself (curl -r, -C OFFSET): its answer is the body, as is. */
  get callerRange(): boolean {
    if (this.settings.range !== undefined) return true;
    for (const [k, v] of this.settings.headers) if (k.toLowerCase() === "range" && v !== "") return true; // not some(): scheduler.ts
    return false;
  }

  /** A request for the effective URL (or `url`, a segment's redirect) with `extra` headers (segments), no redirects followed. */
  async request(extra: [string, string][], path?: RequestHooks["path"], url?: ParsedUrl): Promise<Exchange> {
    const ex = await this.send(url ? this.plan.specFor(url, extra) : this.plan.spec(extra), url ?? this.plan.url, path);
    this.result.sizeRequest += ex.requestBytes;
    return ex;
  }

  /**
   * The one retry loop: runs `attempt` until it succeeds, the policy gives up (the error is thrown), or
   * `signal` aborts. Every retry is announced (onRetry) with the byte it resumes at.
   */
  async retrying<T>(attempt: () => Promise<T>, where: { signal?: AbortSignal; resumeAt?: () => number | undefined } = {}): Promise<T> {
    const signal = where.signal ?? this.signal;
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        // What cut the transfer (a truncation, a reset, a stall): the failure to report if its resumes are refused.
        if (err instanceof FetchxError && this.phase === "transfer" && err.code !== "RANGE") this.lastCut = err;
        const delay = signal.aborted || this.signal.aborted || !this.replayable ? null : this.retry.delayFor(err);
        if (delay === null) throw err;
        this.result.numRetries = this.retry.total;
        this.settings.onRetry?.({ error: err as Error, delayMs: delay, attempt: this.retry.total, resumeAt: where.resumeAt?.() });
        clearTimeout(this.tryTimer); // the wait is no part of a try (tryTimeoutMs): the next starts after it
        this.waiting++;
        try {
          await abortableSleep(delay, signal);
        } finally {
          this.waiting--;
        }
        this.newTry();
      }
    }
  }

  /** The phases from the first request to the committed output. */
  private async lifecycle(): Promise<void> {
    const s = this.settings;
    if (this.signal.aborted) throw abortError(this.signal.reason);
    if (!s.decideOutput && s.output === undefined) throw new FetchxError("USAGE", "a download needs an output: a path, { fd }, a WritableStream, or decideOutput");
    // A path known before the request can be resumed and probed; one decided from the head cannot.
    const path = !s.decideOutput && typeof s.output === "string" ? s.output : null;
    if (s.resume && !path) throw new FetchxError("USAGE", "resuming (-C -) needs a file output: give -o FILE or -O");
    if (path) checkFileName(path);
    // Without -C -, only a .part with its journal is resumed: without a journal nothing more is looked up.
    // The lookups run in the thread pool when other downloads run (outputLookups).
    // A link or a directory at NAME.part is refused now, before a byte is fetched (a fresh file is created
    // only once its first 64 KiB are in, where it would be refused again).
    // The output's own stat goes along, for FileSink.open (a directory, a device, a FIFO).
    let mayResume = !!path && !this.callerRange && !!s.resume;
    if (path && !this.callerRange && !s.resume) {
      const [journal, problem, target] = s.outputAbsent ? NOTHING_THERE : await outputLookups(path, this.alone());
      if (problem) throw new FetchxError("WRITE", `cannot write ${partPath(path)}: ${problem}`, { retryable: false });
      mayResume = journal;
      this.outputStat = { path, stat: target };
    }
    if (path && !mayResume) this.journalSeen = { path, exists: false };
    const st: Attempts = { path, resume: mayResume ? this.loadResume(path!) : null, restarts: 0, useIfRange: true, probe: true };

    for (;;) {
      this.go("request");
      const first = await this.firstAnswer(st);
      if (isTail(st.resume)) {
        await this.checkTail(first, st, st.resume);
        continue;
      }
      const step = this.checkResume(first, st);
      if (step === "done") return;
      if (step === "again") continue;
      this.go("transfer");
      try {
        return await this.transfer(first.ex, step.resumed, st.useIfRange, first.probing);
      } catch (err) {
        if (!((err instanceof FileChanged || err instanceof RangesIgnored) && st.restarts < MAX_RESTARTS && path)) {
          // Cut on every try, and each resume answered with the whole file again: the failure is what cut
          // it (a truncation 18, a reset 56, a stall 28, as curl reports it), not a resume the caller
          // asked for (33).
          // After such a restart the retries may run out on the cut itself: the same story.
          const cutAfterIgnored = st.rangesIgnored && err === this.lastCut;
          if ((err instanceof RangesIgnored || cutAfterIgnored) && this.lastCut) {
            // The journal kept for a try at ranges has nothing to offer a rerun: the server refused them.
            if (this.job?.journalPath) removeJournal(this.job.journalPath);
            throw new FetchxError(this.lastCut.code, `${this.lastCut.message} on every try, and the server cannot resume (it ignores Range)`, { retryable: false, cause: err });
          }
          throw err;
        }
        st.restarts++;
        if (err instanceof RangesIgnored) st.rangesIgnored = true;
        st.resume = null;
        this.warn(`${err.message}: starting over`);
      }
    }
  }

  /**
   * request: the first answer, after redirects and retries. A resume asks for the first missing range; a
   * complete file asks past its end; several connections probe with one byte (size, validator, whether
   * ranges work) before splitting.
   */
  private async firstAnswer(st: Attempts): Promise<FirstAnswer> {
    const s = this.settings;
    const resume = st.resume;
    const probing = !resume && st.probe && s.connections > 1 && st.path !== null && this.plan.method === "GET" && !this.callerRange && !s.ignoreContentLength;
    let asked: RangeAsked | null = null;
    let extra: [string, string][] = [];
    if (resume === "complete") extra = [["Range", `bytes=${nodeFs().statSync(st.path!).size}-`]];
    else if (isTail(resume)) {
      const start = Math.max(0, resume.size - TAIL_CHECK_BYTES);
      asked = { start, end: resume.size, validator: resume.validator, ifRange: st.useIfRange, identity: s.compressed };
      extra = rangeHeaders(asked);
    } else if (resume) {
      // Size unknown (the bytes came chunked): from the first missing byte, open-ended unless a range follows.
      const size = resume.size ?? Number.MAX_SAFE_INTEGER;
      const [a, b] = resume.done.missing(size)[0] ?? [size, size];
      asked = { start: a, end: a < b && b < Number.MAX_SAFE_INTEGER ? b : null, validator: resume.validator, ifRange: st.useIfRange, identity: s.compressed };
      extra = rangeHeaders(asked);
    } else if (probing) extra = [["Range", "bytes=0-0"]];

    const ex = await this.retrying(async () => {
      const ex = await requestFollowing(this.plan, this, { follow: s.followRedirects, max: s.maxRedirects }, extra);
      const status = ex.head.status;
      const failing = RETRYABLE_STATUS(status) || (s.retryAllErrors && (s.failOnHttpError || s.failWithBody) && status >= 400);
      // Only when a retry will really follow: else the answer is the answer (a 503's body, exit 0 without -f).
      const retryable = failing && this.replayable && !this.signal.aborted && this.retry.wouldRetry(statusError(ex.head));
      // A 206 with a Content-Range that does not fit is a broken answer, retried like a broken connection.
      // A 206 to a request without Range must still be the file from byte 0 with its size (a range the
      // caller asked for itself, curl -r or -C OFFSET, is the caller's to judge).
      // A finished file's check (bytes=SIZE-) is judged by checkResume: a 206 there says the server's file is larger.
      const judged = asked ?? (probing || this.callerRange || resume === "complete" ? null : WHOLE_FILE);
      const weird = judged && status === 206 ? judgeRange(ex.head, judged, statusError) : null;
      if (retryable || weird?.kind === "error") {
        ex.close();
        throw weird?.kind === "error" ? weird.error : statusError(ex.head);
      }
      return ex;
    });
    if (s.failOnHttpError && ex.head.status >= 400 && !(ex.head.status === 416 && (resume || probing))) {
      ex.close();
      throw statusError(ex.head);
    }
    return { ex, asked, probing };
  }

  /**
   * check-resume: is the server's file the one whose bytes an earlier run left? Decides whether the answer
   * is transferred (with the resumed bytes, or as a fresh download), asked again, or already complete.
   */
  private checkResume({ ex, asked, probing }: FirstAnswer, st: Attempts): { resumed: ResumeState | null } | "again" | "done" {
    const head = ex.head;
    const resume = st.resume as Exclude<Attempts["resume"], TailCheck>; // a TailCheck went to checkTail
    if (probing && head.status === 416) {
      // Only an empty file has no byte 0: ask again plainly, so it is an ordinary 200.
      ex.close();
      st.probe = false;
      return "again";
    }
    if (probing && head.status === 206) {
      const unusable = this.unusableProbe(ex);
      if (unusable) {
        // Never write a 1-byte file from a probe: ask again plainly, one connection.
        ex.close();
        st.probe = false;
        this.oneConnection = true; // its ranges cannot be trusted for segments either
        this.warn(`${unusable}: using one connection`);
        return "again";
      }
    }
    if (!resume) return { resumed: null };
    this.go("check-resume");
    const status = head.status;
    if (this.settings.resume && status >= 300 && status !== 416) {
      // -C - answered with no bytes of the file (a 304, a redirect not followed, an error page): what is
      // there stays as it is, as curl leaves it. curl fails with 33 where such an answer has a body (it
      // cannot resume from it; 22 with --fail-with-body); an empty one changes nothing.
      ex.close();
      if (status !== 304 && contentLengthOf(head.headers) !== 0) {
        if (this.settings.failWithBody && status >= 400) throw statusError(head);
        throw new FetchxError("RANGE", `HTTP server doesn't seem to support byte ranges. Cannot resume. (it answered ${status})`, { retryable: false });
      }
      return "done";
    }
    if (resume === "complete") {
      ex.close();
      if (head.status === 416) {
        this.result.filenameEffective = st.path!;
        this.settings.onResume?.({ path: st.path!, kind: "complete", implicit: false, bytes: nodeFs().statSync(st.path!).size });
        return "done";
      }
      // The rest of a shorter file, as curl would append it: its last bytes are compared first (checkTail).
      // Only a regular file itself: a link would be renamed away from where it points.
      const found = nodeFs().lstatSync(st.path!);
      const size = found.size;
      const cr = head.status === 206 ? parseContentRange(head.headers.get("content-range")) : null;
      if (found.isFile() && size > 0 && cr && cr.start === size && cr.total !== null && cr.total > size && !head.headers.get("content-encoding")) {
        st.resume = { tail: true, size, validator: validatorOf(head) };
        return "again";
      }
      this.warn(`${st.path} exists but the server's file is larger or different: downloading it again`);
      st.resume = null;
      return "again";
    }
    const verdict = judgeRange(head, asked!, statusError);
    switch (verdict.kind) {
      case "partial":
      case "complete": {
        if (verdict.kind === "complete") ex.close(); // every byte is there: only verification and the rename are left
        const resumed = this.withSize(resume, head);
        if (resumed) return { resumed };
        // A total below the bytes held: the file on the server is another one.
        if (verdict.kind === "partial") ex.close();
        this.warn("the file changed on the server (it is shorter than the bytes already here): starting over");
        st.resume = null;
        return "again";
      }
      case "retry-without-if-range":
        ex.close();
        this.trace("server answered If-Range with 200 for an unchanged file: asking again without If-Range");
        st.useIfRange = false;
        return "again";
      default: {
        const why = verdict.kind === "ignored" ? "the server does not resume (answered 200)" : verdict.kind === "changed" && head.status === 206 ? verdict.error.message : "the file changed on the server";
        this.warn(`${why}: starting over`);
        st.resume = null;
        // A 200 is a fresh download: go on with it. Anything else is asked again without a range.
        if (head.status === 200) return { resumed: null };
        ex.close();
        return "again";
      }
    }
  }

  /**
   * check-resume of a file at NAME shorter than the server's (TailCheck): the server's bytes at its last
   * TAIL_CHECK_BYTES are read and compared with the file's. The same: the file becomes NAME.part with a
   * journal claiming its bytes (written and synced before the rename, so a crash in between leaves NAME
   * as it was, or a .part its journal vouches for), and the next request resumes it as any .part. Not the
   * same, or any other answer: it is downloaded again whole, and NAME is replaced only once that is done.
   */
  private async checkTail({ ex, asked }: FirstAnswer, st: Attempts, tail: TailCheck): Promise<void> {
    const path = st.path!;
    st.resume = null;
    const verdict = judgeRange(ex.head, asked!, statusError);
    let why = verdict.kind === "partial" ? "" : `the server answered ${ex.head.status} to a request for its bytes at the file's end`;
    if (verdict.kind === "partial") {
      const length = asked!.end! - asked!.start;
      const theirs = new Uint8Array(length);
      let got = 0;
      await ex.body((b) => {
        if (got + b.byteLength > length) throw new FetchxError("WEIRD_REPLY", `more than the ${length} bytes asked for`);
        theirs.set(b, got);
        got += b.byteLength;
      });
      ex.release();
      const ours = new Uint8Array(length);
      const fs = nodeFs();
      // Not followed if it became a link meanwhile, never blocking if it became a FIFO: it must still be the file.
      const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      try {
        const n = fs.fstatSync(fd).isFile() ? fs.readSync(fd, ours, 0, length, asked!.start) : -1;
        if (got !== length || n !== length || !Buffer.from(ours).equals(theirs)) why = `its last ${length} bytes differ from the server's`;
        else fs.fdatasyncSync(fd); // the journal below claims these bytes: they must be on disk
      } finally {
        fs.closeSync(fd);
      }
    } else ex.close();
    if (why) {
      this.warn(`${path} exists but ${why}: downloading it again`);
      return;
    }
    const v = tail.validator;
    const jpath = journalPath(path);
    try {
      const journal = new JournalWriter(jpath);
      journal.save({ url: this.plan.url.href, source: this.result.url, size: v.size, etag: v.etag, lastModified: v.lastModified, done: [[0, tail.size]] }, []);
      journal.close();
      nodeFs().renameSync(path, partPath(path));
    } catch (err) {
      removeJournal(jpath); // NAME stays as it was, with nothing beside it
      const code = (err as { code?: string }).code ?? String(err);
      throw new FetchxError("WRITE", `cannot go on from ${path}: ${code}`, { cause: err, retryable: false });
    }
    this.journalSeen = { path, exists: true };
    st.resume = { path, validator: v, done: new RangeSet([[0, tail.size]]), size: v.size };
    this.settings.onResume?.({ path, kind: "prefix", implicit: false, bytes: tail.size });
  }

  /**
   * A resume whose size was unknown (the bytes came chunked) learns it from the answer's total: the resume
   * with its size, or null when the bytes already held go past that total (another file).
   */
  private withSize(resume: ResumeState, head: ResponseHead): ResumeState | null {
    if (resume.size !== null) return resume;
    const size = learnedSize(head);
    if (size === null) return resume; // a 206 without a total was refused by judgeRange already
    const ranges = resume.done.ranges();
    if ((ranges[ranges.length - 1]?.[1] ?? 0) > size) return null;
    this.trace(`the size of the file is ${size} bytes (unknown when the earlier run was cut)`);
    return { ...resume, size, validator: { ...resume.validator, size } };
  }

  /** Why the 206 answering the one-byte probe cannot drive segments, or null when it can. */
  private unusableProbe(ex: Exchange): string | null {
    const verdict = judgeRange(ex.head, { ...WHOLE_FILE, end: 1 }, statusError);
    if (verdict.kind === "error" || verdict.kind === "changed") return `the server's answer to a range probe is unusable: ${verdict.error.message}`;
    // Ranges of a stored Content-Encoding address encoded bytes: a fragment cannot be decoded on its own.
    if (this.settings.compressed && ex.head.headers.get("content-encoding")) return "ranges of a compressed body cannot be decoded apart";
    return null;
  }

  /**
   * The journal and .part an earlier run left at `path`, when they can be trusted. With `resume` also a
   * finished file ("complete": only checked against the server). Without it, a .part with its journal
   * is still resumed rather than thrown away (as aria2 does with its control file): the validator check
   * makes that safe, and deleting NAME.part is how to start over.
   */
  private loadResume(path: string): ResumeState | "complete" | null {
    const asked = this.settings.resume;
    // Without NAME.part a journal has nothing to describe: only whether one is there (to remove it) matters.
    const jpath = journalPath(path);
    const part = nodeFs().existsSync(partPath(path));
    const j = part ? readJournal(jpath) : { data: null, why: "no .part" };
    this.journalSeen = { path, exists: part ? j.data !== null || j.why !== "no journal" : nodeFs().existsSync(jpath) };
    if (j.data && part) {
      const d = j.data;
      const doubt = this.doubtJournal(path, d.url, d.source, d.size, d.done, !!(d.etag || d.lastModified));
      if (!doubt) {
        const done = new RangeSet(d.done);
        this.settings.onResume?.({ path: partPath(path), kind: "journal", implicit: !asked, bytes: done.size });
        return { path, validator: { size: d.size, etag: d.etag, lastModified: d.lastModified }, done, size: d.size };
      }
      this.warn(`${partPath(path)} not resumed: ${doubt}; starting over`);
      return null;
    }
    if (part && !j.data && nodeFs().existsSync(jpath)) {
      this.warn(`${partPath(path)} not resumed: ${j.why}; starting over`);
      return null;
    }
    if (!asked) return null;
    if (part) this.warn(`${partPath(path)} has no usable journal (${j.data ? "no data" : j.why}): starting over`);
    else {
      // An empty NAME holds no bytes to go on from: a plain request, as curl -C - sends no Range for it.
      const st = nodeFs().statSync(path, { throwIfNoEntry: false });
      if (st?.isFile() && st.size > 0) return "complete";
    }
    return null;
  }

  /**
   * Why the .part beside a well-formed journal cannot be trusted, or null. Every claim is checked before a
   * byte is: the file holds every claimed byte and nothing past the size, and the journal is for this URL
   * (with -C -, another URL is a mirror only when a validator can prove it serves the same file).
   */
  private doubtJournal(path: string, url: string, source: string | undefined, size: number | null, done: [number, number][], validated: boolean): string | null {
    const st = nodeFs().lstatSync(partPath(path));
    if (!st.isFile()) return "it is not a regular file";
    const claimed = done.length > 0 ? done[done.length - 1]![1] : 0;
    if (st.size < claimed) return `it has ${st.size} bytes but its journal claims bytes up to ${claimed}`;
    if (size !== null && st.size > size) return `it has ${st.size} bytes but the file it belongs to has ${size}`;
    const given = this.result.url;
    if (url !== given && source !== given) {
      if (!this.settings.resume) return `its journal is for another URL (${url})`;
      if (!validated) return `its journal is for another URL (${url}) and has no ETag or Last-Modified to prove it is the same file`;
    }
    return null;
  }

  /**
   * Whether an answer meets -z's time condition by its Last-Modified (curl's Curl_meets_timecondition): no
   * condition or no Last-Modified meets it; one curl cannot read is its -1, before any date.
   */
  private meetsTimeCondition(head: ResponseHead): boolean {
    const cond = this.settings.timeCondition;
    const lm = head.headers.get("last-modified");
    if (!cond || lm === undefined) return true;
    const doc = parseCurlDate(lm) ?? -1000;
    return cond.unmodified ? doc < cond.time : doc > cond.time;
  }

  /** Where the body goes: a file (resumable), or a caller's fd or stream (in order). */
  private async openOutput(output: Output, resumed: boolean, exclusive: boolean, size: number | null): Promise<{ sink: Sink; file: FileSink | null }> {
    if (typeof output === "string") {
      // A fresh file's first FIRST_SAVE_BYTES stay in memory (no journal is due before them either): a body
      // that small is created, written, synced and closed in one thread-pool task at commit.
      const holdBytes = this.settings.preallocate ? 0 : Math.min(FIRST_SAVE_BYTES, size ?? FIRST_SAVE_BYTES);
      const known = this.outputStat?.path === output ? this.outputStat.stat : undefined;
      const file = await FileSink.open(output, { createDirs: this.settings.createDirs, resume: resumed, exclusive, signal: this.signal, holdBytes, stat: known, alone: () => this.alone(), batchSync: this.settings.ownsEventLoop && batchSyncWanted });
      return { sink: file, file };
    }
    if (output instanceof WritableStream) return { sink: streamSink(output), file: null };
    return { sink: fdSink(output.fd, this.signal), file: null };
  }

  /** Runs the transfer whose first answer is `ex`, to the committed output. */
  private async transfer(ex: Exchange, resumed: ResumeState | null, useIfRange: boolean, probed: boolean): Promise<void> {
    const s = this.settings;
    const head = ex.head;
    // The 206 answered fetchx's own one-byte probe: what the caller asked for, and gets, is the whole file.
    if (probed && head.status === 206) this.result.httpCode = 200;
    s.onHead?.(head, this.plan.url.url);
    const given = validatorOf(head); // what this answer says of its file (a resume keeps its journal's)
    if (s.ignoreContentLength && head.status === 200) given.size = null; // the body ends where the connection does
    // curl compares --max-filesize with the bytes this answer carries (its Content-Length), not the file's
    // total: -r 0-99 of a large file, or the rest of a resumed one, is within a limit the whole file is not.
    // The 206 to fetchx's own one-byte probe stands for the whole file: its total is what comes.
    const announced = head.status === 206 && !probed ? contentLengthOf(head.headers) : given.size;
    if (s.maxFileSize > 0 && announced !== null && announced > s.maxFileSize && head.status < 300) {
      ex.close();
      throw new FetchxError("FILESIZE", `Maximum file size exceeded (${announced} > ${s.maxFileSize} bytes)`, { retryable: false });
    }
    let output = s.output;
    let preamble: Uint8Array | undefined;
    let exclusive: boolean | undefined;
    if (s.decideOutput) ({ output, preamble, exclusive } = await s.decideOutput(head, this.plan.url.url));
    // curl's simulated 304: the server ignored the condition, its Last-Modified says the file is not newer
    // (-z DATE) or not older (-z -DATE) than asked. No body is written (-i's head is), %{http_code} is 304.
    const unmet = head.status !== 304 && !resumed && !this.callerRange && this.plan.method !== "HEAD" && !this.meetsTimeCondition(head);
    if (unmet) {
      this.result.httpCode = 304;
      if (!preamble) return void ex.close();
    }
    if (head.status === 304 && !preamble) {
      // Not Modified (a conditional request): what the caller has stays as it is; nothing is written.
      await ex.discard();
      ex.release();
      return;
    }
    const path = typeof output === "string" ? output : null;
    this.result.filenameEffective = path ?? undefined;
    const validator = resumed?.validator ?? given;
    const decoder = s.compressed && !resumed ? createDecoder(head.headers.get("content-encoding")) : null;
    // Ranges work when the server honoured one (206), or says so and was not already caught ignoring our
    // probe (a 200 to "Range: bytes=0-"). A resume has its journal and a server that honoured a range.
    const partial = head.status === 206;
    const advertised = head.status === 200 && !!head.headers.get("accept-ranges")?.includes("bytes") && !probed;
    const rangesOk = !!resumed || (validator.size !== null && this.plan.method === "GET" && !decoder && !preamble && !this.callerRange && (partial || advertised));
    // A 200 that did not say it takes ranges, or could not use them here (chunked: no size), may honour
    // them all the same: its bytes get a journal and a rerun asks for the rest with Range (a 200 to that
    // starts over). Not when the server said "Accept-Ranges: none" or ignored the probe's range; not for
    // decoded bodies (--compressed): their offsets are the decoded bytes', not the server's; and not
    // without a size or a validator (ETag, Last-Modified): then nothing could tell a changed file.
    const refused = (head.headers.get("accept-ranges") ?? "").trim().toLowerCase() === "none" || probed;
    const checkable = validator.size !== null || !!validator.etag || !!validator.lastModified;
    const mayRange = !rangesOk && !s.ignoreContentLength && head.status === 200 && this.plan.method === "GET" && this.plan.body === undefined && !decoder && !preamble && !this.callerRange && !refused && checkable;

    const { sink, file } = await this.openOutput(output!, !!resumed, !!exclusive, validator.size);
    // Without ranges a stall cannot be resumed: wait for the server as curl does (-m still ends it).
    if (!rangesOk) ex.bodyIdleTimeoutMs = 0;
    const regular = !!file && !file.special;
    const journaled = regular && (rangesOk || mayRange);
    const fits = !journaled || journalFits(path!);
    if (!fits && !(validator.size !== null && validator.size <= FIRST_SAVE_BYTES)) this.warn(`${path}: no journal (its name leaves no room for ${JOURNAL_SUFFIX}.tmp within 255 bytes): a cut transfer starts over`);
    const jpath = journaled && fits ? journalPath(path!) : null;
    this.result.rangesUnconfirmed = !!jpath && !rangesOk && !head.headers.get("accept-ranges")?.includes("bytes");
    const mayHaveJournal = this.journalSeen?.path !== path || this.journalSeen.exists;
    if (regular && !resumed && mayHaveJournal) removeJournal(journalPath(path!)); // an older journal would describe other bytes

    if (preamble) await sink.write(preamble);
    if ((s.headOnly && this.plan.method !== "HEAD") || unmet) {
      // The head was all that was wanted (curl -I -X GET, or -i and a simulated 304): the body is not read,
      // its connection not kept.
      ex.close();
      this.go("commit");
      await sink.commit();
      return;
    }
    if (!resumed && (this.plan.method === "HEAD" || decoder || preamble || head.status >= 300 || this.callerRange || this.plan.body !== undefined)) {
      // One plain stream: HEAD, decoded bodies, error pages (what a retry could not resume anyway).
      await this.streamOnce(ex, sink, decoder);
      ex.release();
      this.go("commit");
      await sink.commit();
      return;
    }

    // Without a known size the one stream decides where the body ends.
    const size = validator.size ?? Number.MAX_SAFE_INTEGER;
    if (s.preallocate && file && !resumed && validator.size !== null) file.preallocate(size);
    const done = resumed?.done ?? new RangeSet();
    const scheduler = new Scheduler(done.missing(size));
    const job = (this.job = new Job({
      download: this,
      sink,
      file,
      validator,
      scheduler,
      resumed: done,
      journalPath: jpath,
      checksum: s.checksum ?? null,
      rangesOk,
      useIfRange,
    }));
    const onAbort = () => job.fail(abortError(this.signal.reason));
    this.signal.addEventListener("abort", onAbort, { once: true });

    const host = this.plan.url.host.toLowerCase();
    const paths = (this.paths = regular && rangesOk && !this.oneConnection && this.plan.method === "GET" ? this.openPaths(ex) : null);
    // Over several paths, at least one connection each.
    const wanted = paths ? Math.max(s.connections, paths.size) : s.connections;
    const parallel = regular && rangesOk && !this.oneConnection ? reserveConnections(host, wanted) : reserveConnections(host, 1);
    if (parallel < wanted && regular && rangesOk) this.trace(`${parallel} connections to ${host} (at most ${MAX_PER_HOST} per host)`);
    // A loop: Array.from is compiled at its first call (0.2-0.3 ms of a one-file download).
    const workers: Worker[] = (this.workers = []);
    for (let i = 0; i < parallel; i++) workers.push(new Worker(i, job, paths, i));
    scheduler.workers = parallel;
    if (paths) {
      for (const w of workers) w.peers = workers;
      paths.host.back = (p) => {
        // Workers at home on a path that came back leave the path they borrowed (not a failure).
        for (const w of workers) if (w.home % paths.size === p.index && w.route !== p && w.conn) w.stop(new FetchxError("RECV", `moving back to path ${p.path.name}`), true);
      };
    }
    const monitor = new Monitor(job, workers);
    let reserved = parallel;
    const releaseHost = () => {
      releaseConnections(host, reserved);
      reserved = 0;
    };
    job.startJournal();
    try {
      // One connection carries on with the first answer. Several start from an even split, each with a
      // closed range: an open-ended answer cut short wastes what is in flight, and servers that pace per
      // request (nginx limit_rate) send a closed range faster than the same bytes of an open one.
      let first: { ex: Exchange; seg: Segment; route?: PathState } | undefined;
      // Only the paths asked for several connections: the first answer goes on and the others steal from it.
      const stealFromFirst = parallel > 1 && s.connections === 1 && !(resumed && done.size === size);
      if (stealFromFirst) first = { ex, seg: scheduler.checkout(0)!, route: paths?.paths[0] };
      else if (parallel > 1) {
        // The probe asked for one byte (size and validator are what it is for); its connection is reused.
        await ex.discard();
        ex.release();
        scheduler.split(parallel);
      } else if (!(resumed && done.size === size)) first = { ex, seg: scheduler.checkout(0)! };
      await Promise.all(workers.map((w, i) => w.run(i === 0 ? first : undefined)));
      monitor.stop();
      paths?.stop();
      releaseHost(); // verify and commit use no connection: the next transfer to this host may have them
      if (job.error) throw job.error;
      if (validator.size !== null && job.done.size !== size) throw new FetchxError("PARTIAL", `transfer ended with ${size - job.done.size} bytes missing`);
      if (s.checksum) {
        this.go("verify");
        const actual = await job.digest(job.done.size);
        if (actual !== s.checksum.hex) {
          await job.stopJournal();
          await job.saveJournal({ checksumFailed: `${s.checksum.algo}=${actual}` });
          throw new ChecksumMismatch(s.checksum, actual, file ? file.writingPath : "nothing (not a file)");
        }
      }
      this.go("commit");
      await job.stopJournal();
      await sink.commit();
      if (jpath && (resumed || job.journalWritten)) removeJournal(jpath);
    } catch (err) {
      monitor.stop();
      await job.stopJournal();
      if (!(err instanceof ChecksumMismatch)) await job.saveJournal(); // a mismatch saved its own, marked
      // A retry that starts over must find this journal to remove it: left beside the finished file it
      // would describe bytes of a transfer long done.
      if (jpath && job.journalWritten) this.journalSeen = { path: path!, exists: true };
      await sink.abort();
      throw err;
    } finally {
      this.workers = null;
      monitor.stop();
      paths?.stop();
      job.closeJournal();
      releaseHost();
      this.signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Streams one answer sequentially (optionally decoding) into the sink. No resume: nothing to resume
   * from. The decoder awaits each write of decoded bytes before it decodes more, and the body waits for
   * the decoder: memory stays bounded whatever the encoded body expands to.
   */
  private async streamOnce(ex: Exchange, sink: Sink, decoder: BodyDecoder | null): Promise<void> {
    const r = this.result;
    let sinceGc = 0;
    const emit = (out: Uint8Array) => {
      if ((sinceGc += out.byteLength) >= DECODED_GC_EVERY) {
        sinceGc = 0;
        Bun.gc(false);
      }
      return sink.write(out);
    };
    try {
      const max = this.settings.maxFileSize;
      await ex.body((bytes) => {
        r.sizeDownload += bytes.byteLength;
        if (max > 0 && r.sizeDownload > max) throw new FetchxError("FILESIZE", `Maximum file size exceeded (more than ${max} bytes)`, { retryable: false });
        return decoder ? decoder.write(bytes, emit) : sink.write(bytes);
      });
      if (decoder) await decoder.end(emit);
      if (ex.trailers) this.settings.onTrailers?.(ex.trailers);
      this.carried(ex.conn, r.sizeDownload);
    } catch (err) {
      decoder?.close();
      ex.close();
      await sink.abort();
      throw err;
    }
  }

  /**
   * The paths to spread range connections over (ClientOptions.paths), or null for one path. With MPTCP
   * active the kernel already spreads subflows: connections stay unbound. The first connection's path
   * (the kernel's own route) comes first, named after its interface; an endpoint on the same address is
   * that path.
   */
  private openPaths(ex: Exchange): PathSet | null {
    const c = this.client.settings;
    const spec = c.paths;
    if (spec !== "endpoints" && spec.length === 0) return null;
    if (c.interface || c.localAddress) {
      this.trace("--interface binds every connection: not spreading over paths");
      return null;
    }
    if (ex.conn.mptcp.state === "active") {
      this.trace("MPTCP active: the kernel spreads its subflows over the paths (range connections stay unbound)");
      return null;
    }
    let found: NetPath[];
    if (spec === "endpoints") {
      const r = endpointPaths();
      if (r.why) this.trace(`${r.why}: one path`);
      found = r.paths;
    } else {
      try {
        found = namedPaths(spec);
      } catch (err) {
        throw new FetchxError("USAGE", `--paths: ${(err as Error).message}`, { retryable: false });
      }
    }
    const family = ex.conn.family;
    const first = ex.conn.localAddress;
    const list: { path: NetPath; binding: PathBinding }[] = [];
    for (const path of found) {
      const binding = bindingFor(path, family);
      if (!binding) continue;
      if (path === DEFAULT_PATH) list.push({ path: { ...path, name: interfaceOf(first) ?? "default" }, binding });
      else if (!(spec === "endpoints" && binding.localAddress === first && !binding.interface)) list.push({ path, binding });
    }
    if (list.length < 2) {
      if (spec !== "endpoints" || found.length > 1) this.trace(`${list.length} usable path${list.length === 1 ? "" : "s"} for IPv${family}: not spreading`);
      return null;
    }
    const set = new PathSet(list, { trace: (l) => this.trace(l), probe: (p) => this.client.warm(this.plan.url, { ...this.hooks, path: p.hook }), back: () => {} }, this.settings.pathTimeoutMs);
    const names = set.paths.map((p) => set.label(p)).join(", ");
    const why = ex.conn.mptcp.state === "fallback" ? "the server answered without MPTCP (fallback): " : "";
    this.trace(`${why}spreading range connections over ${set.size} paths: ${names}`);
    return set;
  }

  /** The one progress source of this download, from the first request to the end. */
  snapshot(): ProgressSnapshot {
    const r = this.result;
    const job = this.job;
    let total: number | null;
    if (job) total = job.validator.size;
    else {
      // Content-Length counts the bytes on the wire, which is what sizeDownload counts (before decoding).
      total = this.plan.method !== "HEAD" && r.headers ? contentLengthOf(r.headers) : null;
    }
    return {
      url: this.plan.url.href,
      file: r.filenameEffective,
      total,
      done: job ? job.bytesDone : r.sizeDownload,
      resumed: job ? job.resumed.size : 0,
      segments: job ? job.segments() : [],
      connections: job ? job.activeConnections : 0,
      mptcp: this.mptcp.state,
      subflows: this.mptcp.subflows,
      ...(this.paths ? { paths: this.paths.views() } : {}),
      retries: this.retry.total,
      phase: this.displayPhase(),
    };
  }

  private displayPhase(): ProgressSnapshot["phase"] {
    switch (this.phase) {
      case "request":
      case "check-resume":
        return this.waiting > 0 ? "retrying" : "connecting";
      case "transfer":
        if (this.job && this.job.activeConnections === 0) return this.waiting > 0 ? "retrying" : "connecting";
        return "transferring";
      case "verify":
      case "commit":
        return "verifying";
      default:
        return this.phase;
    }
  }
}
