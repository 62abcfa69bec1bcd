// URL handling: what we accept on the command line and in Location headers, and how a URL or a
// server-suggested name becomes a safe local file name.

import { FetchxError } from "../errors.ts";
import { hasControlOrSpace, schemeOf } from "./chars.ts";

export interface ParsedUrl {
  /** The URL without credentials (safe to print). */
  url: URL;
  /** Host name or IP literal; IPv6 without brackets and without its zone. In lower case. */
  host: string;
  /** The host name as written when only its case differs from `host`: curl sends it so ("Host: LOCALHOST"). */
  hostWritten?: string;
  /** RFC 6874 zone id of an IPv6 literal ("eth0" from "[fe80::1%25eth0]"), as given: the interface
   *  (or its number) that a link-local address is reached through. Never in the Host header. */
  zone?: string;
  /** The URL as text, zone included, without credentials: what -w %{url_effective} and traces show. */
  href: string;
  port: number;
  /** origin-form request target: path and query, never the fragment. */
  target: string;
  secure: boolean;
  /** Percent-decoded "user:password" (or "user") from the URL's userinfo. */
  user?: string;
}

/** Whether `url` is a file:// URL (transfer/local-file.ts reads those; parseUrl takes http and https only). */
export const isFileUrl = (url: string) => url.length > 5 && url.charCodeAt(4) === 58 /* : */ && url.slice(0, 4).toLowerCase() === "file";

/** The URL object of a URL given, for naming its file (-O): parseUrl's, or WHATWG's for a file:// URL. */
export const urlObject = (text: string): URL => (isFileUrl(text) ? new URL(text) : parseUrl(text).url);

/** curl reads "http:/host" as "http://host"; "http:host" and "http:\\host" are malformed (its 3), not a host named "http". */
function withTwoSlashes(given: string): string {
  const oneSlash = /^(https?):\/(?!\/)/i.exec(given);
  return oneSlash ? `${oneSlash[1]}://${given.slice(oneSlash[0].length)}` : given;
}

export function parseUrl(given: string): ParsedUrl {
  if (given === "") throw new FetchxError("BAD_URL", "empty URL");
  const input = withTwoSlashes(given);
  // WHATWG parsing would silently drop tabs and newlines; a URL containing them is a mistake.
  if (hasControlOrSpace(input)) throw new FetchxError("BAD_URL", `URL contains whitespace or control characters: ${JSON.stringify(input)}`);
  const scheme = schemeOf(input)?.toLowerCase();
  if (scheme === undefined && /^https?:/i.test(input)) throw new FetchxError("BAD_URL", `malformed URL ${JSON.stringify(input)}: "${input.slice(0, input.indexOf(":") + 1)}" is not followed by "//"`);
  // Like curl, a URL without "scheme://" is taken as http.
  const withScheme = scheme === undefined ? `http://${input}` : input;
  // WHATWG reads "\\" as "/" in an http(s) path, so "/a\\b" would be /a/b: %5C for the parser (the request
  // sends the byte, as curl: withWrittenTarget).
  const pathAt = withScheme.indexOf("/", withScheme.indexOf("://") + 3);
  const text = pathAt > 0 && withScheme.includes("\\", pathAt) ? withScheme.slice(0, pathAt) + withScheme.slice(pathAt).replaceAll("\\", "%5C") : withScheme;
  if (scheme !== undefined) checkProtocol(scheme);
  const { rest, zone } = takeZone(text, input);
  const host = hostOf(rest);
  if (host && hasBadHostChar(host.name)) throw new FetchxError("BAD_URL", `malformed URL ${JSON.stringify(input)}: bad host name ${JSON.stringify(host.name)}`);
  let url: URL;
  try {
    url = new URL(rest);
  } catch (err) {
    // A host curl takes and the URL parser refuses ("a|b", "999.1.1.1", "1.2.3.4.5", "host%25eth0") is a
    // name to curl, handed to the resolver, which finds nothing (exit 6); when the URL is bad with another
    // host, something else is wrong with it.
    if (host?.name && URL.canParse(rest.slice(0, host.at) + "h" + rest.slice(host.end))) {
      const hint = host.name.includes("%") ? " (a zone id goes on an IPv6 address in brackets: http://[fe80::1%25eth0]/)" : "";
      throw new FetchxError("RESOLVE", `could not resolve host "${host.name}"${hint}`, { cause: err, retryable: false });
    }
    throw new FetchxError("BAD_URL", `malformed URL ${JSON.stringify(input)}`, { cause: err });
  }
  // "1.2.3.4." is that address to the URL parser, a name to curl (its ipv4_normalize wants no trailing dot).
  if (host?.name.endsWith(".") && IPV4.test(url.hostname)) throw new FetchxError("RESOLVE", `could not resolve host "${host.name}"`, { retryable: false });
  const parsed = withHostWritten(describe(url), hostIn(rest));
  if (zone === undefined) return parsed;
  return { ...parsed, zone, href: withZone(parsed.href, zone) };
}

