// The journal beside a partial download ("NAME.fetchx"): what the .part file holds and for which version
// of the remote file. Format (versioned, documented in docs/JOURNAL.md) is JSON on two lines:
//
// 1. the synced record: written to a temp file (created O_EXCL|O_NOFOLLOW: a planted link is refused),
//    fsync'ed and renamed, after the data was fdatasync'ed; it survives a power loss and claims only
//    bytes that were on stable storage;
// 2. a progress line, rewritten in place after every write without any sync (one pwrite, ~5 us here,
//    against ~290 us for a temp file and a rename): it claims every byte whose write completed. Those
//    bytes are in the page cache, so after a process crash (kill -9) they are there on the same boot;
//    after a power loss they may not be. The line carries the kernel's boot id and a hash of itself: it
//    is trusted only on the boot that wrote it, and never when torn.
import { nodeFs } from "../node-fs.ts";
/** A byte range [start, end). */
type Range = [number, number];

export const JOURNAL_SUFFIX = ".fetchx";
export const JOURNAL_FORMAT = "fetchx-journal";
/**
 * 3: `size` may be null (a chunked answer: the total is not known until its end); 2: the progress line
 * and `source`. Versions 1 and 2 are still read.
 */
export const JOURNAL_VERSION = 3;

export interface JournalData {
  format: typeof JOURNAL_FORMAT;
  version: number;
  /** The effective URL (after redirects) the bytes came from. */
  url: string;
  /** The URL as given, before redirects (absent in version 1). */
  source?: string;
  /** Size of the whole remote file; null while unknown (a chunked answer, version 3). */
  size: number | null;
  etag: string | null;
  lastModified: string | null;
  /** Byte ranges [start, end) present in the .part file (synced, plus the progress line on the same boot). */
  done: Range[];
  /** "algo=hex" when the bytes are all there but --checksum did not match. */
  checksumFailed?: string;
  updated: string;
}

/** The progress line: ranges written (not synced) by a process running on boot `boot`. */
interface Progress {
  progress: 1;
  boot: string;
  done: Range[];
  sum: string;
}

export const journalPath = (output: string) => output + JOURNAL_SUFFIX;
const TEMP_SUFFIX = ".tmp";

let bootIdCache: string | null | undefined;
/** This boot's id (Linux: /proc/sys/kernel/random/boot_id), or null where there is none. */
export function bootId(): string | null {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = nodeFs().readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache;
}

/** The progress line's self-check over its boot id and the JSON text of its ranges. */
const sumOfText = (boot: string, doneText: string) => Bun.hash(`${boot}|${doneText}`).toString(16);
const sumOf = (boot: string, done: Range[]) => sumOfText(boot, JSON.stringify(done));

/** Whether `done` is sorted, disjoint ranges inside `size` (null: unknown, any safe offset). */
const validRanges = (done: unknown, size: number | null): done is Range[] => {
  if (!Array.isArray(done)) return false;
  let last = -1;
  for (const r of done) {
    if (!Array.isArray(r) || r.length !== 2 || !Number.isSafeInteger(r[0]) || !Number.isSafeInteger(r[1])) return false;
    if (r[0] < 0 || r[0] >= r[1] || r[1] > (size ?? Number.MAX_SAFE_INTEGER) || r[0] <= last) return false;
    last = r[1];
  }
  return true;
};

