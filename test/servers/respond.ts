// Turns a route and one request into the steps the connection sends: head bytes, body pieces (produced
// lazily, so big bodies are never buffered), pauses, and how the exchange ends. Range, If-Range,
// validators, framing, encodings and the faults of faults.ts are all decided here.
import { brotliCompressSync, constants as zlib, gzipSync } from "node:zlib";
import { toSource, materialise, BytesBody, type Body, type BodySource } from "./body.ts";
import { activeFaults, contentVersion, type Fault } from "./faults.ts";

export interface RecordedRequest {
  method: string;
  /** Request target as sent (path and query). */
  path: string;
  /** HTTP version from the request line. */
  version: "1.0" | "1.1";
  /** Lowercased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The request head as received, up to and including the blank line. */
  raw: string;
  /** Request body (Content-Length or chunked). */
  body: Uint8Array;
  /** Which connection (1-based, in accept order) carried it. */
  connection: number;
  /** Milliseconds from the head's arrival to the body's end (a body that waited for a 100 Continue). */
  bodyWaitMs?: number;
}

export type Encoding = "gzip" | "br" | "zstd";

export interface Route {
  body?: Body;
  status?: number;
  /** Extra headers; they replace generated ones of the same name. */
  headers?: Record<string, string>;
  contentType?: string;
  /** How the body's end is marked (default "length"). */
  framing?: "length" | "chunked" | "close";
  /** Honour Range (default true). false: no Accept-Ranges, always 200. */
  ranges?: boolean;
  /** Say "Accept-Ranges: bytes" when honouring Range (default true); false honours Range without saying so. */
  acceptRanges?: boolean;
  /** Strong ETag to send (quoted), false for none; default derived from the content. */
  etag?: string | false;
  /** Last-Modified to send, false for none; default a fixed date (moved on by changing content). */
  lastModified?: string | false;
  /** Answer with a redirect to a path or absolute URL. */
  redirect?: { to: string; status?: number };
  /** Compress the body when the request's Accept-Encoding names it (or always with forceEncoding). */
  encoding?: Encoding;
  forceEncoding?: boolean;
  /** Per-connection send rate while answering this route, bytes per second. */
  rateBytesPerSec?: number;
  faults?: Fault[];
  /**
   * Hostile answers (hostile.ts): these exact bytes are the whole response, sent as they are (no framing,
   * no headers added), then the connection stays open for the next request or ends as `rawEnd` says.
   */
  raw?: Uint8Array | string;
  rawEnd?: "keep" | "close" | "reset";
}

export interface RouteContext {
  req: RecordedRequest;
  /** How many earlier requests this route has answered (0 for the first). */
  count: number;
}

/** A route, or a function choosing one per request (for tests that need custom logic). */
export type RouteSpec = Route | ((ctx: RouteContext) => Route);

export type Step = Uint8Array | { wait: number } | { end: "close" | "reset" | "stall" };

const enc = new TextEncoder();
const BASE_DATE = Date.UTC(2024, 0, 15, 12, 0, 0);