/**
 * The host of "scheme://..." as curl 7.88 reads it (lib/urlapi.c): up to "/", "?" or "#" (a "\\" is part of
 * it), after the last "@", before the port, percent-decoded; its place in `text`. Undefined for an IPv6
 * literal.
 */
function hostOf(text: string): { name: string; at: number; end: number } | undefined {
  const authority = text.indexOf("//") + 2;
  const after = text.slice(authority).search(/[/?#]/);
  const end = after < 0 ? text.length : authority + after;
  const at = text.lastIndexOf("@", end - 1) + 1 || authority;
  if (text[at] === "[") return undefined;
  const colon = text.lastIndexOf(":", end - 1);
  const hostEnd = colon >= at ? colon : end;
  const name = text.slice(at, hostEnd).replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return { name, at, end: hostEnd };
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/** Whether a host name has a character curl 7.88 refuses in one (its hostname_check, and a control character its decoding refuses: exit 3). */
const hasBadHostChar = (name: string): boolean => /[\x00-\x20\x7f/:#?!@{}[\]\\$'"^`*<>=;,+&()]/.test(name);

// The host of "scheme://[userinfo@]host..." or "//host...": up to the port, path, query or fragment.
const WRITTEN_HOST = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?[\\/]{2}(?:[^/?#\\]*@)?([^/?#\\:[\]]*)/;

/** The host name of `text` as written, or undefined (no authority, or an IPv6 literal). */
const hostIn = (text: string): string | undefined => WRITTEN_HOST.exec(text)?.[1];

/**
 * `parsed` keeping the case of the host as `written` (the URL parser lowers it), in its href too: curl
 * keeps a host name's case in Host, in a proxy's request line and in %{url_effective}.
 */
function withHostWritten(parsed: ParsedUrl, written: string | undefined): ParsedUrl {
  // ASCII only: IDNA maps a few other characters to ASCII letters (the Kelvin sign to "k").
  if (written === undefined || written === parsed.host || written.toLowerCase() !== parsed.host || !/^[\x21-\x7e]+$/.test(written)) return parsed;
  const at = parsed.href.indexOf(`//${parsed.host}`) + 2;
  return { ...parsed, hostWritten: written, href: parsed.href.slice(0, at) + written + parsed.href.slice(at + written.length) };
}

/**
 * `parsed` sending the path and query of `input` as written, as curl 7.88 sends them: the URL parser
 * percent-encodes '"<>`^{}\\ (some in the path only, "'" in the query only) and resolves "%2e" segments,
 * where curl sends those bytes as they are and resolves only the literal "." and ".." (none with
 * --path-as-is, `asIs`). Non-ASCII is sent as UTF-8: percent-encoded in lower case in the path, raw in
 * the query. %{url_effective} shows the same path and query.
 */
export function withWrittenTarget(parsed: ParsedUrl, input: string, asIs = false): ParsedUrl {
  const written = writtenTarget(input);
  const path = (asIs ? written.path : withoutDotSegments(written.path)).replace(NON_ASCII, percentEncoded);
  const target = (path || "/") + written.query;
  if (target === parsed.target) return parsed;
  const { hash } = parsed.url;
  const tail = parsed.target + hash;
  const href = parsed.href.endsWith(tail) ? parsed.href.slice(0, parsed.href.length - tail.length) + target + hash : parsed.href;
  return { ...parsed, target, href };
}

/** The path (from the authority's end to "?" or "#") and the query (with its "?", to "#") of `input` as written. */
function writtenTarget(input: string): { path: string; query: string } {
  const text = withTwoSlashes(input);
  const full = schemeOf(text) === undefined ? `http://${text}` : text;
  const rest = full.slice(full.indexOf("//") + 2);
  const authorityEnd = rest.search(/[/?#]/);
  if (authorityEnd < 0) return { path: "", query: "" };
  const hash = rest.indexOf("#", authorityEnd);
  const tail = rest.slice(authorityEnd, hash < 0 ? rest.length : hash);
  const q = tail.indexOf("?");
  return q < 0 ? { path: tail, query: "" } : { path: tail.slice(0, q), query: tail.slice(q) };
}

/** `path` with its "." and ".." segments resolved (RFC 3986 5.2.4), as curl's dedotdotify: literal ones only. */
function withoutDotSegments(path: string): string {
  if (!path.includes(".")) return path;
  const given = path.split("/").slice(1);
  const kept: string[] = [];
  for (const [i, seg] of given.entries()) {
    const last = i === given.length - 1;
    if (seg === "." || seg === "..") {
      if (seg === "..") kept.pop();
      if (last) kept.push(""); // "/a/.." is "/", "/a/b/." is "/a/b/"
    } else kept.push(seg);
  }
  return `/${kept.join("/")}`;
}

const NON_ASCII = /[^\x00-\x7f]+/g;
const utf8 = new TextEncoder();
/** Each UTF-8 byte of `text` as "%xx", in lower case as curl writes them. */
const percentEncoded = (text: string) => Array.from(utf8.encode(text), (b) => `%${b.toString(16)}`).join("");

// RFC 6874 zone ids ("[fe80::1%25eth0]"): Bun's URL (WHATWG) rejects them, so the zone is taken out before
// parsing and put back in the text shown. As curl 7.88 (lib/urlapi.c, ipv6_parse): "%25" then the zone, or a
// bare "%" (the older syntax, so "[fe80::1%25]" is zone "25"); at most 15 characters (IFNAMSIZ - 1), kept as
// given, not percent-decoded; an empty zone is a bad URL. The scheme is optional for a redirect's "//host".
const ZONE = /^((?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/(?:[^/?#\\]*@)?\[[0-9A-Fa-f:.]+)%([^\]/?#\\]*)\]/;
const MAX_ZONE = 15;

/** The URL text without its IPv6 zone id, and the zone; BAD_URL for an empty or too long one. */
export function takeZone(text: string, shown: string): { rest: string; zone?: string } {
  const m = text.includes("%") ? ZONE.exec(text) : null;
  if (!m) return { rest: text };
  const given = m[2]!;
  const zone = given.startsWith("25") && given.length > 2 ? given.slice(2) : given;
  if (zone === "" || zone.length > MAX_ZONE)
    throw new FetchxError("BAD_URL", `malformed URL ${JSON.stringify(shown)}: the IPv6 zone id must have 1 to ${MAX_ZONE} characters`);
  return { rest: `${m[1]}]${text.slice(m[0].length)}`, zone };
}

/** The href with "%25zone" put back into its IPv6 literal (the first "[": userinfo has it percent-encoded). */
const withZone = (href: string, zone: string | undefined) => (zone === undefined ? href : href.replace("]", `%25${zone}]`));

/**
 * The URL a Location header points to, resolved against the request URL (RFC 9110 10.2.2), as text for
 * parseUrl. A Location without an authority stays on the base's host, and so in its zone.
 */
export function resolveRedirect(base: ParsedUrl, location: string): string {
  const trimmed = location.trim();
  if (trimmed === "" || /[\x00-\x1f\x7f]/.test(trimmed))
    throw new FetchxError("BAD_URL", `invalid redirect location ${JSON.stringify(location)}`);
  const { rest, zone } = takeZone(trimmed, location);
  let url: URL;
  try {
    url = new URL(rest, base.url);
  } catch (err) {
    throw new FetchxError("BAD_URL", `invalid redirect location ${JSON.stringify(location)}`, { cause: err });
  }
  checkProtocol(url.protocol.slice(0, -1));
  // A redirect without a fragment inherits the original one (RFC 9110 10.2.2).
  if (url.hash === "" && base.url.hash !== "" && !trimmed.includes("#")) url.hash = base.url.hash;
  const authority = /^([A-Za-z][A-Za-z0-9+.-]*:)?[\\/]{2}/.test(trimmed);
  // The host's case goes on as written: the Location's, or the base's for a Location without a host.
  const written = authority ? hostIn(rest) : base.hostWritten;
  const href = written !== undefined && written.toLowerCase() === url.hostname ? url.href.replace(`//${url.hostname}`, `//${written}`) : url.href;
  return withZone(href, zone ?? (authority ? undefined : base.zone));
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
  // An empty query ("/a?") is sent as given, as curl sends it: WHATWG's search is "" for it as for none.
  const emptyQuery = url.search === "" && url.href.slice(0, url.href.length - url.hash.length).endsWith("?");
  const target = (url.pathname || "/") + (emptyQuery ? "?" : url.search);
  const href = url.href;
  return user === undefined ? { url, host, port, target, secure, href } : { url, host, port, target, secure, href, user };
}

/**
 * The last path segment as written in the URL, sanitised; null for "/" or when nothing usable remains.
 * Not percent-decoded, as curl's -O: "a%20b.tgz" is saved as "a%20b.tgz" (scripts name the file that way
 * afterwards), and "%2F" stays three characters of the name, never a directory.
 */
export function fileNameFromUrl(url: URL): string | null {
  const segment = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  if (segment === "") return null;
  return sanitizeFileName(segment);
}

// NAME_MAX on Linux file systems is 255 bytes; leave room for what fetchx writes beside NAME while it
// downloads (NAME.fetchx.tmp, 11 bytes more): a remote name up to 244 bytes is kept as curl keeps it.
const MAX_NAME_BYTES = 244;
const MAX_EXTENSION_CHARS = 16;
// C0/C1 controls, DEL, and bidirectional overrides that make "gpj.exe" display as "exe.jpg".
const UNSAFE_CHARS = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A name that is safe to create in the output directory: the part after the last "/" or "\",
 * without control characters, leading dots or surrounding spaces, at most 244 UTF-8 bytes.
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
