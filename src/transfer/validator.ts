// Which version of the remote file a byte range belongs to: size plus the strong ETag, else Last-Modified.
// Resuming and every parallel range check the server still serves that version (undici's retry-handler
// does the same), so bytes of two versions are never spliced into one file.
import { isStrongEtag, parseContentRange, parseUnsatisfiedRange } from "../http/headers.ts";
import { contentLengthOf } from "../http/parser.ts";
import type { ResponseHead } from "../http/types.ts";
import { FetchxError } from "../errors.ts";

export interface Validator {
  size: number | null;
  etag: string | null;
  lastModified: string | null;
}

export function validatorOf(head: ResponseHead): Validator {
  const etag = head.headers.get("etag");
  const cr = head.status === 206 ? parseContentRange(head.headers.get("content-range")) : null;
  const length = contentLengthOf(head.headers);
  return {
    // With Transfer-Encoding the body is chunked and Content-Length says nothing (RFC 9112 6.3).
    size: cr ? cr.total : length !== null && head.status === 200 && !head.headers.get("transfer-encoding") ? length : null,
    etag: etag && isStrongEtag(etag) ? etag : null,
    lastModified: head.headers.get("last-modified") ?? null,
  };
}

/** The If-Range value: a strong ETag, else Last-Modified, else nothing (then only Range + checks). */
export const ifRangeOf = (v: Validator) => v.etag ?? v.lastModified ?? undefined;

/** Whether a response describes the same version of the file as `v` (fields it lacks do not count). */
export function sameVersion(v: Validator, head: ResponseHead): boolean {
  const now = validatorOf(head);
  if (v.size !== null && now.size !== null && v.size !== now.size) return false;
  if (v.etag && now.etag && v.etag !== now.etag) return false;
  if (v.etag && !now.etag && head.headers.get("etag")) return false; // went weak: cannot prove sameness
  if (v.lastModified && now.lastModified && v.lastModified !== now.lastModified) return false;
  return true;
}

/** The file changed on the server: start over (not retryable as a resume). */
export class FileChanged extends FetchxError {
  constructor(why: string) {
    super("BAD_RESUME", `the file changed on the server (${why})`, { retryable: false });
  }
}

/**
 * Checks a 206 answer to `Range: bytes=start-(end-1)` (end null = open). It must start where asked and
 * describe the same file; it may end early (servers that cap range sizes: the rest is asked for next)
 * or late (the worker stops at its segment's end). Throws FileChanged or WEIRD_REPLY.
 */
export function checkPartial(head: ResponseHead, start: number, end: number | null, v: Validator): void {
  const cr = parseContentRange(head.headers.get("content-range"));
  if (!cr) throw new FetchxError("WEIRD_REPLY", `206 response without a valid Content-Range (${describeContentRange(head)})`, { retryable: true });
  if (!sameVersion(v, head)) throw new FileChanged("validator or size differs");
  // Without the total a 206 cannot be placed in a file of known size (a probe learns the size from it);
  // an open range of a file whose size is unknown too ("bytes N-M/*" to "bytes=N-") ends where its body does.
  const totalNeeded = !(v.size === null && end === null);
  if (cr.start !== start || (cr.total === null && totalNeeded) || (v.size !== null && cr.total !== v.size))
    throw new FetchxError(
      "WEIRD_REPLY",
      `server answered Content-Range ${cr.start}-${cr.end}/${cr.total ?? "*"} to a request for ${start}-${end === null ? "" : end - 1}`,
      { retryable: true },
    );
  // The body must be the range it claims: more bytes would be written where they do not belong.
  const length = contentLengthOf(head.headers);
  if (length !== null && !head.headers.get("transfer-encoding") && length !== cr.end - cr.start + 1)
    throw new FetchxError("WEIRD_REPLY", `206 with Content-Range ${cr.start}-${cr.end} carries ${length} bytes`, { retryable: true });
}

/** What a 206 said instead of a usable Content-Range, for the error line. */
function describeContentRange(head: ResponseHead): string {
  const type = head.headers.get("content-type") ?? "";
  if (/^multipart\/byteranges/i.test(type)) return "multipart/byteranges";
  const cr = head.headers.get("content-range");
  return cr === undefined ? "none" : `"${cr.slice(0, 60)}"`;
}

