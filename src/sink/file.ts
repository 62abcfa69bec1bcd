// A regular output file, written under "<name>.part" and renamed to its final name only once every byte
// is there (and verified): a failed or interrupted transfer never leaves an incomplete file under the final
// name. Writes are positional, so parallel segments land at their offsets. Special files (/dev/null,
// FIFOs, terminals) are written directly and sequentially: renaming onto them makes no sense.
import { FetchxError } from "../errors.ts";
import { nodeFs, nodePath } from "../node-fs.ts";
import * as libc from "../net/libc.ts";
import { errnoMessage, errnoName, fallocate } from "../net/libc.ts";
import { WriteError as WriteErrorLike, writeAll, writeNonBlocking } from "./fdwrite.ts";
import * as syncBatch from "./sync-batch.ts";
import type { Sink } from "./types.ts";

export const PART_SUFFIX = ".part";
export const partPath = (path: string) => path + PART_SUFFIX;

// Off the event loop: while other files' data syncs commit the file system's journal, creating or renaming
// a file waits for that commit, and a synchronous call would stall every transfer in the process
// (400 files x 32 KiB, 8 at a time: openSync alone took a quarter of the run in a CPU profile).
// Made promises by hand: node:util's promisify would link node:util (0.7 ms of CPU) into every download.
const settle = <T>(ok: (v: T) => void, fail: (e: unknown) => void) => (err: unknown, v?: T) => (err ? fail(err) : ok(v as T));
const datasync = (fd: number) => new Promise<void>((ok, fail) => nodeFs().fdatasync(fd, settle(ok, fail)));
const openAsync = (path: string, flags: number, mode?: number) => new Promise<number>((ok, fail) => nodeFs().open(path, flags, mode, settle(ok, fail)));
const renameAsync = (from: string, to: string) => new Promise<void>((ok, fail) => nodeFs().rename(from, to, settle(ok, fail)));
const writeFileAsync = (path: string, bytes: Uint8Array, opts: { flag: string; mode: number; flush: boolean }) =>
  new Promise<void>((ok, fail) => nodeFs().writeFile(path, bytes, opts, settle(ok, fail)));
// node:os only for an error's number (its import costs CPU at every download).
const errnoOf = (code: string) => ((import.meta.require("node:os") as typeof import("node:os")).constants.errno as Record<string, number | undefined>)[code];

/** The type of what is at a path: what opening it as an output depends on. node:fs's Stats is one too. */
export interface FileType {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isSymbolicLink(): boolean;
}

/** The type of what is at `path` (of a link itself when not `follow`), through statx(2); undefined when
 *  nothing is there or it cannot be looked at. */
export function typeAt(path: string, follow = true): FileType | undefined {
  const st = libc.statPath(path, follow);
  if (typeof st === "number") return undefined;
  const is = (type: number) => () => st.mode === type;
  return { isFile: is(libc.S_IFREG), isDirectory: is(libc.S_IFDIR), isFIFO: is(libc.S_IFIFO), isSocket: is(libc.S_IFSOCK), isSymbolicLink: is(libc.S_IFLNK) };
}

const FD_ALIAS = /^\/(?:dev\/(?:stdout|stderr|stdin|fd\/\d+)|proc\/(?:self|thread-self|\d+)\/(?:task\/\d+\/)?fd\/\d+)$/;
const OWN_FD = /^\/(?:dev\/(?:(stdin)|(stdout)|(stderr)|fd\/(\d+))|proc\/(?:self|thread-self)\/fd\/(\d+))$/;

/**
 * /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: another name for a descriptor of this process,
 * written through as a device is, whatever the descriptor holds (a regular file too: `-o /dev/stdout >
 * log`). A NAME.part beside it and a rename over it would replace the system's link itself.
 */
export const isFdAlias = (path: string): boolean => fdAliasOf(path) !== null;

/** `path` made absolute when it is an fd alias, else null. */
function fdAliasOf(path: string): string | null {
  if (!/(?:std(?:out|err|in)|fd\/\d+)$/.test(path)) return null; // node:path only for such a name
  const abs = nodePath().resolve(path);
  return FD_ALIAS.test(abs) ? abs : null;
}

