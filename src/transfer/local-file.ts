// file:// URLs, as curl reads them: the local file copied to the output (a file goes through NAME.part and
// is renamed once complete and synced, as every download's), a Range (-r, -C N) honoured, HEAD (-I) giving
// the head curl makes up for a file (Content-Length, Accept-ranges, Last-Modified; no status line), and
// --checksum checked. No host but localhost (or none); a file that cannot be opened is curl's exit 37.
// Install scripts take a file:// URL for a local mirror (`curl -fsSL file:///srv/mirror/install.sh`).
import { FetchxError } from "../errors.ts";
import { Headers } from "../http/headers.ts";
import type { ResponseHead } from "../http/types.ts";
import { nodeFs } from "../node-fs.ts";
import { FileSink, partPath } from "../sink/file.ts";
import { fdSink, streamSink } from "../sink/sequential.ts";
import type { Sink } from "../sink/types.ts";
import { ChecksumMismatch, newHasher } from "./checksum.ts";
import { downloadSettings, type DownloadOptions, type Output } from "./options.ts";
import { newStats, type DownloadResult } from "./stats.ts";


const CHUNK = 1 << 20;

/** The local path of a file:// URL: no host but localhost or 127.0.0.1 (curl's rule), percent-decoded. */
export function filePathOf(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch (err) {
    throw new FetchxError("BAD_URL", `malformed URL ${JSON.stringify(url)}`, { cause: err });
  }
  if (u.hostname !== "" && u.hostname !== "localhost" && u.hostname !== "127.0.0.1")
    throw new FetchxError("BAD_URL", `Invalid file://hostname/, expected localhost or 127.0.0.1 or none (got ${u.hostname})`);
  try {
    return decodeURIComponent(u.pathname);
  } catch (err) {
    throw new FetchxError("BAD_URL", `malformed percent-encoding in ${JSON.stringify(url)}`, { cause: err });
  }
}

/** First and last byte of a "Range: bytes=A-B | A- | -N" for a file of `size` bytes, or null for the whole file. */
function rangeOf(header: string | undefined, size: number): [number, number] | null {
  const m = header === undefined ? null : /^\s*bytes\s*=\s*(\d*)-(\d*)\s*$/i.exec(header);
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") return [Math.max(0, size - Number(m[2])), size - 1];
  const first = Number(m[1]);
  const last = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (first > last) throw new FetchxError("RANGE", `requested range ${header} is outside the file's ${size} bytes`, { retryable: false });
  return [first, last];
}

export async function localDownload(url: string, options: DownloadOptions): Promise<DownloadResult> {
  const s = downloadSettings(options);
  const r = newStats(url, s.method);
  r.scheme = "file";
  let sink: Sink | undefined;
  let fd = -1;
  try {
    if (!s.protocols.includes("file")) throw new FetchxError("UNSUPPORTED_PROTOCOL", 'Protocol "file" not supported or disabled in libcurl');
    const path = filePathOf(url);
    try {
      fd = nodeFs().openSync(path, "r");
    } catch (err) {
      const shown = /[\x00-\x1f]/.test(path) ? JSON.stringify(path) : path;
      throw new FetchxError("LOCAL_FILE", `Couldn't open file ${shown}: ${(err as { code?: string }).code ?? err}`, { cause: err, retryable: false });
    }
    const st = nodeFs().fstatSync(fd);
    if (!st.isFile()) throw new FetchxError("LOCAL_FILE", `Couldn't read file ${path}: not a regular file`, { retryable: false });
    const given = s.headers.find(([k]) => k.toLowerCase() === "range")?.[1] ?? (s.range === undefined ? undefined : `bytes=${s.range}`);
    const range = rangeOf(given, st.size);
    const [first, last] = range ?? [0, st.size - 1];
    const length = Math.max(0, last - first + 1);
    if (s.maxFileSize > 0 && length > s.maxFileSize) throw new FetchxError("FILESIZE", `Maximum file size exceeded (${length} > ${s.maxFileSize} bytes)`, { retryable: false });

    // The head curl makes up for a file (-i, -I, -D show it): no status line, no status (%{http_code} 000).
    const headers = new Headers([["Content-Length", String(length)], ["Accept-ranges", "bytes"], ["Last-Modified", st.mtime.toUTCString()]]);
    const head: ResponseHead = { version: "1.1", status: 0, statusText: "", headers, headerBytes: 0 };
    r.headers = headers;
    s.onAnswer?.(head, new URL(url));
    s.onHead?.(head, new URL(url));
    let output: Output | undefined = s.output;
    let preamble: Uint8Array | undefined;
    if (s.decideOutput) ({ output, preamble } = await s.decideOutput(head, new URL(url)));
    if (output === undefined) throw new FetchxError("USAGE", "no output for the download");
    sink = typeof output === "string" ? await FileSink.open(output, { createDirs: s.createDirs, signal: s.signal }) : output instanceof WritableStream ? streamSink(output) : fdSink(output.fd, s.signal);
    r.filenameEffective = typeof output === "string" ? output : undefined;
    // curl's -I of a file:// URL ends without the head's blank line (its -i has it).
    if (preamble && s.method === "HEAD" && preamble.byteLength >= 2) preamble = preamble.subarray(0, preamble.byteLength - 2);
    if (preamble) await sink.write(preamble);

    const hasher = s.checksum ? newHasher(s.checksum) : undefined;
    if (s.method !== "HEAD") {
      const buf = new Uint8Array(Math.min(CHUNK, Math.max(length, 1)));
      for (let at = first; at <= last; ) {
        if (s.signal?.aborted) throw new FetchxError("INTERRUPTED", "download aborted", { cause: s.signal.reason });
        const n = nodeFs().readSync(fd, buf, 0, Math.min(buf.byteLength, last - at + 1), at);
        if (n === 0) break; // the file shrank meanwhile: what was there is what was read
        const chunk = buf.subarray(0, n);
        hasher?.update(chunk);
        const pending = sink.write(chunk);
        if (pending) await pending;
        at += n;
        r.sizeDownload += n;
      }
    }
    if (hasher && s.checksum) {
      const got = hasher.digest("hex");
      if (got !== s.checksum.hex) throw new ChecksumMismatch(s.checksum, got, typeof output === "string" ? partPath(output) : "the output");
    }
    await sink.commit();
    sink = undefined;
    r.tTotal = performance.now() - r.startedAt;
    return r;
  } catch (thrown) {
    const err = thrown instanceof FetchxError ? thrown : new FetchxError("WRITE", String(thrown), { cause: thrown });
    await sink?.abort().catch(() => {});
    r.exitCode = err.exitCode;
    r.errorMessage = err.message;
    r.tTotal = performance.now() - r.startedAt;
    err.result = r;
    throw err;
  } finally {
    if (fd >= 0) nodeFs().closeSync(fd);
  }
}
