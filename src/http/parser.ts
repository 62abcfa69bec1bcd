// HTTP/1.1 response parser: an explicit state machine (after curl's lib/http_chunks.h) fed whatever
// the socket delivers. The head is split into lines without re-scanning earlier bytes; body bytes are
// handed on as subarrays of the fed chunk, so the body path does no per-byte work and no copying.

import { FetchxError } from "../errors.ts";
import { isDigits, isToken, latin1, latin1Range } from "./chars.ts";
import { Headers } from "./headers.ts";
import type { BodyMode, HeaderList, ParserEvents, ResponseHead } from "./types.ts";

export type ParserState =
  | "STATUS_LINE" // before and inside the status line (also again after each 1xx head)
  | "HEADERS"
  | "BODY_LENGTH" // Content-Length body
  | "BODY_CLOSE" // body delimited by the server closing the connection
  | "CHUNK_SIZE" // hex digits of a chunk-size line
  | "CHUNK_SIZE_BWS" // whitespace after the size, before ';' or CRLF
  | "CHUNK_EXT" // chunk extensions, ignored up to LF
  | "CHUNK_SIZE_LF" // CR seen after the size line, LF expected
  | "CHUNK_DATA"
  | "CHUNK_DATA_CR" // CRLF that ends chunk data
  | "CHUNK_DATA_LF"
  | "TRAILERS"
  | "DONE"
  | "FAILED";

export interface ParserOptions {
  /** Limit for the status line plus headers (and separately for trailers). */
  maxHeaderBytes?: number;
  /** curl's --ignore-content-length: a body without Transfer-Encoding runs to the connection's close. */
  ignoreLength?: boolean;
}

// curl's limit for a response's headers, 1xx heads included (MAX_HTTP_RESP_HEADER_SIZE), and its error: 56.
const DEFAULT_MAX_HEADER_BYTES = 300 * 1024;
// Extensions are ignored, but an endless one must not keep us reading forever.
const MAX_CHUNK_EXT_BYTES = 16 * 1024;
const LF = 10;
const CR = 13;
const HTTP_PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

const weird = (message: string) => new FetchxError("WEIRD_REPLY", message);
/** A first line that is no HTTP/1.x status line (TLS bytes, "HTTP/1.2", "HTTP/1.1 2000"): curl 7.88 calls it
 *  HTTP/0.9 or an unsupported version, exit 1 (CURLE_UNSUPPORTED_PROTOCOL). */
const notHttp1 = (message: string) => new FetchxError("UNSUPPORTED_PROTOCOL", message);
/** Malformed chunked framing: curl's 56 (CURLE_RECV_ERROR). Not retried: the server would send it again. */
const badChunk = (message: string) => new FetchxError("RECV", message, { retryable: false });
/** A transfer coding we cannot undo: curl's 61 (CURLE_BAD_CONTENT_ENCODING). */
const badCoding = (message: string) => new FetchxError("BAD_CONTENT_ENCODING", message);
const quote = (text: string) => JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text);

export class ResponseParser {
  readonly #method: string;
  readonly #events: ParserEvents;
  readonly #maxHeaderBytes: number;
  readonly #ignoreLength: boolean;

  #state: ParserState = "STATUS_LINE";
  #error: unknown = null;
  #fedBytes = 0;

  // The incomplete head line carried over between feeds (copied: callers may reuse their buffers).
  #lineParts: Uint8Array[] = [];
  #lineLength = 0;
  #sectionBytes = 0; // head bytes including 1xx heads, or trailer bytes; checked against the limit
  #headBytes = 0; // bytes of the current head only (ResponseHead.headerBytes)

  #version: "1.0" | "1.1" = "1.1";
  /** The status line said HTTP/2 on this HTTP/1.1 connection. */
  #misversioned = false;
  #status = 0;
  #statusText = "";
  // Each made when its section begins (a status line, the last chunk): a response has one or two.
  #headers = NO_LINES;
  #trailers = NO_LINES;
  #head: ResponseHead | null = null;
  // The latest header line's field, appended to its section once the next line shows that no obs-fold
  // continues it: a field is read only after its folds are joined (RFC 9112 5.2), and Headers is append-only.
  #fieldName = "";
  #fieldValue = "";

