// What curl's tool does around a transfer, outside the engine: --skip-existing before it; after it
// -R (the file's time from Last-Modified), --xattr, --etag-save, --create-file-mode, --remove-on-error, the note
// that a retry rescued the transfer, and -c (the cookie jar, once at the end of the run).
import { nodeFs } from "../node-fs.ts";
import type { FetchxError } from "../errors.ts";
import type { CookieJar } from "../http/cookies.ts";
import { parseCurlDate } from "../http/date.ts";
import type { HstsCache } from "../http/hsts.ts";
import { parseUrl, urlObject } from "../http/url.ts";
import * as libc from "../net/libc.ts";
import { journalPath } from "../sink/journal.ts";
import { partPath, typeAt } from "../sink/file.ts";
import type { DownloadResult } from "../transfer/stats.ts";
import type { Logger } from "../ui/log.ts";
import type { Options } from "./options.ts";
import { outputPath } from "./output-name.ts";

/**
 * The file a URL goes to when known before the answer (null: stdout, undefined: not known yet), or "skip".
 * `known`: the path already named for this URL (run.ts names every URL's file before the first transfer
 * to find two that collide): naming it again parsed the URL again, ~10 us a file.
 */
export function beforeDownload(o: Options, url: string, index: number, known?: string | null): string | null | undefined | "skip" {
  let path: string | null | undefined = known;
  if (path === undefined) {
    try {
      path = o.remoteHeaderName && typeof o.outputs[index] !== "string" ? undefined : outputPath(o, () => urlObject(url), undefined, o.outputs[index]);
    } catch {
      return undefined; // the download reports it
    }
  }
  if (o.skipExisting && path && nodeFs().existsSync(path)) return "skip";
  return path;
}

export function afterDownload(o: Options, r: DownloadResult, failure: FetchxError | undefined, target: string | null | undefined, log: Logger, retried: string | undefined): void {
  const path = r.filenameEffective ?? target ?? undefined;
  if (failure) {
    if (o.removeOnError && path) removeWritten(o, path, failure);
    return;
  }
  // A rescue: the last answer is no error page (one saved without -f is what curl would have saved too).
  if (retried !== undefined && r.numRetries > 0 && !o.retryAsked && r.httpCode < 400)
    log.error(`note: succeeded after ${r.numRetries} ${r.numRetries === 1 ? "retry" : "retries"} (curl without --retry would have failed: ${retried}); --retry 0 turns retries off`);
  // Asked only for -R and --create-file-mode: a lookup per file is measurable with -Z and 400 files.
  const written = () => path !== undefined && r.httpCode !== 304 && nodeFs().existsSync(path);
  if (o.remoteTime && written()) {
    // Read as curl's -R reads it (curl_getdate): no time set where curl finds no date.
    const t = parseCurlDate(r.headers?.get("last-modified") ?? "");
    if (t !== null) nodeFs().utimesSync(path!, t / 1000, t / 1000);
  }
  if (o.createFileMode !== undefined && written()) nodeFs().chmodSync(path!, o.createFileMode);
  if (o.xattr && written()) writeXattrs(path!, r, log);
  // A 304 with an ETag saves it, as curl; one without leaves the saved ETag (curl empties the file: the 304
  // said that what the caller has is current, so its ETag still is).
  if (o.etagSave !== undefined && (r.httpCode !== 304 || r.headers?.get("etag") !== undefined)) {
    const etag = r.headers?.get("etag");
    const text = etag ? `${etag}\n` : "";
    if (o.etagSave === "-") nodeFs().writeSync(1, text);
    else nodeFs().writeFileSync(o.etagSave, text);
  }
}

/**
 * --remove-on-error: what this run wrote, as curl removes the file it saved: NAME.part and its journal, and
 * NAME itself only where this run wrote into it (-C OFFSET appends to it; --fail-with-body saved the error
 * page there). A file that was at NAME before is never touched (fetchx writes NAME only by its final
 * rename), nor a directory or a device; one that cannot be removed stays, without a word.
 */
function removeWritten(o: Options, path: string, failure: FetchxError): void {
  const own = [partPath(path), journalPath(path)];
  if (o.resumeFrom !== undefined || (o.failWithBody && failure.code === "HTTP_ERROR")) own.push(path);
  for (const p of own) {
    if (!typeAt(p, false)?.isFile()) continue;
    try {
      nodeFs().unlinkSync(p);
    } catch {
      // left as it is: the failure already has its one line
    }
  }
}

/**
 * --xattr: where the file came from and what it is, as curl names them (freedesktop.org's "Common Extended
 * Attributes"): the URL given (curl's, not the one redirected to) without credentials, the Content-Type,
 * and the program. A file system without user attributes is a warning, as in curl; the download stands.
 */
function writeXattrs(path: string, r: DownloadResult, log: Logger): void {
  const attrs: [string, string | undefined][] = [["user.xdg.origin.url", withoutCredentials(r.url)], ["user.mime_type", r.contentType], ["user.creator", "fetchx"]];
  for (const [name, value] of attrs) {
    if (!value) continue;
    const rc = libc.setXattr(path, name, value);
    if (rc < 0) return log.warn(`Error setting extended attributes on '${path}': ${libc.errnoMessage(-rc)}`);
  }
}

/** parseUrl keeps credentials out of the URL it returns. */
function withoutCredentials(url: string): string {
  try {
    return parseUrl(url).url.href;
  } catch {
    return url;
  }
}

/** --hsts FILE: the cache written back at the end of the run (curl writes it even when nothing changed). */
export function writeHsts(o: Options, cache: HstsCache | undefined, log: Logger): void {
  if (!cache || !o.hstsFile) return;
  try {
    nodeFs().writeFileSync(o.hstsFile, cache.toText());
  } catch (err) {
    log.warn(`cannot write the HSTS cache ${o.hstsFile}: ${(err as { code?: string }).code ?? err}`);
  }
}

/** -c FILE: every cookie of the run, in the Netscape format ("-" = stdout). */
export function writeCookieJar(o: Options, jar: CookieJar | undefined): void {
  if (!jar || o.cookieJar === undefined) return;
  const text = jar.toNetscape();
  if (o.cookieJar === "-") nodeFs().writeSync(1, text);
  else nodeFs().writeFileSync(o.cookieJar, text);
}
