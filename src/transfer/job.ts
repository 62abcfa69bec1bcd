// The state of one URL's transfer that its connections share: where bytes go, which are done, the journal
// that makes them resumable, the checksum fed in order, and what the progress display reads.
import { FetchxError } from "../errors.ts";
import { JournalWriter } from "../sink/journal.ts";
import type { FileSink } from "../sink/file.ts";
import type { Sink } from "../sink/types.ts";
import type { ParsedUrl } from "../http/url.ts";
import type { Connection } from "../net/types.ts";
import type { ChecksumSpec } from "./checksum.ts";
import type { RequestHooks } from "./client.ts";
import type { Exchange } from "./exchange.ts";
import type { DownloadSettings } from "./options.ts";
import type { SegmentView } from "./progress.ts";
import { RangeSet } from "./ranges.ts";
import type { RequestPlan } from "./request.ts";
import type { RetryPolicy } from "./retry.ts";
import type { Scheduler } from "./scheduler.ts";
import type { DownloadResult } from "./stats.ts";
import type { Validator } from "./validator.ts";

/** What a job needs of the download it belongs to (download.ts implements it). */
export interface JobHost {
  readonly settings: DownloadSettings;
  readonly result: DownloadResult;
  readonly retry: RetryPolicy;
  readonly plan: RequestPlan;
  trace(line: string): void;
  /** A request for the effective URL (or `url`) with `extra` headers (no redirects), on `path` when given. */
  request(extra: [string, string][], path?: RequestHooks["path"], url?: ParsedUrl): Promise<Exchange>;
  /** A connection's body bytes, counted by the worker that used it (for its %{json} report). */
  carried?(conn: Connection, bytes: number): void;
  /** The download's one retry loop. */
  retrying<T>(attempt: () => Promise<T>, where?: { signal?: AbortSignal; resumeAt?: () => number | undefined }): Promise<T>;
}

export interface JobInit {
  /** The download this job belongs to (plan, retry policy, result, events). */
  download: JobHost;
  sink: Sink;
  /** The file sink when bytes go to a regular file (journal, checksum read-back). */
  file: FileSink | null;
  validator: Validator;
  scheduler: Scheduler;
  /** Bytes an earlier run left (empty for a fresh download). */
  resumed: RangeSet;
  journalPath: string | null;
  checksum: ChecksumSpec | null;
  /** Whether Range requests can be used (segments, resume after a failure). */
  rangesOk: boolean;
  /** Sends If-Range with ranges until a server shows it mishandles it. */
  useIfRange: boolean;
}

/**
 * A fresh transfer writes its first journal once this much of the body is in (or at the first interval):
 * a kill before then loses at most this much, which is fetched again. Below it, a journal would cost more
 * than the bytes it saves (400 files of 32 KiB over a network that splits each body into several reads).
 */
export const FIRST_SAVE_BYTES = 64 * 1024;

export class Job {
  done: RangeSet;
  error?: FetchxError;
  activeConnections = 0;
  /** Each worker's bytes/s over the last second (kept by the monitor; the scheduler's steal decisions read it). */
  readonly rates = new Map<number, number>();
  useIfRange: boolean;
  readonly download: JobHost;
  readonly sink: Sink;
  readonly file: FileSink | null;
  readonly validator: Validator;
  readonly scheduler: Scheduler;
  readonly resumed: RangeSet;
  readonly journalPath: string | null;
  readonly checksum: ChecksumSpec | null;
  readonly rangesOk: boolean;
  private hasher?: Bun.CryptoHasher;
  private hashPos = 0;
  private hashInOrder = true;
  private journalTimer?: ReturnType<typeof setInterval>;
  private saving?: Promise<void>;
  /** Whether a journal may be on disk for this job (one was resumed or a save began): commit removes it. */
  journalWritten: boolean;
  /** The journal, when this job keeps one (a regular file whose server honours or may honour ranges). */
  private readonly journal: JournalWriter | null;
  /** The first save was started (it opens the journal that progress lines are written into). */
  private journalStarted = false;
  private readonly failed = new AbortController();
  /** What the download had received before this job began (tries that started over count no more). */
  private readonly receivedBefore: number;

  constructor(init: JobInit) {
    this.download = init.download;
    this.receivedBefore = init.download.result.sizeDownload;
    this.sink = init.sink;
    this.file = init.file;
    this.validator = init.validator;
    this.scheduler = init.scheduler;
    this.resumed = init.resumed;
    this.journalPath = init.journalPath;
    this.checksum = init.checksum;
    this.rangesOk = init.rangesOk;
    this.useIfRange = init.useIfRange;
    this.done = new RangeSet(init.resumed.ranges());
    this.journalWritten = init.resumed.size > 0;
    this.journal = init.journalPath && init.file ? new JournalWriter(init.journalPath) : null;
    if (init.checksum && init.resumed.size === 0) this.hasher = new Bun.CryptoHasher(init.checksum.algo);
    else this.hashInOrder = false;
  }

  /** Aborted when a connection fails for good: the others stop too. */
  get signal(): AbortSignal {
    return this.failed.signal;
  }