export function* respond(route: Route, ctx: RouteContext, serverKeepAlive: boolean): Generator<Step> {
  const { req, count } = ctx;
  const faults = activeFaults(route.faults, count);
  const connection = req.headers["connection"] ?? "";
  const closeAfter =
    !serverKeepAlive || /\bclose\b/i.test(connection) || (req.version === "1.0" && !/\bkeep-alive\b/i.test(connection));

  if (faults.has("empty-reply")) return yield { end: "close" };
  if (route.raw !== undefined) {
    yield typeof route.raw === "string" ? enc.encode(route.raw) : route.raw;
    if (route.rawEnd === "close" || route.rawEnd === "reset") yield { end: route.rawEnd };
    return;
  }

  const head = (status: number, headers: [string, string][]) => headBytes(status, headers, faults, closeAfter);

  const unavailable = faults.get("unavailable");
  if (unavailable?.kind === "unavailable") {
    const msg = enc.encode("service unavailable\n");
    yield* head(503, [["Retry-After", unavailable.retryAfter ?? "1"], ["Content-Length", String(msg.length)]]);
    if (req.method !== "HEAD") yield msg;
    return yield* finish(closeAfter);
  }

  if (faults.has("redirect-loop") || route.redirect) {
    const to = faults.has("redirect-loop") ? req.path : route.redirect!.to;
    const status = faults.has("redirect-loop") ? 302 : (route.redirect!.status ?? 302);
    yield* head(status, [["Location", to], ["Content-Length", "0"], ...extra(route)]);
    return yield* finish(closeAfter);
  }

  const version = contentVersion(route.faults, count);
  let source: BodySource = toSource(route.body).variant(version);
  const headers: [string, string][] = [["Content-Type", route.contentType ?? "application/octet-stream"]];

  const encoding = route.encoding;
  if (encoding && (route.forceEncoding || acceptsEncoding(req.headers["accept-encoding"], encoding))) {
    source = new BytesBody(compressCached(route.body, version, source, encoding));
    headers.push(["Content-Encoding", encoding], ["Vary", "Accept-Encoding"]);
  }

  const etag = route.etag === false ? undefined : (route.etag ?? autoEtag(source, version, encoding));
  const lastModified =
    route.lastModified === false ? undefined : (route.lastModified ?? new Date(BASE_DATE + version * 3600_000).toUTCString());
  if (etag) headers.push(["ETag", etag]);
  if (lastModified) headers.push(["Last-Modified", lastModified]);

  let status = route.status ?? 200;
  // Conditional requests (RFC 9110 13.1): If-None-Match, If-Modified-Since -> 304; If-Unmodified-Since -> 412.
  if (status === 200 && (req.method === "GET" || req.method === "HEAD")) {
    const inm = req.headers["if-none-match"];
    const ims = Date.parse(req.headers["if-modified-since"] ?? "");
    const ius = Date.parse(req.headers["if-unmodified-since"] ?? "");
    const lm = lastModified ? Date.parse(lastModified) : NaN;
    const notModified = inm !== undefined ? !!etag && inm.split(",").some((t) => t.trim() === etag || t.trim() === "*") : ims >= lm;
    if (notModified) {
      const validators: [string, string][] = [];
      if (etag) validators.push(["ETag", etag]);
      if (lastModified) validators.push(["Last-Modified", lastModified]);
      yield* head(304, [...validators, ...extra(route)]);
      return yield* finish(closeAfter);
    }
    if (ius < lm) {
      yield* head(412, [["Content-Length", "0"], ...extra(route)]);
      return yield* finish(closeAfter);
    }
  }
  let [start, end] = [0, source.size];
  const rangesOn = route.ranges !== false;
  if (rangesOn && route.acceptRanges !== false) headers.push(["Accept-Ranges", "bytes"]);

  const rangeHeader = req.headers["range"];
  if (status === 200 && rangesOn && rangeHeader && !faults.has("ignore-range") && ifRangeHolds(req, etag, lastModified, faults)) {
    const range = parseRange(rangeHeader, source.size);
    if (range === "unsatisfiable") {
      yield* head(416, [["Content-Range", `bytes */${source.size}`], ["Content-Length", "0"], ...extra(route)]);
      return yield* finish(closeAfter);
    }
    if (range) {
      status = 206;
      [start, end] = range;
      const shift = faults.get("wrong-content-range");
      const s = shift?.kind === "wrong-content-range" ? shift.shift : 0;
      headers.push(["Content-Range", `bytes ${start + s}-${end - 1 + s}/${source.size}`]);
    }
  }

  const badChunk = faults.get("bad-chunk");
  const framing = badChunk ? "chunked" : (route.framing ?? "length");
  if (framing === "length") headers.push(["Content-Length", String(end - start)]);
  if (framing === "chunked") headers.push(["Transfer-Encoding", "chunked"]);
  const huge = faults.get("huge-headers");
  if (huge?.kind === "huge-headers") headers.push(["X-Padding", "a".repeat(huge.bytes)]);
  headers.push(...extra(route));

  const mustClose = closeAfter || framing === "close";
  yield* headBytes(status, headers, faults, mustClose);
  if (req.method === "HEAD") return yield* finish(mustClose);

  const cut = faults.get("cut");
  const limit = cut?.kind === "cut" ? cut.afterBytes : badChunk?.kind === "bad-chunk" ? badChunk.afterBytes : Infinity;
  let sent = 0;
  for (const piece of source.slices(start, end)) {
    const take = piece.subarray(0, Math.max(0, Math.min(piece.length, limit - sent)));
    if (take.length) yield framing === "chunked" ? chunk(take) : take;
    sent += take.length;
    if (sent >= limit) break;
  }
  if (cut?.kind === "cut") return yield { end: cut.how };
  if (badChunk) {
    yield enc.encode("zz-not-hex\r\nxxxx\r\n");
    return yield { end: "close" };
  }
  if (framing === "chunked") yield enc.encode("0\r\n\r\n");
  yield* finish(mustClose);
}

function* finish(close: boolean): Generator<Step> {
  if (close) yield { end: "close" };
}

