// A regular output file, written under "<name>.part" and renamed to its final name only once every byte
// is there: a failed or interrupted transfer never leaves an incomplete file under the final name.
// Special files (/dev/null, FIFOs, terminals) are written directly: renaming onto them makes no sense.
import { closeSync, fdatasync, mkdirSync, openSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { FetchxError } from "../errors.ts";
import { writeAll } from "./fdwrite.ts";
import type { Sink } from "./types.ts";

export const PART_SUFFIX = ".part";
export const partPath = (path: string) => path + PART_SUFFIX;

const datasync = promisify(fdatasync);

function isSpecial(path: string): boolean {
  try {
    const st = statSync(path);
    return !st.isFile() && !st.isDirectory();
  } catch {
    return false;
  }
}

function openOrFail(path: string, flags: string): number {
  try {
    return openSync(path, flags, 0o644);
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === "ENOENT" ? "no such directory (use --create-dirs)" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : String(code);
    throw new FetchxError("WRITE", `cannot write ${path}: ${why}`, { cause: err });
  }
}

export interface FileSinkOptions {
  createDirs: boolean;
}

export class FileSink implements Sink {
  readonly path: string;
  readonly special: boolean;
  private fd: number;
  private offset = 0;
  private closed = false;

  constructor(path: string, opts: FileSinkOptions) {
    this.path = path;
    this.special = isSpecial(path);
    if (opts.createDirs) mkdirSync(dirname(path), { recursive: true });
    if (statSafe(path)?.isDirectory()) throw new FetchxError("WRITE", `cannot write ${path}: is a directory`);
    this.fd = openOrFail(this.special ? path : partPath(path), "w");
  }

  async write(chunk: Uint8Array): Promise<void> {
    await this.writeAt(this.offset, chunk);
    this.offset += chunk.byteLength;
  }

  async writeAt(position: number, chunk: Uint8Array): Promise<void> {
    try {
      await writeAll(this.fd, chunk, this.special ? null : position);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const why = code === "ENOSPC" ? "disk full" : code === "EDQUOT" ? "disk quota exceeded" : code ?? String(err);
      throw new FetchxError("WRITE", `failed writing ${this.special ? this.path : partPath(this.path)}: ${why}`, { cause: err });
    }
  }

  async commit(): Promise<void> {
    if (this.closed) return;
    if (!this.special) await datasync(this.fd).catch(() => {});
    this.close();
    if (!this.special) renameSync(partPath(this.path), this.path);
  }

  async abort(): Promise<void> {
    this.close();
  }

  private close() {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
