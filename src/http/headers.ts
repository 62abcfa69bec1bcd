// Response header storage and the small parsers for header values that the transfer layer reads
// (Content-Range, Content-Disposition, Retry-After, ETag).

import { latin1 } from "./chars.ts";
import type { HeaderList, ResponseHead } from "./types.ts";

const NONE: readonly string[] = Object.freeze([]);

/** Header lines in arrival order with case-insensitive lookup. Names keep the server's spelling. */
export class Headers implements HeaderList {
  readonly #lines: [string, string][] = [];
  readonly #byName = new Map<string, string[]>();

  constructor(lines: Iterable<[string, string]> = []) {
    for (const [name, value] of lines) this.append(name, value);
  }

  append(name: string, value: string): void {
    this.#lines.push([name, value]);
    const key = name.toLowerCase();
    const values = this.#byName.get(key);
    if (values) values.push(value);
    else this.#byName.set(key, [value]);
  }

  get(name: string): string | undefined {
    const key = name.toLowerCase();
    const values = this.#byName.get(key);
    if (!values) return undefined;
    // Set-Cookie values contain commas of their own (dates), so joining them would corrupt them.
    if (key === "set-cookie" || values.length === 1) return values[0];
    return values.join(", ");
  }

  getAll(name: string): string[] {
    return [...this.valuesOf(name)];
  }

  /** The values of `name` as kept (not a copy: for reading only). */
  valuesOf(name: string): readonly string[] {
    return this.#byName.get(name.toLowerCase()) ?? NONE;
  }

  has(name: string): boolean {
    return this.#byName.has(name.toLowerCase());
  }

  entries(): [string, string][] {
    return this.#lines.map(([n, v]) => [n, v]);
  }

  /** True when the comma-separated list header `name` contains `token` (case-insensitive). */
  hasToken(name: string, token: string): boolean {
    const wanted = token.toLowerCase();
    for (const value of this.valuesOf(name))
      for (const item of value.split(",")) if (item.trim().toLowerCase() === wanted) return true;
    return false;
  }
}

/**
 * A caller's header value that sends the header with nothing after its colon (curl's -H "Name;"): an
 * empty value removes the header instead. Any value of spaces only is sent that way.
 */
export const EMPTY_VALUE = " ";

/**
 * A caller's header as curl's -H gives it: the name, and the value trimmed for fetchx to read (Host, Range,
 * Content-Type, Referer...); `sent` is the text after the colon as written, which goes on the wire as it is
 * (curl 7.88 sends -H "X:   v  " and -H "X:v" byte for byte).
 */
export type GivenHeader = [name: string, value: string] & { sent: string };

export const givenHeader = (name: string, value: string, sent: string): GivenHeader => Object.assign<[string, string], { sent: string }>([name, value], { sent });

/** What follows "Name:" on the wire: a given header's text as written, else " value" (nothing for EMPTY_VALUE). */
export function sentValue(header: [string, string]): string {
  const sent = (header as Partial<GivenHeader>).sent;
  if (sent !== undefined) return sent;
  return header[1].trim() === "" ? "" : ` ${header[1]}`;
}

/**
 * `ours` with `theirs` (a caller's -H, --proxy-header) after them, as curl orders them: a name of theirs
 * replaces ours of that name, an empty value only removes it. A new list when `theirs` has any.
 */
export function withHeaders(ours: [string, string][], theirs: [string, string][] | undefined): [string, string][] {
  if (!theirs?.length) return ours;
  const named = new Set(theirs.map(([k]) => k.toLowerCase()));
  return [...ours.filter(([k]) => !named.has(k.toLowerCase())), ...theirs.filter(([, v]) => v !== "")];
}

/** The response head as text, as received (curl -i, -I); a file:// URL's made-up head has no status line. */
export function headText(head: ResponseHead): string {
  // Latin-1: one character per byte, written back out as the same bytes (UTF-8 in a value stays UTF-8).
  if (head.raw) return Buffer.from(head.raw.buffer, head.raw.byteOffset, head.raw.byteLength).toString("latin1");
  let s = head.status === 0 ? "" : `HTTP/${head.version} ${head.status} ${head.statusText}\r\n`;
  for (const [k, v] of head.headers.entries()) s += `${k}: ${v}\r\n`;
  return s + "\r\n";
}

export interface ContentRange {
  start: number;
  end: number;
  /** null when the server sent "*" (length unknown). */
  total: number | null;
}

const DIGITS = /^\d{1,16}$/;