/** The server answered a Range request with the whole file: ranges cannot be used. */
export class RangesIgnored extends FetchxError {
  constructor() {
    super("RANGE", "the server ignored a Range request (answered 200)", { retryable: false });
  }
}

/** A range that was asked for: [start, end) of the version `validator`, with or without If-Range. */
export interface RangeAsked {
  start: number;
  /** Exclusive end; null = open ("bytes=start-"). */
  end: number | null;
  validator: Validator;
  ifRange: boolean;
  /**
   * The request offered encodings (--compressed) and the bytes held are the file's own: a 206 carrying a
   * Content-Encoding addresses another representation's bytes and cannot be appended.
   */
  identity?: boolean;
}

/** The Range (and If-Range) headers asking for `r`. */
export function rangeHeaders(r: RangeAsked): [string, string][] {
  const h: [string, string][] = [["Range", `bytes=${r.start}-${r.end === null ? "" : r.end - 1}`]];
  const ifRange = r.ifRange ? ifRangeOf(r.validator) : undefined;
  if (ifRange) h.push(["If-Range", ifRange]);
  return h;
}

/**
 * What an answer to a range request means, decided in this one place for the first request of a resume
 * and for every segment alike:
 * - "partial": a 206 that starts where asked, for the same version: write it (its total teaches an unknown
 *   size: learnedSize());
 * - "complete": 416 to a request at the end of the known size (or, the size unknown, at the total the 416
 *   gives): every byte is already there;
 * - "retry-without-if-range": a 200 for the same version although If-Range matched (some CDNs): ask again
 *   with Range alone, checking each 206 ourselves;
 * - "ignored": a 200 for the same version to a plain Range: the server does not do ranges;
 * - "changed": another version of the file (a 200, 206 or 416 that does not match);
 * - "error": any other status, or a 206 without a usable Content-Range.
 */
export type RangeVerdict =
  | { kind: "partial" }
  | { kind: "complete" }
  | { kind: "retry-without-if-range" }
  | { kind: "ignored" }
  | { kind: "changed"; error: FileChanged }
  | { kind: "error"; error: FetchxError };

export function judgeRange(head: ResponseHead, asked: RangeAsked, statusError: (head: ResponseHead) => FetchxError): RangeVerdict {
  const v = asked.validator;
  const encoding = head.headers.get("content-encoding");
  if (head.status === 206 && asked.identity && encoding && !/^\s*identity\s*$/i.test(encoding))
    return { kind: "changed", error: new FileChanged(`its range is now sent with Content-Encoding ${encoding.slice(0, 20)}`) };
  if (head.status === 206) {
    try {
      checkPartial(head, asked.start, asked.end, v);
      return { kind: "partial" };
    } catch (err) {
      if (err instanceof FileChanged) return { kind: "changed", error: err };
      return { kind: "error", error: err as FetchxError };
    }
  }
  if (head.status === 416) {
    const total = parseUnsatisfiedRange(head.headers.get("content-range"));
    if (v.size !== null && asked.start >= v.size && (total ?? v.size) === v.size) return { kind: "complete" };
    // The size was unknown (a chunked answer): complete only when the total now given is where we are.
    if (v.size === null && total !== null && asked.start === total && sameVersion(v, head)) return { kind: "complete" };
    return { kind: "changed", error: new FileChanged("answered 416 to a range request") };
  }
  if (head.status === 200) {
    if (!sameVersion(v, head)) return { kind: "changed", error: new FileChanged("answered 200 to a range request") };
    return asked.ifRange && ifRangeOf(v) ? { kind: "retry-without-if-range" } : { kind: "ignored" };
  }
  return { kind: "error", error: statusError(head) };
}

/**
 * The total a range answer gives (206 Content-Range, 416 "bytes * /N"), for a resume whose size was
 * unknown (a chunked answer); null when it gives none.
 */
export function learnedSize(head: ResponseHead): number | null {
  if (head.status === 206) return parseContentRange(head.headers.get("content-range"))?.total ?? null;
  if (head.status === 416) return parseUnsatisfiedRange(head.headers.get("content-range"));
  return null;
}
