// The journal beside a partial download ("NAME.fetchx"): what the .part file holds and for which version
// of the remote file. Format (versioned, documented in docs/JOURNAL.md) is JSON; it is written to a temp
// file and renamed, so a crash leaves either the old or the new journal, never half of one. The data file
// is fdatasync'ed before a journal claims its bytes, so the journal never claims bytes a crash lost.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
/** A byte range [start, end). */
type Range = [number, number];

export const JOURNAL_SUFFIX = ".fetchx";
export const JOURNAL_FORMAT = "fetchx-journal";
export const JOURNAL_VERSION = 1;

export interface JournalData {
  format: typeof JOURNAL_FORMAT;
  version: number;
  url: string;
  /** Size of the whole remote file. */
  size: number;
  etag: string | null;
  lastModified: string | null;
  /** Byte ranges [start, end) present and synced in the .part file. */
  done: Range[];
  /** "algo=hex" when the bytes are all there but --checksum did not match. */
  checksumFailed?: string;
  updated: string;
}

export const journalPath = (output: string) => output + JOURNAL_SUFFIX;

/** The journal at `path`, or null (with the reason) when missing or unreadable. */
export function readJournal(path: string): { data: JournalData } | { data: null; why: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { data: null, why: "no journal" };
  }
  try {
    const d = JSON.parse(text) as JournalData;
    if (d.format !== JOURNAL_FORMAT) return { data: null, why: "not a fetchx journal" };
    if (d.version !== JOURNAL_VERSION) return { data: null, why: `journal version ${d.version} is not supported` };
    const ok = Number.isSafeInteger(d.size) && d.size >= 0 && Array.isArray(d.done) &&
      d.done.every((r) => Array.isArray(r) && Number.isSafeInteger(r[0]) && Number.isSafeInteger(r[1]) && 0 <= r[0] && r[0] <= r[1] && r[1] <= d.size);
    return ok ? { data: d } : { data: null, why: "journal is damaged" };
  } catch {
    return { data: null, why: "journal is damaged" };
  }
}

export function writeJournal(path: string, data: Omit<JournalData, "format" | "version" | "updated">): void {
  const full: JournalData = { format: JOURNAL_FORMAT, version: JOURNAL_VERSION, ...data, updated: new Date().toISOString() };
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, JSON.stringify(full) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export function removeJournal(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.tmp`, { force: true });
}
