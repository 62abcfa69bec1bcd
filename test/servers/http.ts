// A programmable raw HTTP/1.1 test server on Bun.listen: routes serve bytes or generated bodies with
// ranges, validators, framings, encodings, redirects, rate limits and the faults of faults.ts, and every
// request is recorded so tests can assert what the client sent. It listens by host:port, or on an
// MPTCP/TCP fd made by listen.ts (Bun.listen adopts it). Sends respect backpressure, so 1 GiB streams.
import type { Socket } from "bun";
import { listenSocket } from "./listen.ts";
import { respond, type RecordedRequest, type Route, type RouteSpec, type Step } from "./respond.ts";

export type { RecordedRequest, Route, RouteContext, RouteSpec } from "./respond.ts";
export { generatedBody, GeneratedBody } from "./body.ts";

export interface ServerOptions {
  routes: Record<string, RouteSpec>;
  /** Listen on an IPPROTO_MPTCP socket (via listen.ts). */
  mptcp?: boolean;
  /** Default 127.0.0.1; "::1" for IPv6. */
  host?: string;
  port?: number;
  tls?: { cert: string; key: string };
  /** Keep connections open between requests (default true). */
  keepAlive?: boolean;
  /** Per-connection send rate in bytes per second (a route's rateBytesPerSec overrides it). */
  rateBytesPerSec?: number;
  /** Also listen on this Unix domain socket path (curl --unix-socket). */
  unix?: string;
  /**
   * At most `max` connections open at once, as servers that limit connections per client: beyond it a
   * new connection gets "503" (with Retry-After and Connection: close, as nginx limit_conn answers) to
   * every request, or is reset at once ("reset").
   */
  limitConnections?: { max: number; how: "503" | "reset" };
  /**
   * What a request with Expect: 100-continue gets before its body: "continue" (the default) a 100 Continue;
   * "silent" nothing, so the client's wait runs out and it sends the body; "answer" its route's answer at
   * once, the body taken as never coming (the bytes after the head are the next request).
   */
  expectContinue?: (req: RecordedRequest) => "continue" | "silent" | "answer";
}

