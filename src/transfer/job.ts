// The state of one URL's transfer that its connections share: where bytes go, which are done, the journal
// that makes them resumable, the checksum fed in order, and what the progress display reads.
import { FetchxError } from "../errors.ts";
import { writeJournal } from "../sink/journal.ts";
import type { FileSink } from "../sink/file.ts";
import type { Sink } from "../sink/types.ts";
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
  /** A request for the effective URL with `extra` headers (no redirects), on `path` when given. */
  request(extra: [string, string][], path?: RequestHooks["path"]): Promise<Exchange>;
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
  private readonly failed = new AbortController();

  constructor(init: JobInit) {
    this.download = init.download;
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
  }

  /** Writes body bytes at `at` and records them as done. */
  write(at: number, bytes: Uint8Array): void | Promise<void> {
    const pending = this.sink.writeAt(at, bytes);
    if (pending) return pending.then(() => this.written(at, bytes));
    this.written(at, bytes);
  }

  private written(at: number, bytes: Uint8Array): void {
    this.done.add(at, at + bytes.byteLength);
    this.download.result.sizeDownload += bytes.byteLength;
    this.download.retry.progressed();
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
   * The first save is one interval from now: a transfer done sooner writes no journal at all (it would be
   * written, synced, renamed and deleted around bytes that arrived in one read). If the process dies
   * before then, at most one interval of bytes is fetched again (the .part without a journal is not
   * trusted); a failure that the process survives saves one on the way out (download.ts).
   */
  startJournal(): void {
    if (!this.journalPath || !this.file) return;
    this.journalTimer = setInterval(() => void this.saveJournal(), this.download.settings.journalIntervalMs);
  }

  /** Syncs the data, then lets the journal claim what was done before the sync began. */
  saveJournal(extra: { checksumFailed?: string } = {}): Promise<void> {
    if (!this.journalPath || !this.file || this.validator.size === null) return Promise.resolve();
    const path = this.journalPath;
    const file = this.file;
    this.journalWritten = true;
    const run = async () => {
      const claim = this.done.ranges();
      try {
        await file.sync();
        writeJournal(path, {
          url: this.download.plan.url.url.href,
          size: this.validator.size!,
          etag: this.validator.etag,
          lastModified: this.validator.lastModified,
          done: claim,
          ...extra,
        });
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

  /** Bytes written so far, resumed ones included (a plain stream without ranges counts what arrived). */
  get bytesDone(): number {
    return this.rangesOk ? this.done.size : this.download.result.sizeDownload;
  }

  segments(): SegmentView[] {
    return this.download.settings.connections > 1 ? this.scheduler.views() : [];
  }
}