/** The descriptor of this process that an fd alias names (/dev/stdout: 1, /proc/self/fd/5: 5), else null. */
export function ownFdOf(path: string): number | null {
  const abs = fdAliasOf(path);
  const m = abs === null ? null : OWN_FD.exec(abs);
  if (!m) return null; // not an alias, or another process's descriptor: opened by its name
  return m[1] ? 0 : m[2] ? 1 : m[3] ? 2 : Number(m[4] ?? m[5]);
}

export function isSpecialFile(path: string): boolean {
  const st = typeAt(path);
  return (!!st && !st.isFile() && !st.isDirectory()) || isFdAlias(path);
}

/** What makes an existing NAME.part unusable (a planted link, a directory: somebody's), or null. */
export const partProblem = (t: FileType | null | undefined): string | null =>
  t?.isSymbolicLink() ? "it is a symbolic link (refusing to write through it)" : t?.isDirectory() ? "it is a directory (move it away or choose another output name)" : null;

/** A name C cannot pass (a NUL byte would cut it: another file) fails as a write error, before any call. */
export function checkFileName(path: string): void {
  if (path.includes("\0")) throw new FetchxError("WRITE", `cannot write ${JSON.stringify(path)}: a file name cannot contain a NUL byte`, { retryable: false });
}

/** What to do about it, where the errno's own text does not say. */
const HINTS: Record<string, string> = {
  ENOSPC: "disk full (No space left on device)",
  ENOENT: "no such directory (use --create-dirs)",
};

function writeFailure(path: string, err: unknown): FetchxError {
  const code = (err as { code?: string }).code;
  const errno = code === undefined ? undefined : errnoOf(code);
  const why = (code && HINTS[code]) ?? (errno !== undefined ? errnoMessage(errno) : (code ?? String(err)));
  return new FetchxError("WRITE", `cannot write ${path}: ${why}`, { cause: err });
}

export interface FileSinkOptions {
  createDirs: boolean;
  /** Keep the existing .part (resume) instead of starting it afresh. */
  resume?: boolean;
  /** Never replace a file at the final name: it is refused when opening, and the commit links instead of renaming. */
  exclusive?: boolean;
  /** Ends waits for a FIFO's reader (Ctrl-C, -m). */
  signal?: AbortSignal;
  /**
   * A fresh regular file keeps its first bytes in memory, up to this many written in order from byte 0,
   * and creates NAME.part only when more come, a sync is asked for (a journal save) or at commit. A body
   * that fits is then created, written, fsync'ed and closed by one thread-pool task and renamed by
   * another: no open, write or close on the event loop, and two pool tasks instead of three. 0 (the
   * default) opens at once.
   */
  holdBytes?: number;
  /** The path's stat when the caller already has it (null: nothing there); else it is taken here. */
  stat?: FileType | null;
  /**
   * Asked at commit: true when the caller may block the event loop (a lone download of a process that owns
   * its loop: DownloadOptions.ownsEventLoop), so a held body is created, written, fsync'ed and renamed by
   * plain libc calls there, not by thread-pool tasks (their start and hand-overs cost more than the calls).
   */
  alone?: () => boolean;
  /**
   * A held body that is not committed `alone` is written without a sync and renamed after one syncfs of
   * its file system shared with the files that finished beside it (sink/sync-batch.ts): the command's many
   * small files. Off, each file is synced on its own by a thread-pool task (an embedding program: a syncfs
   * also writes back its other data).
   */
  batchSync?: boolean;
}

/**
 * Creates `target` (never through a link), writes `bytes` and fsyncs them, all on the calling thread and
 * through libc: node:fs is not loaded for a small download (src/node-fs.ts). With `batch`, the file joins
 * a sync batch instead when it can (sink/sync-batch.ts): its file system is returned, and the caller
 * waits for that batch's syncfs. Failures are WriteErrors ({ code: "EEXIST" }), as node:fs's would be.
 */
function writeNewFileNow(target: string, bytes: Uint8Array, batch = false): string | undefined {
  const fd = libc.openPath(target, libc.O_WRONLY | libc.O_CREAT | libc.O_EXCL | libc.O_NOFOLLOW | libc.O_CLOEXEC, 0o644);
  if (fd < 0) throw new WriteErrorLike(errnoName(-fd));
  try {
    // Before the write: a batch's syncfs reports errors only from writes after its anchor was opened.
    const dev = batch ? syncBatch.prepare(fd, target) : undefined;
    writeAll(fd, bytes, 0);
    const r = dev === undefined ? libc.fsync(fd) : 0;
    if (r < 0) throw new WriteErrorLike(errnoName(-r));
    return dev;
  } finally {
    libc.close(fd);
  }
}