  fail(err: FetchxError): void {
    if (this.error) return;
    this.error = err;
    this.failed.abort(err);
    this.notify();
  }

  /** Workers running now, not backing off (worker.ts: a refusal backs off only while others go on). */
  working = 0;

  private waiters: (() => void)[] = [];

  /**
   * Resolves at the next change a worker without work waits for: a segment handed back or finished, a
   * monitor tick (new rates may make a slow owner's chunk worth stealing), the job failing.
   */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  /**
   * Writes body bytes at `at` and records them as done. `last`: the answer carrying them has ended (with
   * an unknown size, the only sign that no journal is needed).
   */
  write(at: number, bytes: Uint8Array, last = false): void | Promise<void> {
    const pending = this.sink.writeAt(at, bytes);
    if (pending) return pending.then(() => this.written(at, bytes, last));
    this.written(at, bytes, last);
  }

  private written(at: number, bytes: Uint8Array, last: boolean): void {
    this.done.add(at, at + bytes.byteLength);
    this.download.result.sizeDownload += bytes.byteLength;
    this.download.retry.progressed(this.done.size);
    // The bytes are in the page cache now: claim them at once (no sync), so a crash of this process loses
    // nothing on the same boot. The synced record follows every journalIntervalMs. The first save (which
    // opens the journal the progress lines go to) is due at the first write that leaves the body
    // incomplete once FIRST_SAVE_BYTES are in, or at once for a resumed file: a small file never pays for
    // a journal (a sync, a create, a rename, an unlink) even when its body comes in several reads.
    // Without a known size (chunked), the answer's end tells whether the body is incomplete.
    const size = this.validator.size;
    const incomplete = size === null ? !last : this.done.size < size;
    if (this.journal && !this.journalStarted && incomplete && (this.resumed.size > 0 || this.done.size >= FIRST_SAVE_BYTES)) void this.saveJournal();
    // Before the first save there is no journal to write to: a small file's writes make no copy of the ranges.
    if (this.journal?.recording) this.journal.progress(this.done.ranges());
    if (this.hashInOrder) {
      if (at === this.hashPos) {
        this.hasher!.update(bytes);
        this.hashPos += bytes.byteLength;
      } else this.hashInOrder = false; // parallel or resumed: read the file back at the end
    }
  }

  /** The digest of the whole body: streamed when bytes came in order, else read back from the file. */
  async digest(size: number): Promise<string> {
    if (this.hashInOrder && this.hashPos === size) return this.hasher!.digest("hex");
    if (!this.file) throw new FetchxError("CHECKSUM", "cannot verify a checksum of data that was not kept in a file");
    const h = new Bun.CryptoHasher(this.checksum!.algo);
    await this.file.readRange(0, size, (b) => h.update(b));
    return h.digest("hex");
  }

  /**
   * Saves follow every interval; the first is made by the first write past FIRST_SAVE_BYTES that leaves
   * the body incomplete (written()), or by the first interval. A transfer done before either writes no
   * journal at all (it would be written, synced, renamed and deleted around a few reads); a failure that
   * the process survives saves one on the way out (download.ts).
   */
  startJournal(): void {
    if (!this.journalPath || !this.file) return;
    this.journalTimer = setInterval(() => void this.saveJournal(), this.download.settings.journalIntervalMs);
  }

  /** Syncs the data, then lets the journal claim what was done before the sync began. */
  saveJournal(extra: { checksumFailed?: string } = {}): Promise<void> {
    const journal = this.journal;
    const file = this.file;
    if (!journal || !file) return Promise.resolve();
    this.journalWritten = true;
    this.journalStarted = true;
    const run = async () => {
      const claim = this.done.ranges();
      try {
        await file.sync();
        journal.save({
          url: this.download.plan.url.href,
          source: this.download.result.url,
          size: this.validator.size,
          etag: this.validator.etag,
          lastModified: this.validator.lastModified,
          done: claim,
          ...extra,
        }, this.done.ranges());
      } catch (err) {
        // A full disk can refuse the journal too: the previous one stays valid (it claims less).
        this.download.trace(`journal not saved: ${(err as Error).message}`);
      }
    };
    this.saving = (this.saving ?? Promise.resolve()).then(run);
    return this.saving;
  }

  async stopJournal(): Promise<void> {
    clearInterval(this.journalTimer);
    await this.saving;
  }

  /** At the end of the transfer, whatever it was: the journal's file descriptor is closed. */
  closeJournal(): void {
    this.journal?.close();
  }

  /**
   * Bytes written so far, resumed ones included (a plain stream without ranges counts what arrived since
   * this job began: a try that started over from byte 0 does not add its lost bytes to the progress, nor
   * to where the failure line says the transfer stopped).
   */
  get bytesDone(): number {
    return this.rangesOk ? this.done.size : this.download.result.sizeDownload - this.receivedBefore;
  }

  segments(): SegmentView[] {
    return this.download.settings.connections > 1 ? this.scheduler.views() : [];
  }
}