/** The ranges of a and b together, sorted and merged. */
function union(a: Range[], b: Range[]): Range[] {
  const all = [...a, ...b].sort((x, y) => x[0] - y[0]);
  const out: Range[] = [];
  for (const [s, e] of all) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/**
 * Whether NAME's journal fits beside it: its temporary name (NAME.fetchx.tmp) within the 255 bytes a file
 * name may have. A longer NAME is downloaded without one (a cut transfer starts over).
 */
export function journalFits(path: string): boolean {
  return Buffer.byteLength(path.slice(path.lastIndexOf("/") + 1)) + JOURNAL_SUFFIX.length + TEMP_SUFFIX.length <= 255;
}

/**
 * The journal at `path`, or null (with the reason) when missing or unreadable. `done` includes the
 * progress line when it was written on this boot and is whole.
 */
export function readJournal(path: string): { data: JournalData } | { data: null; why: string } {
  // Looked at before it is read: a FIFO planted at NAME.fetchx would block the read (and with it the whole
  // process, signals included) until some writer came.
  let st: ReturnType<ReturnType<typeof nodeFs>["lstatSync"]>;
  try {
    st = nodeFs().lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return { data: null, why: "no journal" }; // a name too long for one, a directory that cannot be read
  }
  if (!st) return { data: null, why: "no journal" };
  if (!st.isFile()) return { data: null, why: "its journal is not a regular file" };
  let text: string;
  try {
    text = nodeFs().readFileSync(path, "utf8");
  } catch {
    return { data: null, why: "no journal" };
  }
  const [first = "", second = ""] = text.split("\n");
  let d: JournalData;
  try {
    d = JSON.parse(first) as JournalData;
  } catch {
    return { data: null, why: "journal is damaged (not JSON)" };
  }
  if (d !== null && typeof d === "object" && (d.version === 2 || d.version === 3) && !checked(first)) return { data: null, why: "journal is damaged (its check does not match)" };
  if (d === null || typeof d !== "object" || d.format !== JOURNAL_FORMAT) return { data: null, why: "not a fetchx journal" };
  if (d.version !== 1 && d.version !== 2 && d.version !== 3) return { data: null, why: `journal version ${JSON.stringify(d.version)} is not supported` };
  // Only version 3 may leave the size unknown.
  const sizeOk = d.size === null ? d.version === 3 : Number.isSafeInteger(d.size) && d.size >= 0;
  if (!sizeOk) return { data: null, why: "journal is damaged (bad size)" };
  if (!validRanges(d.done, d.size)) return { data: null, why: "journal is damaged (bad ranges)" };
  if (typeof d.url !== "string" || (d.source !== undefined && typeof d.source !== "string")) return { data: null, why: "journal is damaged (bad URL)" };
  const validator = (v: unknown) => v === null || v === undefined || typeof v === "string";
  if (!validator(d.etag) || !validator(d.lastModified)) return { data: null, why: "journal is damaged (bad validator)" };
  d.etag ??= null;
  d.lastModified ??= null;
  const p = parseProgress(second, d.size);
  if (p) d.done = union(d.done, p);
  return { data: d };
}

// The synced record ends with a hash of itself: a record changed by anything but fetchx (a flipped bit,
// an edit) is caught even where it still parses and its claims still fit the .part.
const CHECK = /,"check":"([0-9a-f]+)"\}$/;
const checkOf = (record: string) => Bun.hash(record).toString(16);
const withCheck = (record: string) => `${record.slice(0, -1)},"check":"${checkOf(record)}"}`;
function checked(line: string): boolean {
  const m = CHECK.exec(line);
  return !!m && checkOf(`${line.slice(0, m.index)}}`) === m[1];
}

/** The progress line's ranges when it is whole and from this boot, else null. */
function parseProgress(line: string, size: number | null): Range[] | null {
  const boot = bootId();
  if (!boot || !line.trim()) return null;
  try {
    const p = JSON.parse(line) as Progress;
    if (p.progress !== 1 || p.boot !== boot || !validRanges(p.done, size)) return null;
    return p.sum === sumOf(p.boot, p.done) ? p.done : null;
  } catch {
    return null; // torn (a crash inside the write): the synced record alone
  }
}

/** Creates `path` for writing, refusing a link or anything already there (a planted file is not written through). */
export function createExclusive(path: string): number {
  return nodeFs().openSync(path, nodeFs().constants.O_WRONLY | nodeFs().constants.O_CREAT | nodeFs().constants.O_EXCL | nodeFs().constants.O_NOFOLLOW, 0o644);
}