/** This process's umask, read when first needed: NAME.part is created 0644 less it. */
let createdMask: number | undefined;

/**
 * The NAME.part files this process's transfers created and have not yet renamed or removed: a second
 * transfer that meets one of them (EEXIST) must not remove it as a leftover.
 */
const writing = new Set<string>();

/** A rename refused because NAME is in use as a mount point. */
const busy = (err: unknown) => (err as { code?: string } | null)?.code === "EBUSY";

/** fdatasync of a closed file, by thread-pool tasks: a file whose batch sync failed gets its own answer. */
async function syncOnItsOwn(path: string): Promise<void> {
  const fd = await openAsync(path, nodeFs().constants.O_RDONLY | nodeFs().constants.O_NOFOLLOW);
  try {
    await datasync(fd);
  } finally {
    libc.close(fd);
  }
}

/**
 * Opens a FIFO for writing without blocking the event loop: a write-only open fails (ENXIO) while no
 * reader has it open (a reader waiting in its own open counts), so it is tried again every few
 * milliseconds, as curl's blocking open waits for a reader; the signal (Ctrl-C, -m) ends the wait. Written
 * only, the FIFO tells fetchx when its reader goes (EPIPE: exit 23), where a read-write open waited for
 * room forever.
 */
async function openFifo(path: string, waitReader: boolean, signal?: AbortSignal): Promise<number> {
  const { O_WRONLY, O_NONBLOCK } = nodeFs().constants;
  for (;;) {
    try {
      return nodeFs().openSync(path, O_WRONLY | O_NONBLOCK);
    } catch (err) {
      if ((err as { code?: string }).code !== "ENXIO" || !waitReader) throw err;
    }
    if (signal?.aborted) throw signal.reason;
    await Bun.sleep(FIFO_READER_POLL_MS);
  }
}

/** How often a FIFO without a reader is tried again. */
const FIFO_READER_POLL_MS = 20;

/** Opens a device (/dev/null, a terminal) for writing, as fopen's "w" would, through libc (src/node-fs.ts). */
function openSpecial(path: string): number {
  const fd = libc.openPath(path, libc.O_WRONLY | libc.O_CREAT | libc.O_TRUNC | libc.O_CLOEXEC, 0o666);
  if (fd < 0) throw new WriteErrorLike(errnoName(-fd));
  return fd;
}

/**
 * Opens NAME.part without following a link planted there: a resume opens the existing file (O_NOFOLLOW,
 * and it must be a regular file); a fresh start removes what is there and creates the file anew (O_EXCL),
 * so nothing written lands outside it.
 */
async function openPart(target: string, resume: boolean): Promise<number> {
  const { O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW } = nodeFs().constants;
  if (resume) {
    if (typeAt(target, false)?.isSymbolicLink()) throw new FetchxError("WRITE", `cannot write ${target}: it is a symbolic link (refusing to write through it)`);
    const fd = await openAsync(target, O_RDWR | O_NOFOLLOW);
    const st = nodeFs().fstatSync(fd);
    if (!st.isFile() || st.nlink > 1) {
      libc.close(fd);
      // A hard link planted at NAME.part would have the resume write into another file.
      throw new FetchxError("WRITE", `cannot write ${target}: ${st.isFile() ? "it has other hard links (refusing to write into another file)" : "not a regular file"}`);
    }
    return fd;
  }
  // Through the thread pool: an open waits for the file system's journal while another file syncs.
  return createExclusive(target, () => openAsync(target, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644));
}

/**
 * Runs `create` (an O_CREAT|O_EXCL open of `target`, which never follows a link) first, since there is
 * usually nothing there: only when something is (EEXIST) is it looked at, a link refused, anything else
 * removed and `create` run again. `target` is claimed for this transfer before the first create, not after
 * it: two transfers of one run naming one file (-Z -J) met it between the other's create and its claim,
 * took it for a leftover and removed it (its commit then failed, "no such directory", and a journal stayed).
 */
