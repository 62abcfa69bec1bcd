// The state of one URL's transfer that its connections share: where bytes go, which are done, the journal
// that makes them resumable, the checksum fed in order, and what the progress display reads.
import type { Options } from "../cli/options.ts";
import { FetchxError } from "../errors.ts";
import { writeJournal } from "../sink/journal.ts";
import type { FileSink } from "../sink/file.ts";
import type { Sink } from "../sink/types.ts";
import type { Logger } from "../ui/log.ts";
import type { ChecksumSpec } from "./checksum.ts";
import type { HttpClient } from "./client.ts";
import type { ProgressSnapshot, ProgressSource } from "./progress.ts";
import { RangeSet } from "./ranges.ts";
import type { RetryPolicy } from "./retry.ts";
import type { Scheduler } from "./scheduler.ts";
import type { TransferStats } from "./stats.ts";
import type { RequestPlan } from "./request.ts";
import type { Validator } from "./validator.ts";

/** Journal saves are this far apart at most while bytes arrive: a crash loses at most this much work. */
export const JOURNAL_INTERVAL_MS = 2000;

export class Job implements ProgressSource {
  done: RangeSet;
  error?: FetchxError;
  phase: ProgressSnapshot["phase"] = "connecting";
  activeConnections = 0;
  /** Each worker's bytes/s over the last second (kept by the monitor; the scheduler's steal decisions read it). */
  readonly rates = new Map<number, number>();
  /** Sends If-Range with resumed/parallel ranges until a server shows it mishandles it. */
  useIfRange = true;
  private hasher?: Bun.CryptoHasher;
  private hashPos = 0;
  private hashInOrder = true;
  private journalTimer?: ReturnType<typeof setInterval>;
  private saving?: Promise<void>;
  private readonly failed = new AbortController();

  constructor(
    readonly opts: Options,
    readonly log: Logger,
    readonly client: HttpClient,
    readonly stats: TransferStats,
    readonly retry: RetryPolicy,
    readonly plan: RequestPlan,
    readonly sink: Sink,
    /** The file sink when bytes go to a regular file (journal, checksum read-back). */
    readonly file: FileSink | null,
    readonly validator: Validator,
    readonly scheduler: Scheduler,
    readonly resumed: RangeSet,
    readonly journalPath: string | null,
    readonly checksum: ChecksumSpec | null,
    readonly rangesOk: boolean,
  ) {
    this.done = new RangeSet(resumed.ranges());
    if (checksum && resumed.size === 0) this.hasher = new Bun.CryptoHasher(checksum.algo);
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
    this.stats.sizeDownload += bytes.byteLength;
    this.retry.progressed();
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

  startJournal(): void {
    if (!this.journalPath || !this.file) return;
    this.saveJournal();
    this.journalTimer = setInterval(() => void this.saveJournal(), JOURNAL_INTERVAL_MS);
  }

  /** Syncs the data, then lets the journal claim what was done before the sync began. */
  saveJournal(extra: { checksumFailed?: string } = {}): Promise<void> {
    if (!this.journalPath || !this.file || this.validator.size === null) return Promise.resolve();
    const path = this.journalPath;
    const file = this.file;
    const run = async () => {
      const claim = this.done.ranges();
      try {
        await file.sync();
        writeJournal(path, {
          url: this.plan.url.url.href,
          size: this.validator.size!,
          etag: this.validator.etag,
          lastModified: this.validator.lastModified,
          done: claim,
          ...extra,
        });
      } catch (err) {
        // A full disk can refuse the journal too: the previous one stays valid (it claims less).
        this.log.trace(`journal not saved: ${(err as Error).message}`);
      }
    };
    this.saving = (this.saving ?? Promise.resolve()).then(run);
    return this.saving;
  }

  async stopJournal(): Promise<void> {
    clearInterval(this.journalTimer);
    await this.saving;
  }

  snapshot(): ProgressSnapshot {
    const segments = this.opts.connections > 1 ? this.scheduler.views() : [];
    return {
      url: this.plan.url.url.href,
      file: this.file?.path,
      total: this.validator.size,
      done: this.rangesOk ? this.done.size : this.stats.sizeDownload,
      resumed: this.resumed.size,
      segments,
      connections: this.activeConnections,
      mptcp: this.stats.mptcp,
      subflows: this.stats.mptcpSubflows,
      retries: this.retry.total,
      phase: this.phase,
    };
  }
}
