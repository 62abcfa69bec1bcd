// Character checks of HTTP and URL text, as loops over char codes. Each was a regular expression; in a
// compiled binary a regular expression costs 15-70 us at its first use (it is compiled then), and one small
// download met a dozen of them once each, about 0.3 ms of its run (bench/one-file.ts).

/** tchar of RFC 9110 5.6.2: ALPHA / DIGIT / "!#$%&'*+-.^_`|~". */
const TCHAR = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;

/**
 * Tokens already checked: header names repeat from one response to the next (a -Z run of 400 files checked
 * the same ten names 4,000 times, a loop over their characters each time). At most TOKENS_KEPT are kept.
 */
const knownTokens = new Set<string>();
const TOKENS_KEPT = 256;

/** A non-empty token (a method, a header name). */
export function isToken(s: string): boolean {
  if (knownTokens.has(s)) return true;
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  if (knownTokens.size < TOKENS_KEPT) knownTokens.add(s);
  return true;
}

/** Whether `s` has a space, a C0 control character or DEL. */
export function hasControlOrSpace(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Whether `s` has a CR, LF or NUL: what would end a header line early on the wire. */
export const hasLineBreakOrNul = (s: string): boolean => s.includes("\r") || s.includes("\n") || s.includes("\0");

/** One or more ASCII digits, nothing else. */
export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** Whether s[at] is an ASCII letter (a) or digit (d). */
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** The scheme of "scheme://..." as written (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )), else undefined. */
export function schemeOf(s: string): string | undefined {
  if (s.length === 0 || !isAlpha(s.charCodeAt(0))) return undefined;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isAlpha(c) || isDigit(c) || c === 0x2b || c === 0x2d || c === 0x2e) continue;
    return c === 0x3a && s.startsWith("//", i + 1) ? s.slice(0, i) : undefined;
  }
  return undefined;
}

/**
 * `bytes[0, end)` as Latin-1 text, one character per byte (exact for every byte, unlike a TextDecoder's
 * "latin1", which is windows-1252). Through Buffer's native latin1Slice, called on the plain Uint8Array:
 * `Buffer.from(...).toString("latin1")` ran Buffer.from's JavaScript, 0.1-0.25 ms at its first call in a
 * compiled binary; String.fromCharCode.apply was cheap once but slow per call (about 1 us a header line).
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;
export const latin1 = (bytes: Uint8Array, end = bytes.length): string => latin1Slice.call(bytes, 0, end);

/** `bytes[start, end)` as Latin-1 text (as latin1), without a view of the range first. */
export const latin1Range = (bytes: Uint8Array, start: number, end: number): string => latin1Slice.call(bytes, start, end);