async function createExclusive<T>(target: string, create: () => Promise<T>): Promise<T> {
  // Another transfer of this process writes it: never taken from it.
  if (writing.has(target)) throw new FetchxError("WRITE", `refusing to overwrite ${target.slice(0, -PART_SUFFIX.length)}: another transfer of this run is writing it`, { retryable: false });
  writing.add(target);
  try {
    try {
      return await create();
    } catch (err) {
      if ((err as { code?: string }).code !== "EEXIST") throw err;
    }
    // A link is never written through, a directory never removed (Download refuses both before the request).
    const problem = partProblem(typeAt(target, false));
    if (problem) throw new FetchxError("WRITE", `cannot write ${target}: ${problem}`);
    // unlink, not rmSync: Bun's rmSync names an EPERM (an immutable file) EFAULT, "bad address".
    try {
      nodeFs().unlinkSync(target);
    } catch (err) {
      if ((err as { code?: string }).code !== "ENOENT") throw err;
    }
    return await create();
  } catch (err) {
    writing.delete(target);
    throw err;
  }
}

/**
 * Buffers for held bytes whose file was written, kept for the next file (-Z runs hold one per lane): a new
 * 32-64 KiB buffer per file was 50 us of allocation and page faults each in a CPU profile. At most 16.
 */
const spareHolds: Uint8Array[] = [];
function holdBuffer(size: number): Uint8Array {
  for (let i = spareHolds.length - 1; i >= 0; i--) if (spareHolds[i]!.byteLength >= size) return spareHolds.splice(i, 1)[0]!;
  return new Uint8Array(size);
}
function giveBack(buf: Uint8Array): void {
  if (spareHolds.length < 16) spareHolds.push(buf);
}

/**
 * Write-behind: every this many bytes written, the file's data so far is synced (fdatasync) on a thread of
 * its own while the download goes on, one such sync at a time. Left alone, Linux starts writing dirty pages
 * back only when a tenth of memory is dirty, so all of a 1 GiB file waited for the fdatasync before the
 * rename, after the last byte had arrived. 1 GiB to a file: 1.75-1.81 s -> 1.1-1.2 s; the step and why the
 * sync is not sync_file_range on the event loop are in bench/README.md ("Write-behind"). Where no thread can
 * be started, there is no write-behind: the final fdatasync syncs it all, as before.
 */
export const WRITE_BEHIND_BYTES = 32 << 20;

export class FileSink implements Sink {
  private offset = 0;
  private closed = false;
  /** The first bytes of a fresh file while NAME.part is not created yet (holdBytes), else null. */
  private held: Uint8Array | null = null;
  private heldLength = 0;
  /** How many bytes may be held (the buffer may be a larger one, reused). */
  private holdLimit = 0;
  /** A commit of held bytes failed before they were synced: they are not known to be on disk (sync()). */
  private lost = false;
  /** Creating NAME.part and writing the held bytes into it (once). */
  private opening: Promise<void> | null = null;
  /** This sink created NAME.part (it is in `writing` until the commit or the abort). */
  private owns = false;
  /** The permission bits and owner of the file at NAME before: the new file takes them (set by open()). */
  private keep: { perm: number; uid: number; gid: number } | null = null;
  /** Bytes written since the last write-behind began (WRITE_BEHIND_BYTES). */
  private unsent = 0;
  /** The thread of the write-behind's fdatasync while it runs. */
  private flushing: bigint | null = null;
  /** A write-behind fdatasync failed: its error is reported once per file description, so the final
   *  fdatasync may say nothing; the bytes are not known to be on disk (sync() refuses). */
  private flushFailed = false;
  /** sync() calls under way: no write-behind starts meanwhile. Two fdatasyncs of one file at once would
   *  let the write-behind's take a write-back error that the sync a journal waits for should have seen. */
  private syncing = 0;

  private constructor(
    readonly path: string,
    readonly special: boolean,
    /** -1 while the bytes are held (NAME.part not created yet). */
    private fd: number,
    /** A FIFO or socket: written non-blocking, waiting on the event loop. */
    private readonly pipe: boolean,
    private readonly signal?: AbortSignal,
    private readonly exclusive = false,
    private readonly alone?: () => boolean,
    private readonly batchSync = false,
  ) {}