function* headBytes(status: number, headers: [string, string][], faults: Map<string, Fault>, close: boolean): Generator<Step> {
  const all: [string, string][] = [["Server", "fetchx-test"], ["Date", new Date().toUTCString()], ...headers];
  if (close) all.push(["Connection", "close"]);
  // Later entries (route.headers) replace earlier ones of the same name.
  const byName = new Map<string, [string, string]>();
  for (const h of all) byName.set(h[0].toLowerCase(), h);
  const lines = [`HTTP/1.1 ${status} ${REASONS[status] ?? "Status"}`, ...[...byName.values()].map(([k, v]) => `${k}: ${v}`)];
  const slow = faults.get("slow-headers");
  if (slow?.kind !== "slow-headers") return yield enc.encode(lines.join("\r\n") + "\r\n\r\n");
  for (const line of lines) {
    yield enc.encode(line + "\r\n");
    yield { wait: slow.delayMs };
  }
  yield enc.encode("\r\n");
}

const extra = (route: Route): [string, string][] => Object.entries(route.headers ?? {});

function chunk(piece: Uint8Array): Uint8Array {
  const size = enc.encode(piece.length.toString(16) + "\r\n");
  const out = new Uint8Array(size.length + piece.length + 2);
  out.set(size);
  out.set(piece, size.length);
  out.set([13, 10], size.length + piece.length);
  return out;
}

function autoEtag(src: BodySource, version: number, encoding?: string): string {
  const id = src instanceof BytesBody ? Bun.hash(src.data).toString(16) : `g${(src as unknown as { seed: number }).seed}`;
  return `"${src.size.toString(16)}-${id}-v${version}${encoding ? "-" + encoding : ""}"`;
}

/** If-Range: absent, or naming the current strong ETag or exact Last-Modified (RFC 9110 13.1.5). */
function ifRangeHolds(req: RecordedRequest, etag: string | undefined, lastModified: string | undefined, faults: Map<string, Fault>): boolean {
  const v = req.headers["if-range"];
  if (v === undefined) return true;
  if (faults.has("if-range-200")) return false;
  if (v.startsWith('"')) return v === etag;
  if (v.startsWith("W/")) return false;
  return v === lastModified;
}

/**
 * The one Range parser of the tests: the syntax of a single "bytes=first-last" range, positions as written
 * (null where omitted; first null is a suffix range of `last` bytes). null when malformed or multi-range.
 * The server applies it to a size (parseRange); tests read what the client asked with it (transfer.ts).
 */
export function parseRangeSpec(value: string): { first: number | null; last: number | null } | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  return { first: m[1] === "" ? null : Number(m[1]), last: m[2] === "" ? null : Number(m[2]) };
}

/** A single "bytes=" range applied to a body of `size` as [start, endExclusive]; null to ignore (malformed or multi-range). */
export function parseRange(value: string, size: number): [number, number] | "unsatisfiable" | null {
  const spec = parseRangeSpec(value);
  if (!spec) return null;
  const { first, last } = spec;
  if (first === null) return last === 0 || size === 0 ? "unsatisfiable" : [Math.max(0, size - last!), size];
  if (last !== null && last < first) return null;
  if (first >= size) return "unsatisfiable";
  return [first, (last === null ? size - 1 : Math.min(last, size - 1)) + 1];
}

function acceptsEncoding(accept: string | undefined, encoding: Encoding): boolean {
  return (accept ?? "").split(",").some((t) => {
    const [name, ...params] = t.trim().split(";");
    return name!.trim().toLowerCase() === encoding && !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p));
  });
}

// Compressed bodies are kept per route body, version and encoding: every request of a route would
// otherwise compress again (brotli at its default quality 11 takes seconds for a few MiB).
const compressed = new WeakMap<object, Map<string, Uint8Array>>();

function compressCached(body: Body | undefined, version: number, source: BodySource, encoding: Encoding): Uint8Array {
  if (typeof body !== "object") return compress(materialise(source), encoding);
  const byKey = compressed.get(body) ?? new Map<string, Uint8Array>();
  compressed.set(body, byKey);
  const key = `${version}/${encoding}`;
  let out = byKey.get(key);
  if (!out) byKey.set(key, (out = compress(materialise(source), encoding)));
  return out;
}

function compress(data: Uint8Array, encoding: Encoding): Uint8Array {
  if (encoding === "gzip") return gzipSync(data);
  if (encoding === "br") return brotliCompressSync(data, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } });
  return Bun.zstdCompressSync(data);
}

const REASONS: Record<number, string> = {
  200: "OK",
  204: "No Content",
  206: "Partial Content",
  304: "Not Modified",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  412: "Precondition Failed",
  416: "Range Not Satisfiable",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
};