/** Writes NAME.fetchx: the synced record (save), and progress in place between saves (progress). */
export class JournalWriter {
  #fd: number | null = null;
  /** Where the progress line starts, and how long the last one was (a shorter one is padded). */
  #at = 0;
  #length = 0;
  /** Read when the first progress line is written: a small file never writes one (nor reads boot_id). */
  get #boot(): string | null {
    return bootId();
  }

  constructor(readonly path: string) {}

  /**
   * The synced record (the caller synced the data `data.done` claims) and the progress line `written`,
   * into a temp file that is fsync'ed and renamed over the journal: a crash leaves the old or the new.
   */
  save(data: Omit<JournalData, "format" | "version" | "updated">, written: Range[]): void {
    const full: JournalData = { format: JOURNAL_FORMAT, version: JOURNAL_VERSION, ...data, updated: new Date().toISOString() };
    const record = Buffer.from(withCheck(JSON.stringify(full)) + "\n");
    const tmp = this.path + TEMP_SUFFIX;
    nodeFs().rmSync(tmp, { force: true });
    const fd = createExclusive(tmp);
    this.#length = 0;
    try {
      try {
        nodeFs().writeSync(fd, record);
        const line = this.#line(written);
        if (line) nodeFs().writeSync(fd, line);
        nodeFs().fsyncSync(fd);
      } finally {
        nodeFs().closeSync(fd);
      }
      nodeFs().renameSync(tmp, this.path);
    } catch (err) {
      // A full disk refuses the record: the one before it (if any) stays, and no NAME.fetchx.tmp is left.
      unlinkQuietly(tmp);
      throw err;
    }
    this.close();
    // The progress line of the new journal is rewritten in place from now on.
    this.#fd = nodeFs().openSync(this.path, nodeFs().constants.O_WRONLY | nodeFs().constants.O_NOFOLLOW);
    this.#at = record.byteLength;
  }

  /** Whether progress lines are written (the journal was saved once and is open). */
  get recording(): boolean {
    return this.#fd !== null;
  }

  /** Claims `written` (writes that completed, not synced) in place: no sync, one pwrite. */
  progress(written: Range[]): void {
    if (this.#fd === null) return;
    const line = this.#line(written);
    if (!line) return;
    try {
      nodeFs().writeSync(this.#fd, line, 0, line.byteLength, this.#at);
    } catch {
      this.close(); // a full disk: the synced record still holds
    }
  }

  #line(done: Range[]): Buffer | null {
    if (!this.#boot) return null;
    // Written after every body write: the ranges are serialised once, for the check and for the line
    // (the same text JSON.stringify gives for a Progress record, keys in its order).
    const doneText = JSON.stringify(done);
    let text = `{"progress":1,"boot":${JSON.stringify(this.#boot)},"done":${doneText},"sum":"${sumOfText(this.#boot, doneText)}"}`;
    // Padded to the previous length: what is left of a longer line must not follow it.
    if (text.length + 1 < this.#length) text = text.padEnd(this.#length - 1, " ");
    this.#length = text.length + 1;
    return Buffer.from(text + "\n");
  }

  close(): void {
    if (this.#fd !== null) nodeFs().closeSync(this.#fd);
    this.#fd = null;
  }
}

/**
 * Removes NAME.fetchx and its temp record. Never fails a download: a directory of either name is somebody's
 * and stays (unlink refuses it), and a journal that cannot be removed is harmless (it describes bytes of a
 * .part that is gone, and the next transfer to NAME removes it or writes its own over it).
 */
export function removeJournal(path: string): void {
  unlinkQuietly(path);
  unlinkQuietly(`${path}.tmp`);
}

/** unlink(2), whatever it answers: ENOENT (the usual case), EISDIR, EACCES, EROFS leave nothing to do here. */
function unlinkQuietly(name: string): void {
  try {
    nodeFs().unlinkSync(name);
  } catch {
    // see above
  }
}
