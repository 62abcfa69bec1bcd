// URL handling: what we accept on the command line and in Location headers, and how a URL or a
// server-suggested name becomes a safe local file name.

import { FetchxError } from "../errors.ts";

export interface ParsedUrl {
  /** The URL without credentials (safe to print). */
  url: URL;
  /** Host name or IP literal; IPv6 without brackets. */
  host: string;
  port: number;
  /** origin-form request target: path and query, never the fragment. */
  target: string;
  secure: boolean;
  /** Percent-decoded "user:password" (or "user") from the URL's userinfo. */
  user?: string;
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// WHATWG parsing would silently drop tabs and newlines; a URL containing them is a mistake.
const CONTROL_OR_SPACE = /[\x00-\x20\x7f]/;

export function parseUrl(input: string): ParsedUrl {
  if (input === "") throw new FetchxError("BAD_URL", "empty URL");
  if (CONTROL_OR_SPACE.test(input)) throw new FetchxError("BAD_URL", `URL contains whitespace or control characters: ${JSON.stringify(input)}`);
  const scheme = SCHEME.exec(input)?.[1]?.toLowerCase();
  // Like curl, a URL without "scheme://" is taken as http.
  const text = scheme === undefined ? `http://${input}` : input;
  if (scheme !== undefined) checkProtocol(scheme);
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new FetchxError("BAD_URL", `malformed URL ${JSON.stringify(input)}`, { cause: err });
  }
  return describe(url);
}

/** The URL a Location header points to, resolved against the request URL (RFC 9110 10.2.2). */
export function resolveRedirect(base: URL, location: string): URL {
  const trimmed = location.trim();
  if (trimmed === "" || /[\x00-\x1f\x7f]/.test(trimmed))
    throw new FetchxError("BAD_URL", `invalid redirect location ${JSON.stringify(location)}`);
  let url: URL;
  try {
    url = new URL(trimmed, base);
  } catch (err) {
    throw new FetchxError("BAD_URL", `invalid redirect location ${JSON.stringify(location)}`, { cause: err });
  }
  checkProtocol(url.protocol.slice(0, -1));
  // A redirect without a fragment inherits the original one (RFC 9110 10.2.2).
  if (url.hash === "" && base.hash !== "" && !trimmed.includes("#")) url.hash = base.hash;
  return url;
}

function checkProtocol(scheme: string): void {
  const s = scheme.toLowerCase();
  if (s !== "http" && s !== "https")
    throw new FetchxError("UNSUPPORTED_PROTOCOL", `protocol "${s}" not supported`);
}

function describe(url: URL): ParsedUrl {
  checkProtocol(url.protocol.slice(0, -1));
  if (url.hostname === "") throw new FetchxError("BAD_URL", `no host in URL ${JSON.stringify(url.href)}`);
  const secure = url.protocol === "https:";
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === "" ? (secure ? 443 : 80) : Number(url.port);
  let user: string | undefined;
  if (url.username !== "" || url.password !== "") {
    try {
      user = decodeURIComponent(url.username) + (url.password !== "" ? `:${decodeURIComponent(url.password)}` : "");
    } catch (err) {
      throw new FetchxError("BAD_URL", "malformed percent-encoding in URL credentials", { cause: err });
    }
    url.username = "";
    url.password = "";
  }
  const target = (url.pathname || "/") + url.search;
  return user === undefined ? { url, host, port, target, secure } : { url, host, port, target, secure, user };
}

/** The last path segment, percent-decoded and sanitised; null for "/" or when nothing usable remains. */
export function fileNameFromUrl(url: URL): string | null {
  const segment = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  if (segment === "") return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    decoded = segment;
  }
  return sanitizeFileName(decoded);
}

// NAME_MAX on Linux file systems is 255 bytes; leave room for the ".part" suffix of downloads in progress.
const MAX_NAME_BYTES = 200;
const MAX_EXTENSION_CHARS = 16;
// C0/C1 controls, DEL, and bidirectional overrides that make "gpj.exe" display as "exe.jpg".
const UNSAFE_CHARS = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A name that is safe to create in the output directory: the part after the last "/" or "\",
 * without control characters, leading dots or surrounding spaces, at most 200 UTF-8 bytes.
 * Null when nothing usable remains ("", ".", "..", "../").
 */
export function sanitizeFileName(name: string): string | null {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  const cleaned = base
    .replace(UNSAFE_CHARS, "")
    .trim()
    .replace(/^\.+/, "")
    .trim();
  if (cleaned === "") return null;
  return truncateName(cleaned);
}

function truncateName(name: string): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most names need no encoding to be known short enough.
  if (name.length * 3 <= MAX_NAME_BYTES) return name;
  const encoder = new TextEncoder();
  if (encoder.encode(name).length <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 && name.length - dot <= MAX_EXTENSION_CHARS ? name.slice(dot) : "";
  const budget = MAX_NAME_BYTES - encoder.encode(ext).length;
  let stem = "";
  let bytes = 0;
  for (const ch of name.slice(0, name.length - ext.length)) {
    const size = encoder.encode(ch).length;
    if (bytes + size > budget) break;
    stem += ch;
    bytes += size;
  }
  return stem + ext;
}