export interface TestServer {
  port: number;
  host: string;
  url(path?: string): string;
  requests: RecordedRequest[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections open now. */
  readonly open: number;
  /** The most connections open at once so far (refused ones included). */
  readonly maxOpen: number;
  /** Connections refused by limitConnections so far. */
  readonly refused: number;
  stop(): void;
}

const MAX_HEAD = 64 * 1024;
const CRLFCRLF = Buffer.from("\r\n\r\n");

/** Per-connection state: unparsed input, the response being sent and the send-rate budget. */
class Conn {
  input: Buffer = Buffer.alloc(0);
  steps: Iterator<Step> | null = null;
  pending: Uint8Array | null = null;
  timer: ReturnType<typeof setTimeout> | null = null;
  done = false;
  rate = 0;
  budget = 0;
  refilled = 0;
  /** "100 Continue" was sent for the request being received (Expect: 100-continue). */
  continued = false;
  /** When the head of the request being received was complete. */
  headAt?: number;
  /** Over limitConnections: every request is answered 503. */
  refused = false;
  constructor(readonly id: number) {}
}

export async function startServer(opts: ServerOptions): Promise<TestServer> {
  const host = opts.host ?? "127.0.0.1";
  const counts = new Map<string, number>();
  const sockets = new Set<Socket<Conn>>();
  const requests: RecordedRequest[] = [];
  let accepted = 0;
  let maxOpen = 0;
  let refused = 0;

  // Parse every complete request in the buffer, one at a time: the next starts after the current response.
  function serveNext(s: Socket<Conn>) {
    const c = s.data;
    if (c.steps || c.done) return;
    const end = c.input.indexOf(CRLFCRLF);
    if (end < 0) {
      if (c.input.length > MAX_HEAD) closeWith(s, "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    const raw = c.input.subarray(0, end + 4).toString("latin1");
    const req = parseHead(raw, c.id);
    if (!req) return closeWith(s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    const chunked = /chunked/i.test(req.headers["transfer-encoding"] ?? "");
    const bodyLen = Number(req.headers["content-length"] ?? 0);
    let body = chunked ? dechunk(c.input.subarray(end + 4)) : c.input.length >= end + 4 + bodyLen ? { body: c.input.subarray(end + 4, end + 4 + bodyLen), used: bodyLen } : null;
    c.headAt ??= performance.now();
    if (!body && /100-continue/i.test(req.headers["expect"] ?? "") && !c.continued) {
      // A client that asked first is told to go on (curl waits a second otherwise), or not, or answered now.
      const how = opts.expectContinue?.(req) ?? "continue";
      if (how === "answer") body = { body: Buffer.alloc(0), used: 0 };
      else if (how === "continue") s.write("HTTP/1.1 100 Continue\r\n\r\n");
      c.continued = true;
    }
    if (!body) return; // wait for the request body
    c.continued = false;
    req.bodyWaitMs = performance.now() - c.headAt;
    c.headAt = undefined;
    req.body = new Uint8Array(body.body);
    c.input = c.input.subarray(end + 4 + body.used);
    requests.push(req);

    const pathname = req.path.split("?")[0]!;
    const key = pathname in opts.routes ? pathname : req.path in opts.routes ? req.path : null;
    let route: Route;
    let count = 0;
    if (c.refused) route = { status: 503, body: "too many connections\n", ranges: false, headers: { "Retry-After": "1" } };
    else if (key === null) route = { status: 404, body: "not found\n", ranges: false };
    else {
      count = counts.get(key) ?? 0;
      counts.set(key, count + 1);
      const spec = opts.routes[key]!;
      route = typeof spec === "function" ? spec({ req, count }) : spec;
    }
    c.rate = route.rateBytesPerSec ?? opts.rateBytesPerSec ?? 0;
    c.budget = 0;
    c.refilled = performance.now();
    c.steps = respond(route, { req, count }, opts.keepAlive !== false && !c.refused);
    pump(s);
  }

  // Send steps until the socket pushes back (resume on drain), the rate budget runs out (resume on a
  // timer), or the response ends.
  function pump(s: Socket<Conn>) {
    const c = s.data;
    c.timer = null;
    while (!c.done) {
      if (c.pending) {
        let piece = c.pending;
        if (c.rate > 0) {
          refill(c);
          // Send at least 5 ms of rate at a time (or what is left): with a 1-byte threshold the time spent in
          // this loop refilled the budget, so it never yielded and starved every other connection.
          const least = Math.min(c.pending.length, Math.max(1, c.rate / 200));
          if (c.budget < least) {
            c.timer = setTimeout(() => pump(s), Math.max(5, ((least - c.budget) / c.rate) * 1000));
            return;
          }
          piece = piece.subarray(0, Math.floor(c.budget));
        }
        const n = s.write(piece);
        if (n < 0) return; // closed under us
        if (c.rate > 0) c.budget -= n;
        c.pending = n < c.pending.length ? c.pending.subarray(n) : null;
        if (c.pending && n < piece.length) return; // kernel buffer full: drain() resumes
        continue;
      }
      if (!c.steps) return serveNext(s);
      const next = c.steps.next();
      if (next.done) {
        c.steps = null;
        continue;
      }
      const step = next.value;
      if (step instanceof Uint8Array) c.pending = step;
      else if ("wait" in step) {
        c.timer = setTimeout(() => pump(s), step.wait);
        return;
      } else return finish(s, step.end);
    }
  }

  function finish(s: Socket<Conn>, how: "close" | "reset" | "stall") {
    const c = s.data;
    c.done = true;
    c.steps = null;
    if (how === "close") s.end();
    if (how === "reset") s.terminate();
    // stall: keep the socket open and silent until the client or stop() closes it.
  }

  function closeWith(s: Socket<Conn>, text: string) {
    s.write(text);
    finish(s, "close");
  }

  const handlers = {
    open(s: Socket<Conn>) {
      s.data = new Conn(++accepted);
      sockets.add(s);
      maxOpen = Math.max(maxOpen, sockets.size);
      const limit = opts.limitConnections;
      if (limit && sockets.size > limit.max) {
        refused++;
        if (limit.how === "reset") {
          sockets.delete(s);
          s.terminate();
        } else s.data.refused = true;
      }
    },
    data(s: Socket<Conn>, chunk: Buffer) {
      const c = s.data;
      if (c.done) return;
      c.input = c.input.length ? Buffer.concat([c.input, chunk]) : chunk;
      serveNext(s);
    },
    drain(s: Socket<Conn>) {
      if (!s.data.timer) pump(s);
    },
    close(s: Socket<Conn>) {
      const c = s.data;
      c.done = true;
      if (c.timer) clearTimeout(c.timer);
      sockets.delete(s);
    },
    error(s: Socket<Conn>) {
      sockets.delete(s);
    },
  };

  let listener: { stop(closeActive?: boolean): void };
  let port: number;
  if (opts.mptcp) {
    const ls = listenSocket({ host, port: opts.port ?? 0, mptcp: true });
    // Bun.listen's types have no fd overload; adopting a listening fd works (shared/PLATFORM.md).
    listener = Bun.listen({ fd: ls.fd, tls: opts.tls, socket: handlers } as unknown as Parameters<typeof Bun.listen<Conn>>[0]);
    port = ls.port;
  } else {
    const l = Bun.listen<Conn>({ hostname: host, port: opts.port ?? 0, tls: opts.tls, socket: handlers });
    [listener, port] = [l, l.port];
  }

  const unixListener = opts.unix ? Bun.listen<Conn>({ unix: opts.unix, tls: opts.tls, socket: handlers }) : null;
  const scheme = opts.tls ? "https" : "http";
  const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return {
    port,
    host,
    url: (path = "/") => `${scheme}://${authority}${path}`,
    requests,
    get connections() {
      return accepted;
    },
    get open() {
      return sockets.size;
    },
    get maxOpen() {
      return maxOpen;
    },
    get refused() {
      return refused;
    },
    stop() {
      for (const s of sockets) s.terminate();
      sockets.clear();
      listener.stop(true);
      unixListener?.stop(true);
    },
  };
}

function refill(c: Conn) {
  const now = performance.now();
  // Cap the burst at 50 ms of rate so the limit holds on short time scales too.
  c.budget = Math.min(c.budget + ((now - c.refilled) / 1000) * c.rate, Math.max(c.rate / 20, 1));
  c.refilled = now;
}

/** A complete chunked body at the start of `buf` (trailers skipped): its bytes and the length used, or null. */
function dechunk(buf: Buffer): { body: Buffer; used: number } | null {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf("\r\n", pos);
    if (eol < 0) return null;
    const size = parseInt(buf.subarray(pos, eol).toString("latin1").split(";")[0]!, 16);
    if (Number.isNaN(size)) return null;
    if (size === 0) {
      const end = buf.indexOf("\r\n\r\n", eol);
      if (end < 0 && buf.subarray(eol, eol + 4).toString() !== "\r\n\r\n") return null;
      return { body: Buffer.concat(parts), used: (end < 0 ? eol : end) + 4 };
    }
    if (buf.length < eol + 2 + size + 2) return null;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
}

function parseHead(raw: string, connection: number): RecordedRequest | null {
  const lines = raw.slice(0, -4).split("\r\n");
  const m = /^([A-Z]+) (\S+) HTTP\/(1\.[01])$/.exec(lines[0] ?? "");
  if (!m) return null;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    if (i <= 0) return null;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return { method: m[1]!, path: m[2]!, version: m[3] as "1.0" | "1.1", headers, raw, body: new Uint8Array(0), connection };
}

/** The servers one test file starts as it goes: `serve` starts and remembers one, `stopAll` (in afterAll) stops them. */
export function serverSet(): { serve(opts: ServerOptions): Promise<TestServer>; stopAll(): void } {
  const servers: TestServer[] = [];
  return {
    async serve(opts) {
      const s = await startServer(opts);
      servers.push(s);
      return s;
    },
    stopAll: () => {
      for (const s of servers.splice(0)) s.stop();
    },
  };
}
