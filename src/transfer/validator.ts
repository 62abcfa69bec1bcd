// Which version of the remote file a byte range belongs to: size plus the strong ETag, else Last-Modified.
// Resuming and every parallel range check the server still serves that version (undici's retry-handler
// does the same), so bytes of two versions are never spliced into one file.
import { isStrongEtag, parseContentRange } from "../http/headers.ts";
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
  const length = head.headers.get("content-length");
  return {
    size: cr ? cr.total : length !== undefined && head.status === 200 ? Number(length) : null,
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
  if (!cr) throw new FetchxError("WEIRD_REPLY", "206 response without a valid Content-Range", { retryable: true });
  if (!sameVersion(v, head)) throw new FileChanged("validator or size differs");
  if (cr.start !== start || (v.size !== null && cr.total !== null && cr.total !== v.size))
    throw new FetchxError(
      "WEIRD_REPLY",
      `server answered Content-Range ${cr.start}-${cr.end}/${cr.total ?? "*"} to a request for ${start}-${end === null ? "" : end - 1}`,
      { retryable: true },
    );
}