  #bodyMode: BodyMode = "none";
  #expected: number | null = null;
  #received = 0;
  #remaining = 0; // of the Content-Length body or of the current chunk
  #chunkSize = 0;
  #chunkDigits = 0;
  #chunkExtBytes = 0;
  #keepAlive = false;

  constructor(method: string, events: ParserEvents, opts: ParserOptions = {}) {
    this.#method = method.toUpperCase();
    this.#events = events;
    this.#maxHeaderBytes = opts.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
    this.#ignoreLength = opts.ignoreLength ?? false;
  }

  get state(): ParserState {
    return this.#state;
  }
  get done(): boolean {
    return this.#state === "DONE";
  }
  get bodyMode(): BodyMode {
    return this.#bodyMode;
  }
  get head(): ResponseHead | null {
    return this.#head;
  }
  /**
   * The final head as far as its complete lines go, once its status line came and before its empty line
   * did (null otherwise): what a transfer cut inside the head (-m, a close) has read. curl has shown those
   * lines and keeps their status; a line still in progress is not among them.
   */
  get partialHead(): ResponseHead | null {
    if (this.#head !== null || this.#headers === NO_LINES) return null;
    const headers = this.#fieldName === "" ? this.#headers : new Headers([...this.#headers.entries(), [this.#fieldName, this.#fieldValue]]);
    return { version: this.#version, status: this.#status, statusText: this.#statusText, headers, headerBytes: this.#headBytes - this.#lineLength };
  }
  /** Body bytes delivered so far (after de-chunking). */
  get received(): number {
    return this.#received;
  }
  /** Body bytes this message carries when known: Content-Length, 0 for no body, null for chunked/close. */
  get expected(): number | null {
    return this.#expected;
  }
  /** Whether the connection may carry another request once this response is done. */
  get keepAlive(): boolean {
    return this.#keepAlive;
  }

  /** Parses `chunk`; returns the bytes consumed, fewer than given only when the response completed. */
  feed(chunk: Uint8Array): number {
    if (this.#state === "FAILED") throw this.#error;
    if (this.#state === "DONE") return 0;
    this.#fedBytes += chunk.length;
    try {
      return this.#run(chunk);
    } catch (err) {
      this.#fail(err);
      throw err;
    }
  }

  /** The connection reached EOF: completes a close-delimited body, otherwise says what was cut short. */
  finish(): void {
    if (this.#state === "DONE") return;
    if (this.#state === "FAILED") throw this.#error;
    if (this.#state === "BODY_CLOSE") {
      this.#complete();
      return;
    }
    const err = this.#eofError();
    this.#fail(err);
    throw err;
  }

  #eofError(): FetchxError {
    if (this.#fedBytes === 0) return new FetchxError("EMPTY_REPLY", "empty reply from server");
    switch (this.#state) {
      // No final status line: curl's 52 as for no byte at all (a cut connection, so worth a retry).
      case "STATUS_LINE":
        return new FetchxError(
          "EMPTY_REPLY",
          this.#status === 0
            ? "empty reply from server (the connection closed inside the status line)"
            : `empty reply from server (the connection closed after ${this.#status} ${this.#statusText || "informational"}, before the final response)`,
        );
      case "HEADERS":
        return weird("connection closed inside the response headers");
      case "BODY_LENGTH":
        return new FetchxError("PARTIAL", `transfer closed with ${this.#remaining} bytes remaining to read`);
      default:
        return new FetchxError(
          "PARTIAL",
          "transfer closed with outstanding read data remaining (inside chunked encoding)",
        );
    }
  }

  #fail(err: unknown): void {
    this.#state = "FAILED";
    this.#error = err;
    this.#lineParts = [];
  }

  #run(chunk: Uint8Array): number {
    const len = chunk.length;
    let pos = 0;
    while (pos < len) {
      switch (this.#state) {
        case "STATUS_LINE":
        case "HEADERS":
        case "TRAILERS": {
          const lf = chunk.indexOf(LF, pos);
          if (lf < 0) {
            this.#stash(chunk.subarray(pos));
            return len;
          }
          this.#count(lf + 1 - pos);
          const line = this.#takeLine(chunk, pos, lf);
          pos = lf + 1;
          this.#onLine(line);
          break;
        }
        case "BODY_LENGTH":
        case "CHUNK_DATA": {
          const end = Math.min(len, pos + this.#remaining);
          this.#remaining -= end - pos;
          this.#received += end - pos;
          // The whole chunk as it is when it is all body: a view of a fresh array costs JavaScriptCore an
          // ArrayBuffer object for it (a TLS data event's chunk is such an array, one every 30 KB).
          this.#events.onBody(pos === 0 && end === len ? chunk : chunk.subarray(pos, end));
          pos = end;
          if (this.#remaining === 0) {
            if (this.#state === "BODY_LENGTH") this.#complete();
            else this.#state = "CHUNK_DATA_CR";
          }
          break;
        }
        case "BODY_CLOSE":
          this.#received += len - pos;
          this.#events.onBody(pos === 0 ? chunk : chunk.subarray(pos));
          pos = len;
          break;
        case "CHUNK_SIZE":
          pos = this.#chunkSizeDigits(chunk, pos);
          break;
        case "CHUNK_SIZE_BWS": {
          const c = chunk[pos++]!;
          if (c === 0x3b /* ; */) this.#state = "CHUNK_EXT";
          else if (c === CR) this.#state = "CHUNK_SIZE_LF";
          else if (c === LF) this.#endOfSizeLine();
          else if (c !== 0x20 && c !== 0x09) throw badChunk("invalid character after chunk size");
          break;
        }
        case "CHUNK_EXT": {
          const lf = chunk.indexOf(LF, pos);
          const end = lf < 0 ? len : lf;
          this.#chunkExtBytes += end - pos;
          if (this.#chunkExtBytes > MAX_CHUNK_EXT_BYTES) throw badChunk("chunk extension too long");
          pos = lf < 0 ? len : lf + 1;
          if (lf >= 0) this.#endOfSizeLine();
          break;
        }
        case "CHUNK_SIZE_LF":
          if (chunk[pos++] !== LF) throw badChunk("missing LF after chunk size");
          this.#endOfSizeLine();
          break;
        case "CHUNK_DATA_CR": {
          const c = chunk[pos++];
          if (c === CR) this.#state = "CHUNK_DATA_LF";
          else if (c === LF) this.#state = "CHUNK_SIZE"; // bare LF tolerated, as in the head
          else throw badChunk("missing CRLF after chunk data");
          break;
        }
        case "CHUNK_DATA_LF":
          if (chunk[pos++] !== LF) throw badChunk("missing LF after chunk data");
          this.#state = "CHUNK_SIZE";
          break;
        case "DONE":
          return pos;
        case "FAILED":
          throw this.#error;
      }
    }
    return pos;
  }

  /** Reads hex digits; leaves CHUNK_SIZE on the first non-digit. Returns the new position. */
  #chunkSizeDigits(chunk: Uint8Array, pos: number): number {
    const len = chunk.length;
    while (pos < len) {
      const c = chunk[pos]!;
      const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
      if (digit >= 0) {
        if (this.#chunkSize > (Number.MAX_SAFE_INTEGER - digit) / 16) throw badChunk("chunk size too large");
        this.#chunkSize = this.#chunkSize * 16 + digit;
        this.#chunkDigits++;
        pos++;
        continue;
      }
      if (this.#chunkDigits === 0) throw badChunk("invalid chunk size: no hex digits");
      pos++;
      if (c === CR) this.#state = "CHUNK_SIZE_LF";
      else if (c === LF) this.#endOfSizeLine();
      else if (c === 0x3b /* ; */) this.#state = "CHUNK_EXT";
      else if (c === 0x20 || c === 0x09) this.#state = "CHUNK_SIZE_BWS";
      else throw badChunk("invalid character in chunk size");
      return pos;
    }
    return pos;
  }

  #endOfSizeLine(): void {
    const size = this.#chunkSize;
    this.#chunkSize = 0;
    this.#chunkDigits = 0;
    this.#chunkExtBytes = 0;
    if (size === 0) {
      this.#state = "TRAILERS";
      this.#trailers = new Headers();
      this.#sectionBytes = 0;
    } else {
      this.#remaining = size;
      this.#state = "CHUNK_DATA";
    }
  }

  // ---- head and trailer lines ----

  #count(bytes: number): void {
    this.#sectionBytes += bytes;
    this.#headBytes += bytes;
    if (this.#sectionBytes > this.#maxHeaderBytes) {
      const what = this.#state === "TRAILERS" ? "response trailers" : "response headers";
      throw new FetchxError("RECV", `${what} exceed ${formatSize(this.#maxHeaderBytes)}`, { retryable: false }); // no retry cures that
    }
  }

  #stash(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.#count(piece.length);
    this.#lineParts.push(piece.slice());
    this.#lineLength += piece.length;
    if (this.#state === "STATUS_LINE") this.#checkStatusPrefix();
  }

  /** Fails early when the reply is not HTTP at all (say TLS bytes, or HTTP/0.9), instead of waiting
   *  for a line end that may never come. */
  #checkStatusPrefix(): void {
    let i = 0;
    for (const part of this.#lineParts)
      for (let j = 0; j < part.length && i < HTTP_PREFIX.length; j++, i++) {
        if (i === 0 && part[j] === CR) return; // a blank line before the status line, finished later
        if (part[j] !== HTTP_PREFIX[i]) throw notHttp1("reply is not HTTP/1.x (no status line)");
      }
  }

  /**
   * The complete line whose last piece is chunk[from, lf) (the LF at `lf`), as Latin-1 text without CR.
   * A line within one chunk (nearly all) is decoded in place, without a view of it first.
   */
  #takeLine(chunk: Uint8Array, from: number, lf: number): string {
    if (this.#lineParts.length === 0) return latin1Range(chunk, from, lf > from && chunk[lf - 1] === CR ? lf - 1 : lf);
    const tail = chunk.subarray(from, lf);
    const bytes = new Uint8Array(this.#lineLength + tail.length);
    let at = 0;
    for (const part of this.#lineParts) {
      bytes.set(part, at);
      at += part.length;
    }
    bytes.set(tail, at);
    this.#lineParts = [];
    this.#lineLength = 0;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end--;
    return latin1(bytes, end);
  }

  #onLine(line: string): void {
    if (this.#state === "STATUS_LINE") {
      // Blank lines before a status line are skipped (RFC 9112 2.2: stray CRLF after a previous body).
      if (line === "") return;
      this.#parseStatusLine(line);
      this.#state = "HEADERS";
      return;
    }
    if (line === "") {
      this.#appendField();
      if (this.#state === "HEADERS") this.#endOfHead();
      else this.#endOfTrailers();
      return;
    }
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) return this.#unfold(line);
    this.#appendField();
    this.#field(line);
  }

  /** "Name: value" with the checks RFC 9112 asks of a recipient, kept as the latest field. */
  #field(line: string): void {
    const colon = line.indexOf(":");
    if (colon <= 0) throw weird(`malformed header line ${quote(line)}`);
    let name = line.slice(0, colon);
    if (!isToken(name)) name = nameBeforeWhitespace(name);
    const value = withoutOws(line, colon + 1);
    if (value.includes("\0") || value.includes("\r")) throw weird(`invalid character in header ${name}`);
    this.#fieldName = name;
    this.#fieldValue = value;
  }

  /**
   * An obs-fold line (SP or HTAB first): RFC 9112 5.2 has a user agent replace each obs-fold with SP before
   * reading the value, as curl 7.88 takes them. Never in a framing header: curl reads those before their
   * folds ("Content-Length:" then " 5" is its exit 8, "Transfer-Encoding:" then " chunked" a body it leaves
   * chunked), so two readers would frame the body two ways.
   */
  #unfold(line: string): void {
    const name = this.#fieldName;
    if (name === "") throw weird("obsolete line folding with no header line before it");
    if (isFramingHeader(name)) throw weird(`obsolete line folding in ${name}`);
    const more = withoutOws(line, 0);
    if (more.includes("\0") || more.includes("\r")) throw weird(`invalid character in header ${name}`);
    if (more !== "") this.#fieldValue = this.#fieldValue === "" ? more : `${this.#fieldValue} ${more}`;
  }

  #appendField(): void {
    if (this.#fieldName === "") return;
    (this.#state === "HEADERS" ? this.#headers : this.#trailers).append(this.#fieldName, this.#fieldValue);
    this.#fieldName = "";
    this.#fieldValue = "";
  }

  #parseStatusLine(line: string): void {
    const m = splitStatusLine(line);
    if (!m) throw notHttp1(`invalid status line ${quote(line)}`);
    const [major, minor, status, reason] = m;
    // "HTTP/2 200" or "HTTP/2.0 200" on this HTTP/1.1 connection: a server misstating its version, which
    // curl 7.88 accepts with the status as sent. The bytes can only be HTTP/1.1's, and so is the framing.
    this.#misversioned = major === "2" && minor === "0";
    if (!this.#misversioned && (major !== "1" || (minor !== "0" && minor !== "1")))
      throw notHttp1(`unsupported HTTP version HTTP/${major}.${minor} in status line`);
    this.#version = minor === "1" || this.#misversioned ? "1.1" : "1.0";
    this.#status = Number(status);
    if (this.#status < 100) throw notHttp1(`invalid status code ${status}`);
    this.#statusText = (reason ?? "").trim();
    this.#headers = new Headers();
  }

  #endOfHead(): void {
    const head: ResponseHead = {
      version: this.#version,
      status: this.#status,
      statusText: this.#statusText,
      headers: this.#headers,
      headerBytes: this.#headBytes,
    };
    this.#headBytes = 0;
    if (this.#status < 200) {
      // We never ask to upgrade, so a 101 would switch to a protocol we cannot speak.
      if (this.#status === 101) throw weird("unexpected 101 Switching Protocols");
      this.#state = "STATUS_LINE";
      this.#headers = NO_LINES; // no final head begun yet
      this.#events.onInformational?.(head);
      return;
    }
    this.#head = head;
    this.#decideBody();
    this.#events.onHead(head);
    if (this.#bodyMode === "none" || (this.#bodyMode === "length" && this.#remaining === 0)) this.#complete();
  }

  /** RFC 9112 section 6.3, for responses. */
  #decideBody(): void {
    const headers = this.#headers;
    const status = this.#status;
    const length = this.#ignoreLength ? null : parseContentLength(headers.valuesOf("content-length"));
    const codings = transferCodings(headers.valuesOf("transfer-encoding"));

    this.#keepAlive =
      this.#version === "1.1" ? !headers.hasToken("connection", "close") : headers.hasToken("connection", "keep-alive");
    // Nor is a server that misstates its version trusted with a second request.
    if (this.#misversioned) this.#keepAlive = false;

    const noBody =
      this.#method === "HEAD" ||
      status === 204 ||
      status === 304 ||
      (this.#method === "CONNECT" && status >= 200 && status < 300);
    if (noBody) {
      this.#bodyMode = "none";
      this.#expected = 0;
      return;
    }
    if (codings.length > 0) {
      // transferCodings() accepts only "chunked" (last), so a coded body is always chunked here.
      this.#bodyMode = "chunked";
      this.#state = "CHUNK_SIZE";
      this.#expected = null;
      // Both framings present smells of request smuggling; do not reuse the connection (RFC 9112 6.1).
      if (length !== null) this.#keepAlive = false;
      return;
    }
    if (length !== null) {
      this.#bodyMode = "length";
      this.#state = "BODY_LENGTH";
      this.#expected = length;
      this.#remaining = length;
      return;
    }
    this.#bodyMode = "close";
    this.#state = "BODY_CLOSE";
    this.#expected = null;
    this.#keepAlive = false;
  }

  #endOfTrailers(): void {
    if (this.#trailers.entries().length > 0) this.#events.onTrailers?.(this.#trailers);
    this.#complete();
  }

  #complete(): void {
    this.#state = "DONE";
    this.#events.onComplete();
  }
}

/**
 * line[from..] without the spaces and tabs around it (RFC 9110 OWS), by hand: a regular expression's
 * replace is compiled at its first use in a process, 0.05 ms of every download's first head.
 */
function withoutOws(line: string, from: number): string {
  let start = from;
  let end = line.length;
  while (start < end && (line.charCodeAt(start) === 32 || line.charCodeAt(start) === 9)) start++;
  while (end > start && (line.charCodeAt(end - 1) === 32 || line.charCodeAt(end - 1) === 9)) end--;
  return line.slice(start, end);
}

/**
 * "HTTP/d.d ddd", then nothing or a space or tab and the reason phrase (no CR in it): the version's two
 * digits, the status and the reason, or null when the line is not that. "HTTP/2 ddd" is read as "HTTP/2.0".
 */
function splitStatusLine(line: string): [string, string, string, string | undefined] | null {
  if (line.length < 12 || !line.startsWith("HTTP/") || line[6] !== "." || line[8] !== " ")
    return line.startsWith("HTTP/2 ") ? splitStatusLine(`HTTP/2.0${line.slice(6)}`) : null;
  if (!isDigits(line[5]!) || !isDigits(line[7]!) || !isDigits(line.slice(9, 12))) return null;
  if (line.length === 12) return [line[5]!, line[7]!, line.slice(9, 12), undefined];
  if ((line[12] !== " " && line[12] !== "\t") || line.includes("\r", 13)) return null;
  return [line[5]!, line[7]!, line.slice(9, 12), line.slice(13)];
}

/** The headers of a section not begun yet: never appended to (a line is parsed only inside a section). */
const NO_LINES = new Headers();

/**
 * The name of "Name : value" (spaces or tabs before the colon), which RFC 9112 5.1 has a server refuse in a
 * request; in a response curl 7.88 reads on, so the field is "Name". Not for Content-Length and
 * Transfer-Encoding: curl takes "Content-Length :" for another header and ignores it, a reader that strips
 * the space frames the body by it, and that disagreement is how request smuggling starts.
 */
function nameBeforeWhitespace(raw: string): string {
  let end = raw.length;
  while (end > 0 && (raw.charCodeAt(end - 1) === 32 || raw.charCodeAt(end - 1) === 9)) end--;
  const name = raw.slice(0, end);
  if (end === raw.length || !isToken(name)) throw weird(`invalid header name ${quote(raw)}`);
  if (isFramingHeader(name)) throw weird(`whitespace before the colon of ${name}`);
  return name;
}

const isFramingHeader = (name: string) => {
  const lower = name.toLowerCase();
  return lower === "content-length" || lower === "transfer-encoding";
};

/** The single Content-Length all values agree on ("5, 5" is allowed), or null when absent. */
export function parseContentLength(values: readonly string[]): number | null {
  let result: number | null = null;
  for (const value of values)
    for (const item of value.split(",")) {
      const text = item.trim();
      if (!isDigits(text)) throw weird(`invalid Content-Length ${quote(value)}`);
      const n = Number(text);
      if (!Number.isSafeInteger(n)) throw weird(`Content-Length too large: ${text}`);
      if (result !== null && n !== result) throw weird("conflicting Content-Length values");
      result = n;
    }
  return result;
}

/**
 * The Content-Length of a head the parser accepted ("5, 5" is 5), or null when absent or unusable. What the
 * engine reads for sizes: `Number()` of the raw value made "5, 5" NaN, and a download then ended with "NaN
 * bytes missing" (exit 18) after a body that had all its bytes.
 */
export function contentLengthOf(headers: HeaderList): number | null {
  if (!headers.has("content-length")) return null;
  try {
    return parseContentLength(headers.getAll("content-length"));
  } catch {
    return null;
  }
}

/** Transfer codings in order, "identity" dropped; anything but "chunked" last is refused. */
function transferCodings(values: readonly string[]): string[] {
  // Loops, not flatMap/map/filter: those builtins are compiled at their first call in a process, and every
  // response (most without Transfer-Encoding) comes here: flatMap alone was 0.07 ms of a one-file download.
  const codings: string[] = [];
  for (const v of values)
    for (const part of v.split(",")) {
      const c = part.trim().toLowerCase();
      if (c !== "" && c !== "identity") codings.push(c);
    }
  for (let i = 0; i < codings.length; i++) {
    const coding = codings[i]!;
    if (coding === "chunked" && i !== codings.length - 1) throw badCoding("chunked is not the last transfer coding");
    if (coding !== "chunked") throw badCoding(`unsupported transfer coding ${quote(coding)}`);
  }
  return codings;
}

function formatSize(bytes: number): string {
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}