  static async open(path: string, opts: FileSinkOptions): Promise<FileSink> {
    checkFileName(path);
    const st = opts.stat !== undefined ? (opts.stat ?? undefined) : typeAt(path);
    if (st?.isDirectory()) throw new FetchxError("WRITE", `cannot write ${path}: is a directory`);
    if (opts.exclusive && typeAt(path, false)) throw new FetchxError("WRITE", `refusing to overwrite ${path}: file exists`);
    const alias = isFdAlias(path);
    const special = (!!st && !st.isFile()) || alias;
    const fifo = !!st && (st.isFIFO() || st.isSocket());
    // A named FIFO may get its reader later; a pipe or socket named through /proc never will.
    const waitReader = !!st && st.isFIFO() && !alias;
    const target = special ? path : partPath(path);
    // A file already at NAME (not a link: that is replaced): one this process may not write is refused,
    // as curl's open fails; else the new file takes its permissions and owner (curl writes into it).
    const before = !special && st?.isFile() ? libc.statPath(path, false) : null;
    const keep = before && typeof before !== "number" && before.mode === libc.S_IFREG ? { perm: before.perm, uid: before.uid, gid: before.gid } : null;
    if (keep) {
      const w = libc.writable(path);
      if (w < 0) throw writeFailure(path, { code: errnoName(-w) });
    }
    try {
      if (opts.createDirs) nodeFs().mkdirSync(nodePath().dirname(path), { recursive: true });
      if (!special && !opts.resume && !opts.exclusive && (opts.holdBytes ?? 0) > 0) {
        const sink = new FileSink(path, false, -1, false, opts.signal, false, opts.alone, !!opts.batchSync);
        sink.held = holdBuffer(opts.holdBytes!);
        sink.holdLimit = opts.holdBytes!;
        sink.keep = keep;
        return sink;
      }
      const fd = fifo ? await openFifo(path, waitReader, opts.signal) : special ? openSpecial(target) : await openPart(target, !!opts.resume);
      const sink = new FileSink(path, special, fd, fifo, opts.signal, opts.exclusive);
      sink.keep = keep;
      sink.owns = !special && !opts.resume;
      return sink;
    } catch (err) {
      if (err instanceof FetchxError) throw err;
      throw writeFailure(target, err);
    }
  }

  /** Creates NAME.part (when the bytes were held) and writes the held bytes into it. */
  private created(): Promise<void> {
    if (this.fd >= 0) return Promise.resolve();
    this.opening ??= (async () => {
      const target = partPath(this.path);
      try {
        const fd = await openPart(target, false);
        this.owns = true;
        if (this.closed) {
          libc.close(fd); // aborted meanwhile
          return;
        }
        const buf = this.held!;
        this.held = null;
        this.fd = fd;
        if (this.heldLength > 0) writeAll(fd, buf.subarray(0, this.heldLength), 0);
        giveBack(buf);
      } catch (err) {
        if (err instanceof FetchxError) throw err;
        throw writeFailure(target, err);
      }
    })();
    return this.opening;
  }

  /** Where the bytes go before the final rename. */
  get writingPath(): string {
    return this.special ? this.path : partPath(this.path);
  }

  /** Reserve `size` bytes on disk now, so a full disk shows before the transfer rather than in it. */
  preallocate(size: number): void {
    if (this.special || size <= 0) return;
    const r = fallocate(this.fd, size);
    if (r.ret < 0) {
      const name = errnoName(r.errno);
      // EOPNOTSUPP on file systems without fallocate: writing will still work. Anything else (ENOSPC,
      // EFBIG for a size the file system cannot hold) would fail the transfer later: say so now.
      if (name === "ENOSPC") throw writeFailure(this.writingPath, { code: "ENOSPC" });
      if (name !== "EOPNOTSUPP" && name !== "ENOSYS")
        throw new FetchxError("WRITE", `cannot preallocate ${size} bytes for ${this.writingPath}: ${errnoMessage(r.errno)}`);
    }
  }

  write(chunk: Uint8Array): void | Promise<void> {
    const at = this.offset;
    this.offset += chunk.byteLength;
    return this.writeAt(at, chunk);
  }