/** "bytes 0-499/1234" or "bytes 0-499/*". Anything else (including the 416 form "bytes * /1234") is null. */
export function parseContentRange(value: string | undefined): ContentRange | null {
  if (value === undefined) return null;
  const m = /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(value);
  if (!m) return null;
  const [, s, e, t] = m as unknown as [string, string, string, string];
  if (!DIGITS.test(s) || !DIGITS.test(e) || (t !== "*" && !DIGITS.test(t))) return null;
  const start = Number(s);
  const end = Number(e);
  const total = t === "*" ? null : Number(t);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return null;
  if (total !== null && (!Number.isSafeInteger(total) || end >= total)) return null;
  return { start, end, total };
}

/** The complete length from a 416 reply's "bytes * /1234" (written without the space), or null. */
export function parseUnsatisfiedRange(value: string | undefined): number | null {
  if (value === undefined) return null;
  const m = /^\s*bytes\s+\*\/(\d{1,16})\s*$/i.exec(value);
  if (!m) return null;
  const total = Number(m[1]);
  return Number.isSafeInteger(total) ? total : null;
}

/**
 * The file name a Content-Disposition header suggests, unsanitised. `filename*` (RFC 5987/8187,
 * UTF-8 or ISO-8859-1) wins over `filename`. Returns null when neither is present or decodable.
 */
export function parseContentDisposition(value: string | undefined): string | null {
  if (value === undefined) return null;
  const params = parseParameters(value);
  const extended = params.get("filename*");
  if (extended !== undefined) {
    const decoded = decodeExtValue(extended);
    if (decoded) return decoded;
  }
  const plain = params.get("filename");
  if (plain === undefined || plain === "") return null;
  return latin1AsUtf8(plain);
}

/** Splits `type; a=b; c="d e"` into lower-cased parameter names and unquoted values (first wins). */
function parseParameters(value: string): Map<string, string> {
  const params = new Map<string, string>();
  let i = value.indexOf(";");
  if (i < 0) return params;
  while (i < value.length) {
    i++; // past ';'
    while (i < value.length && (value[i] === " " || value[i] === "\t")) i++;
    const eq = value.indexOf("=", i);
    const semi = value.indexOf(";", i);
    if (eq < 0 || (semi >= 0 && semi < eq)) {
      if (semi < 0) break;
      i = semi;
      continue;
    }
    const name = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < value.length && (value[i] === " " || value[i] === "\t")) i++;
    let paramValue = "";
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === "\\" && i + 1 < value.length) i++;
        paramValue += value[i];
        i++;
      }
      i++; // closing quote
      const next = value.indexOf(";", i);
      i = next < 0 ? value.length : next;
    } else {
      const end = value.indexOf(";", i);
      paramValue = value.slice(i, end < 0 ? value.length : end).trim();
      i = end < 0 ? value.length : end;
    }
    if (name && !params.has(name)) params.set(name, paramValue);
  }
  return params;
}

/** RFC 8187 ext-value: charset'language'percent-encoded. */
function decodeExtValue(ext: string): string | null {
  const m = /^([A-Za-z0-9!#$%&+^_`{}~-]+)'[^']*'(.*)$/.exec(ext);
  if (!m) return null;
  const charset = m[1]!.toLowerCase();
  const encoded = m[2]!;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c < 0x80) bytes.push(c);
    else return null; // attr-char is ASCII only
  }
  const raw = Uint8Array.from(bytes);
  try {
    if (charset === "utf-8") return new TextDecoder("utf-8", { fatal: true }).decode(raw) || null;
    if (charset === "iso-8859-1") return latin1(raw) || null;
  } catch {
    return null;
  }
  return null;
}

/** Header text is decoded as Latin-1 (byte per char); many servers send UTF-8 in `filename=`, so
 *  reinterpret it when the bytes form valid UTF-8. */
export function latin1AsUtf8(text: string): string {
  if (!/[\x80-\xff]/.test(text) || /[^\x00-\xff]/.test(text)) return text;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(text, "latin1"));
  } catch {
    return text;
  }
}

/** Retry-After as seconds from `now` (ms since epoch): delta-seconds or an HTTP-date. Past dates give 0. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds) ? seconds : null;
  }
  // Require a weekday-prefixed or RFC 850/asctime style date, so plain words do not parse as dates.
  if (!/^[A-Za-z]{3}/.test(text)) return null;
  const when = Date.parse(text);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - now) / 1000));
}

/** A strong validator is a quoted entity-tag without the W/ prefix; only those are safe for If-Range. */
export function isStrongEtag(value: string | undefined): boolean {
  if (value === undefined) return false;
  // A loop, not a regular expression: every download with an ETag asks (chars.ts says why).
  const v = value.trim();
  if (v.length < 2 || v.charCodeAt(0) !== 0x22 || v.charCodeAt(v.length - 1) !== 0x22) return false;
  for (let i = 1; i < v.length - 1; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x21 || c === 0x22 || c === 0x7f || c > 0xff) return false;
  }
  return true;
}
