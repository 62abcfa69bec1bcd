// Hostile answers for the test server (http.ts): responses a careless client turns into wrong bytes on
// disk. Each is a route (raw bytes sent as they are, or a function of the request) plus what a correct
// client must end with. Framing tricks, 206s that do not answer what was asked, bombs, redirects that try
// to choose a file name. Used by test/e2e/hostile-*.test.ts; the fuzz helpers make bounded, seeded variants.
import { gzipSync } from "node:zlib";
import type { Route, RouteContext } from "./respond.ts";

const enc = new TextEncoder();

/** Concatenates strings and byte arrays into one response. */
export function bytesOf(...parts: (string | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) => (typeof p === "string" ? enc.encode(p) : p));
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** A head from a status line and header pairs (no headers added). */
export const head = (status: string, headers: [string, string][]) => `HTTP/1.1 ${status}\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;

/** Chunked framing of `body` in pieces of `piece` bytes. */
export function chunked(body: Uint8Array, piece = 1000): Uint8Array {
  const parts: (string | Uint8Array)[] = [];
  for (let i = 0; i < body.length; i += piece) {
    const p = body.subarray(i, i + piece);
    parts.push(`${p.length.toString(16)}\r\n`, p, "\r\n");
  }
  parts.push("0\r\n\r\n");
  return bytesOf(...parts);
}

/** Content-Length and Transfer-Encoding: chunked together; CL is smaller than the de-chunked body. */
export function clPlusChunked(body: Uint8Array): Route {
  return { raw: bytesOf(head("200 OK", [["Content-Length", String(Math.floor(body.length / 3))], ["Transfer-Encoding", "chunked"]]), chunked(body)) };
}

/**
 * A redirect whose body is longer than its Content-Length: the extra bytes are a complete "200" with
 * `planted` as its body, waiting on the kept-alive connection for the client's next request.
 */
export function smugglingRedirect(to: string, planted: Uint8Array): Route {
  const smuggled = bytesOf(head("200 OK", [["Content-Length", String(planted.length)]]), planted);
  return { raw: bytesOf(head("302 Found", [["Location", to], ["Content-Length", "0"]]), smuggled) };
}

/** A 206 to whatever was asked, claiming `contentRange`, with `body`; optional extra headers. */
export function partialAnswer(contentRange: string | null, body: Uint8Array, extra: [string, string][] = []): Route {
  const h: [string, string][] = [["Content-Length", String(body.length)], ...extra];
  if (contentRange !== null) h.push(["Content-Range", contentRange]);
  return { raw: bytesOf(head("206 Partial Content", h), body) };
}

/** Answers a Range request with multipart/byteranges (one part), the whole file to anything else. */
export function multipartRanges(body: Uint8Array): (ctx: RouteContext) => Route {
  return ({ req }) => {
    if (!req.headers["range"]) return { body, ranges: true };
    const part = bytesOf("--BOUND\r\nContent-Type: application/octet-stream\r\n", `Content-Range: bytes 0-0/${body.length}\r\n\r\n`, body.subarray(0, 1), "\r\n--BOUND--\r\n");
    return { raw: bytesOf(head("206 Partial Content", [["Content-Type", "multipart/byteranges; boundary=BOUND"], ["Content-Length", String(part.length)], ["Accept-Ranges", "bytes"]]), part) };
  };
}

/** A gzip bomb: `layers` gzip layers over `size` zero bytes (1 GiB of zeros is about 1 MB in one layer, 1.8 KB in two). */
export function gzipBomb(size: number, layers: 1 | 2): Uint8Array {
  let out: Uint8Array = gzipSync(new Uint8Array(size), { level: 9 });
  if (layers === 2) out = gzipSync(out, { level: 9 });
  return out;
}

/** A seeded byte-level mutation of `input` (flip, drop, duplicate, insert CR/LF/digits): the framing fuzz. */
export function mutate(input: Uint8Array, random: () => number, edits = 3): Uint8Array {
  let b = Array.from(input);
  const alphabet = [13, 10, 0x30, 0x39, 0x61, 0x3a, 0x20, 0x3b, 0x2d, 0];
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * b.length);
    switch (Math.floor(random() * 4)) {
      case 0:
        b[at] = alphabet[Math.floor(random() * alphabet.length)]!;
        break;
      case 1:
        b.splice(at, 1 + Math.floor(random() * 4));
        break;
      case 2:
        b.splice(at, 0, ...b.slice(at, at + 1 + Math.floor(random() * 8)));
        break;
      default:
        b.splice(at, 0, alphabet[Math.floor(random() * alphabet.length)]!);
    }
  }
  return new Uint8Array(b);
}