  writeAt(position: number, chunk: Uint8Array): void | Promise<void> {
    if (this.fd < 0) {
      const held = this.held;
      if (held && !this.opening && position === this.heldLength && position + chunk.byteLength <= this.holdLimit) {
        held.set(chunk, position); // a copy: the chunk may be a view of a reused receive buffer
        this.heldLength += chunk.byteLength;
        return;
      }
      return this.created().then(() => this.writeAt(position, chunk));
    }
    try {
      if (!this.pipe) {
        writeAll(this.fd, chunk, this.special ? null : position);
        if (!this.special && (this.unsent += chunk.byteLength) >= WRITE_BEHIND_BYTES && this.syncing === 0 && this.flushed()) this.writeBehind();
        return;
      }
      return writeNonBlocking(this.fd, chunk, this.signal)?.catch((err) => {
        throw err instanceof WriteErrorLike ? writeFailure(this.writingPath, err) : err;
      });
    } catch (err) {
      throw writeFailure(this.writingPath, err);
    }
  }

  /** Starts syncing what was written so far on a thread of its own (WRITE_BEHIND_BYTES). */
  private writeBehind(): void {
    this.unsent = 0;
    const thread = libc.startDatasync(this.fd);
    if (typeof thread === "bigint") this.flushing = thread;
  }

  /** Whether no write-behind sync runs (the one that ran is joined, and a failure kept). */
  private flushed(): boolean {
    if (this.flushing === null) return true;
    const r = libc.syncDone(this.flushing);
    if (r === undefined) return false;
    this.flushing = null;
    if (r !== 0) this.flushFailed = true;
    return true;
  }

  /** Waits for a running write-behind sync: before the file's own sync, and before its fd is closed. */
  private async flushEnded(): Promise<void> {
    while (!this.flushed()) await Bun.sleep(1);
  }

  /** Writes completed so far are on stable storage once this resolves (before a journal may claim them). */
  async sync(): Promise<void> {
    // The held bytes left memory for a commit that failed before they were synced: NAME.part may hold
    // none, some or unsynced ones of them, so no journal may claim them (a rerun starts the file over).
    if (this.lost) throw new FetchxError("WRITE", `${partPath(this.path)} has no synced copy of its bytes (their commit failed)`);
    if (this.special || this.closed) return;
    await this.created();
    this.syncing++;
    try {
      await this.flushEnded();
      if (this.flushFailed) throw new WriteErrorLike("EIO");
      await datasync(this.fd);
    } finally {
      this.syncing--;
    }
  }

  /** Reads back [start, end) of what was written (for checksums of resumed or segmented files). */
  async readRange(start: number, end: number, each: (bytes: Uint8Array) => void): Promise<void> {
    if (this.fd < 0 && this.held) {
      if (end > this.heldLength) throw new FetchxError("WRITE", `${this.writingPath} is shorter than expected`);
      return each(this.held.subarray(start, end));
    }
    await this.created();
    const buf = new Uint8Array(1 << 20);
    for (let pos = start; pos < end; ) {
      const n = nodeFs().readSync(this.fd, buf, 0, Math.min(buf.byteLength, end - pos), pos);
      if (n <= 0) throw new FetchxError("WRITE", `${this.writingPath} is shorter than expected`);
      each(buf.subarray(0, n));
      pos += n;
    }
  }

  /**
   * The bytes are on stable storage (fdatasync) before the final name appears (rename): a crash leaves
   * NAME.part or a whole NAME, never a NAME with holes (batchSync: a syncfs that began after the write
   * returned). A failed sync fails the commit and keeps NAME.part.
   * The rename itself becomes durable with the directory's next sync (as for curl, wget and aria2).
   */
  async commit(): Promise<void> {
    try {
      await this.commitOnce();
    } finally {
      if (this.owns) writing.delete(partPath(this.path));
    }
  }

  /** commit() without its bookkeeping of the NAME.part files this run writes. */
  private async commitOnce(): Promise<void> {
    if (this.closed) return;
    if (this.fd < 0 && !this.opening) {
      // Every byte was held: create, write, fsync and close NAME.part in one thread-pool task (or at once,
      // when this is the process's only download); with batchSync, write it unsynced and let one syncfs
      // of the file system cover it and the files that finished beside it (sink/sync-batch.ts).
      const target = partPath(this.path);
      const buf = this.held!;
      const bytes = buf.subarray(0, this.heldLength);
      const now = this.alone?.() === true;
      const batch = !now && this.batchSync;
      let dev: string | undefined;
      this.closed = true;
      this.held = null;
      try {
        // In a batch, on the loop too: the command owns it, and three plain calls cost it less than a
        // thread-pool task's hand-overs (400 x 32 KiB, -Z: 173 -> 146 ms).
        if (now || batch) dev = await createExclusive(target, async () => writeNewFileNow(target, bytes, batch));
        else await createExclusive(target, () => writeFileAsync(target, bytes, { flag: "wx", mode: 0o644, flush: true }));
        this.owns = true;
      } catch (err) {
        this.losing(err instanceof FetchxError ? err : writeFailure(target, err));
      } finally {
        giveBack(buf); // the write is over, failed or not
      }
      this.keepMetadata();
      if (dev !== undefined) {
        const outcome = await syncBatch.commit(target, this.path, dev).catch((err) => (busy(err) ? this.replaceInPlace() : this.losing(writeFailure(this.path, err))));
        if (outcome === "renamed") return;
        await syncOnItsOwn(target).catch((err) => this.losing(writeFailure(target, err)));
      }
      return this.rename(now);
    }
    try {
      await this.sync();
    } catch (err) {
      if (err instanceof FetchxError) throw err;
      throw writeFailure(this.writingPath, err);
    }
    this.close();
    this.keepMetadata();
    return this.rename();
  }

  /**
   * NAME.part takes the owner and permission bits of the file it replaces, as the file curl writes into
   * keeps them (a 0600 file stays unreadable to others). An owner this process cannot give is left; the
   * rename still replaces the file (whose hard links keep the old bytes: curl's would change).
   */
  private keepMetadata(): void {
    const keep = this.keep;
    if (!keep) return;
    const part = partPath(this.path);
    try {
      if (keep.uid !== process.getuid?.() || keep.gid !== process.getgid?.()) nodeFs().chownSync(part, keep.uid, keep.gid);
    } catch {
      // not ours to give (not root): the new file is ours
    }
    try {
      // After chown, which clears set-id bits; not when NAME.part has them already (node:fs stays unloaded).
      if (keep.perm !== (0o644 & ~(createdMask ??= process.umask()))) nodeFs().chmodSync(part, keep.perm);
    } catch {
      // left as created (0644 less the umask)
    }
  }

  /** Fails the commit of held bytes that are not known to be on disk: from now on sync() refuses (`lost`). */
  private losing(err: unknown): never {
    this.lost = true;
    throw err;
  }

  /**
   * NAME is a mount point (a file bind-mounted into a container, `-v ./app.conf:/etc/app.conf`): a rename
   * over it fails (EBUSY), so NAME.part's bytes, synced and complete, are copied into it as curl writes it,
   * and synced; NAME.part goes only then (a crash meanwhile leaves it whole for a rerun).
   */
  private replaceInPlace(): "renamed" {
    const part = partPath(this.path);
    try {
      nodeFs().copyFileSync(part, this.path);
      const fd = nodeFs().openSync(this.path, "r+");
      try {
        nodeFs().fsyncSync(fd);
      } finally {
        nodeFs().closeSync(fd);
      }
      nodeFs().unlinkSync(part);
    } catch (err) {
      throw writeFailure(this.path, err);
    }
    return "renamed";
  }

  /** NAME.part becomes NAME (closed, its data synced). */
  private async rename(now = false): Promise<void> {
    if (!this.special) {
      try {
        if (!this.exclusive) {
          if (now) {
            const r = libc.renamePath(partPath(this.path), this.path);
            if (r < 0) throw new WriteErrorLike(errnoName(-r));
          }
          else await renameAsync(partPath(this.path), this.path);
        } else {
          // link() fails with EEXIST where rename() would replace: a file that appeared meanwhile stays.
          nodeFs().linkSync(partPath(this.path), this.path);
          nodeFs().unlinkSync(partPath(this.path));
        }
      } catch (err) {
        if ((err as { code?: string }).code === "EEXIST") throw new FetchxError("WRITE", `refusing to overwrite ${this.path}: file exists`);
        if (busy(err) && !this.exclusive) return void this.replaceInPlace();
        throw writeFailure(this.path, err);
      }
    }
  }

  async abort(): Promise<void> {
    this.close();
    if (this.owns) writing.delete(partPath(this.path)); // kept for a resume, by no transfer of this run
  }


  private close() {
    if (this.closed) return;
    this.closed = true;
    this.held = null;
    // A write-behind thread still syncing this fd: closed after it (an abort, rare), never under it.
    while (!this.flushed()) Bun.sleepSync(1);
    if (this.fd >= 0) libc.close(this.fd);
  }
}
