// HTTP and SOCKS proxies, as curl uses them.
// Which proxy: -x/--proxy, else the environment: http_proxy for http URLs, https_proxy for https, then
// all_proxy (lower case wins over upper case). HTTP_PROXY in upper case is never read, as curl never reads
// it: a CGI program gets the client's "Proxy:" request header as HTTP_PROXY ("httpoxy"), and curl cannot
// tell whether it runs in one. --noproxy (else no_proxy) lists hosts that go direct. `-x ""` turns proxies
// off, and so does --unix-socket (transfer/route.ts).
// How: plain http goes to an HTTP proxy in absolute form ("GET http://host/path"); https, and http with
// -p/--proxytunnel, open a CONNECT tunnel first. A SOCKS proxy (socks4://, socks4a://, socks5://, socks5h://,
// curl's --socks4 ... --socks5-hostname) always tunnels: RFC 1928's CONNECT (with RFC 1929's user and
// password when given), or SOCKS4's; socks5h and socks4a hand the host name to the proxy, socks5 and socks4
// resolve it here. The connection to the proxy comes from the same dial(), so --mptcp, -4/-6, --interface
// and the connect timeout apply to it.
//
// The tunnel is set up on the raw fd, before Bun adopts it (DialOptions.tunnel): a short blocking-free
// exchange with send/recv/poll through libc, then dial() adopts the fd with TLS for the origin exactly as
// for a direct connection, so certificate checks, SNI, handshake errors and MPTCP status need no second
// code path. The alternative was tried: adopting the fd in plain mode, CONNECT over the Bun socket, then
// socket.upgradeTLS() also works on an adopted fd with Bun 1.4.4 (handshake ok, body read), but the plain
// socket then reports "close" while the TLS one lives on, so SocketConnection would need a second set of
// handlers and a second handshake/certificate error path. The raw exchange costs one poll loop of a few
// milliseconds on a connection that is about to do a TLS handshake anyway.
import { FetchxError, usageError } from "../errors.ts";
import { sentValue, withHeaders } from "../http/headers.ts";
import { Challenges } from "../http/digest.ts";
import { takeZone } from "../http/url.ts";
import { formatHostPort } from "./hostport.ts";
import * as libc from "./libc.ts";
import { waitFd } from "./poll.ts";
import type { DialOptions } from "./types.ts";

/** Proxy variables captured from the environment (already case-resolved). */
export interface ProxyEnv {
  http?: string;
  https?: string;
  all?: string;
  no?: string;
}

export interface ProxySettings {
  /** -x; "" disables proxies. */
  proxy?: string;
  noproxy?: string;
  proxyUser?: string;
  proxytunnel: boolean;
  env: ProxyEnv;
  /** curl --proxy-header: for an HTTP proxy only. */
  headers?: [string, string][];
}

/** What speaks at the proxy's address: http:// (CONNECT or forwarding) or one of SOCKS's versions. */
export type ProxyKind = "http" | "socks4" | "socks4a" | "socks5" | "socks5h";
const PROXY_KINDS: readonly string[] = ["http", "socks4", "socks4a", "socks5", "socks5h"];

/** Whether the proxy is told the host name (socks5h, socks4a) rather than an address resolved here. */
export const proxyResolves = (kind: ProxyKind) => kind === "socks5h" || kind === "socks4a" || kind === "http";

export interface Proxy {
  kind: ProxyKind;
  host: string;
  port: number;
  /** "user:password" for Proxy-Authorization: Basic. */
  auth?: string;
  /** The zone of a link-local proxy address ("http://[fe80::1%25eth0]:3128", as curl takes it). */
  zone?: string;
}

export interface ProxyRoute {
  proxy: Proxy;
  /** "tunnel": CONNECT then speak to the origin; "forward": absolute-form requests to the proxy. */
  mode: "tunnel" | "forward";
  /** Headers for the proxy (--proxy-header): CONNECT's, or a forwarded request's. */
  headers?: [string, string][];
}

/** The proxy variables as curl 7.88 reads them: an empty one counts as unset; no HTTP_PROXY (see above). */
export function proxyEnvFrom(env: Record<string, string | undefined>): ProxyEnv {
  const pick = (lower: string, upper: string) => env[lower] || env[upper] || undefined;
  return {
    http: env.http_proxy || undefined,
    https: pick("https_proxy", "HTTPS_PROXY"),
    all: pick("all_proxy", "ALL_PROXY"),
    no: pick("no_proxy", "NO_PROXY"),
  };
}

/** Parses a proxy URL: [http:// | socks4:// (or socks://) | socks4a:// | socks5:// | socks5h://][user[:pass]@]host[:port];
 *  the port defaults to 1080, as in curl. Credentials in the URL win over -U/--proxy-user's (curl 7.88's
 *  parse_proxy() replaces them); either way a missing password is an empty one, so "user" is sent as
 *  "user:" (RFC 7617's user-pass always has the colon; curl asks for the password on a terminal and
 *  sends "user:" without one). */
export function parseProxy(text: string, proxyUser?: string): Proxy {
  const schemed = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  // "HOST:" without a scheme: curl 7.88 refuses it (5), where "http://HOST:" goes to port 1080.
  if (!schemed && /:\/?$/.test(text)) throw new FetchxError("RESOLVE_PROXY", `malformed proxy URL "${text}" (a ":" without a port)`, { retryable: false });
  const withScheme = schemed ? text : `http://${text}`;
  // Two "@" before the host ("http://u@p@host"): WHATWG takes "u@p" for the user, curl refuses it (5).
  const authority = withScheme.slice(withScheme.indexOf("//") + 2).split(/[/?#]/)[0]!;
  if (authority.indexOf("@") !== authority.lastIndexOf("@")) throw new FetchxError("RESOLVE_PROXY", `malformed proxy URL "${text}" (an "@" in the user name goes as %40)`, { retryable: false });
  let url: URL;
  let zone: string | undefined;
  try {
    let rest: string;
    ({ rest, zone } = takeZone(withScheme, text));
    url = new URL(rest);
  } catch (err) {
    // curl: "Unsupported proxy syntax", its exit 5.
    throw new FetchxError("RESOLVE_PROXY", `malformed proxy URL "${text}"`, { retryable: false });
  }
  // curl 7.88 takes "socks://" for SOCKS4.
  const kind = url.protocol === "socks:" ? "socks4" : url.protocol.slice(0, -1).toLowerCase();
  if (!PROXY_KINDS.includes(kind)) {
    const message = `proxy scheme "${kind}" not supported (http://, socks4://, socks4a://, socks5:// and socks5h:// are)`;
    // curl refuses a scheme it does not know with exit 7 (CURLE_COULDNT_CONNECT); https:// it knows.
    throw kind === "https" ? new FetchxError("UNSUPPORTED_PROTOCOL", message) : new FetchxError("CONNECT", message, { retryable: false });
  }
  if (!url.hostname) throw usageError(`no host in proxy URL "${text}"`);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  // WHATWG URL drops the default port 80 from url.port; the text tells whether it was given.
  const port = url.port !== "" ? Number(url.port) : /:80(\/|$)/.test(withScheme.replace(/^[^@]*@/, "")) ? 80 : 1080;
  const auth =
    url.username || url.password
      ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
      : proxyUser === undefined || proxyUser.includes(":")
        ? proxyUser
        : `${proxyUser}:`;
  return { kind: kind as ProxyKind, host, port, ...(auth === undefined ? {} : { auth }), ...(zone === undefined ? {} : { zone }) };
}

/** Whether `host` matches a no_proxy list: "*" alone, names (with or without a leading dot, matching
 *  subdomains too, as curl does), and for an IPv4 host, IPv4 addresses and CIDR ranges ("10.0.0.0/8"),
 *  compared as numbers through net.BlockList. As curl 7.88's Curl_check_noproxy(): "*" matches every
 *  host only as the whole list ("foo,*" and " *" match no host through the "*"); an entry with a port
 *  ("example.com:443", "192.0.2.7:80") matches nothing; a prefix length is read as atoi() reads it, and 0
 *  (or none) means the address alone. An IPv6 host is compared as a name, as curl 7.88 compares it (it
 *  gets the address without its brackets and takes it for a name): the URL's [0:0::1] is "::1" once
 *  parsed, and matches "::1" (and ".::1"), never "[::1]", "0::1" or "::1/128". */
export function bypassesProxy(host: string, list: string | undefined): boolean {
  if (!list) return false;
  if (list === "*") return true;
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  if (libc.isIP(h) === 4) return inIPv4List(h, list);
  for (const raw of list.split(/[\s,]+/)) {
    const entry = raw.toLowerCase().replace(/^\./, "").replace(/\.$/, "");
    if (entry !== "" && (h === entry || h.endsWith(`.${entry}`))) return true;
  }
  return false;
}

/** Whether the IPv4 address `host` is one of the list's IPv4 addresses or in one of its ranges. */
function inIPv4List(host: string, list: string): boolean {
  // node:net on first use: its import costs about 2 ms of every download's start (bench/startup.ts).
  const { BlockList } = import.meta.require("node:net") as typeof import("node:net");
  const addresses = new BlockList();
  for (const entry of list.split(/[\s,]+/)) {
    const [net, bitsText] = entry.split("/");
    if (libc.isIP(net!) !== 4) continue; // a name never matches an address
    const bits = Number(/^\d*/.exec(bitsText ?? "")![0] || 0); // "/8x" is 8, "/x" is 0
    try {
      if (bits === 0) addresses.addAddress(net!, "ipv4");
      else addresses.addSubnet(net!, bits, "ipv4");
    } catch {
      // A prefix longer than the address (10.0.0.0/33) matches nothing, as in curl.
    }
  }
  return addresses.check(host, "ipv4");
}

/** The proxy route for a URL, or null to connect directly. */
export function routeFor(u: { host: string; secure: boolean }, s: ProxySettings): ProxyRoute | null {
  const text = s.proxy ?? (u.secure ? s.env.https : s.env.http) ?? s.env.all;
  if (!text) return null;
  if (bypassesProxy(u.host, s.noproxy ?? s.env.no)) return null;
  const proxy = parseProxy(text, s.proxyUser);
  const mode = u.secure || s.proxytunnel || proxy.kind !== "http" ? "tunnel" : "forward";
  return s.headers?.length ? { proxy, mode, headers: s.headers } : { proxy, mode };
}

/** The key for reusing connections: a forwarding proxy connection serves every http origin. */
export function routeKey(route: ProxyRoute | null, origin: string): string {
  if (!route) return origin;
  const p = formatHostPort(route.proxy.zone ? `${route.proxy.host}%${route.proxy.zone}` : route.proxy.host, route.proxy.port);
  return route.mode === "forward" ? `forward|${p}` : `tunnel|${route.proxy.kind}|${p}|${origin}`;
}

/**
 * A request spec for a forwarding proxy: absolute-form target (no fragment) naming `host` (host[:port]),
 * plus proxy credentials right after Host and Proxy-Connection where the spec says (as curl writes them),
 * and --proxy-header. The credentials are Basic, or Digest once the proxy's challenge came (its uri the
 * origin-form target, as curl's).
 */
export function forwardSpec<T extends { method: string; target: string; targetGiven?: boolean; headers: [string, string][]; proxyConnectionAt?: number }>(spec: T, url: URL, route: ProxyRoute, auth: Challenges, host = url.host): T {
  // curl --request-target goes to the proxy as it is (curl's http_target); `host` keeps the case written.
  const absolute = spec.targetGiven ? spec.target : `${url.protocol}//${host}${spec.target}`;
  const headers: [string, string][] = [...spec.headers];
  if (spec.proxyConnectionAt !== undefined) headers.splice(spec.proxyConnectionAt, 0, ["Proxy-Connection", "Keep-Alive"]);
  if (route.proxy.auth !== undefined && !headers.some(([k]) => k.toLowerCase() === "proxy-authorization")) {
    const value = auth.header(route.proxy.auth, spec.method, spec.target);
    if (value !== undefined) headers.unshift(["Proxy-Authorization", value]);
  }
  return { ...spec, target: absolute, headers: withHeaders(headers, route.headers) };
}

/**
 * Dial options that reach `target` (host and port after --connect-to) through the route's proxy. TLS
 * settings stay those of the origin: the handshake runs inside the tunnel.
 */
export function viaProxy(base: DialOptions, route: ProxyRoute, userAgent: string, proxyAuth: Challenges, address?: string): DialOptions {
  const { host, port } = base;
  const trace = base.trace;
  const { kind, auth } = route.proxy;
  return {
    ...base,
    host: route.proxy.host,
    port: route.proxy.port,
    // The URL's zone belongs to the origin's address; the proxy's own is in its URL.
    zone: route.proxy.zone,
    // A forward route carries plain http only (https always tunnels), so base.tls is unset there.
    tunnel:
      route.mode === "forward"
        ? undefined
        : kind === "http"
          ? (fd, signal) => openTunnel(fd, { host, port, auth, proxyAuth, userAgent, headers: route.headers, signal, trace, onAnswer: base.onProxyAnswer })
          : (fd, signal) => openSocks(fd, { kind, host: address ?? host, port, auth, signal, trace }).then(() => 0),
  };
}

export interface TunnelRequest {
  host: string;
  port: number;
  auth?: string;
  /** How `auth` goes (Basic, or Digest in answer to a 407), with the proxy's challenge once one came. */
  proxyAuth?: Challenges;
  userAgent: string;
  /** --proxy-header, applied to CONNECT's own. */
  headers?: [string, string][];
  signal: AbortSignal;
  trace?: (line: string) => void;
  /** The answer's head as received (status line to the empty line), before its status is judged. */
  onAnswer?: (head: Uint8Array) => void;
}

const MAX_REPLY_HEAD = 64 * 1024;
const MSG_NOSIGNAL = 0x4000;

/**
 * CONNECT host:port over a connected, non-blocking fd; resolves with the proxy's 2xx status. A 407 that
 * --proxy-digest or --proxy-anyauth answers goes again on the same connection once its body is read and
 * dropped, as curl's; a proxy that closes the connection after its challenge (or frames the body so that
 * its end is the close) is dialled again (ProxyRedial).
 */
export async function openTunnel(fd: number, t: TunnelRequest): Promise<number> {
  const target = formatHostPort(t.host, t.port);
  const auth = t.proxyAuth ?? new Challenges("basic");
  for (;;) {
    // In curl's order: Host, Proxy-Authorization, User-Agent, Proxy-Connection.
    const ours: [string, string][] = [["Host", target]];
    const credentials = t.auth === undefined ? undefined : auth.header(t.auth, "CONNECT", target);
    if (credentials !== undefined) {
      t.trace?.(`Proxy auth using ${auth.using} with user '${t.auth!.split(":")[0]}'`);
      ours.push(["Proxy-Authorization", credentials]);
    }
    if (t.userAgent !== "") ours.push(["User-Agent", t.userAgent]); // -A "" sends none
    ours.push(["Proxy-Connection", "Keep-Alive"]);
    const lines = [`CONNECT ${target} HTTP/1.1`, ...withHeaders(ours, t.headers).map((h) => `${h[0]}:${sentValue(h)}`)];
    t.trace?.(`Establish HTTP proxy tunnel to ${target}`);
    await sendAll(fd, new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n"), t.signal);

    const { head, bytes, after } = await replyHead(fd, t.signal, target);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
    t.trace?.(`CONNECT phase completed: ${head.split(/\r?\n/)[0]}`);
    if (!status) throw new FetchxError("RECV", `proxy answered CONNECT with something that is not HTTP: ${JSON.stringify(head.slice(0, 40))}`);
    // Every answer is shown (-i, -D), a challenge answered too, as curl shows them.
    t.onAnswer?.(bytes);
    const code = Number(status);
    if (t.auth !== undefined && code === 407 && auth.take(headerValues(head, "proxy-authenticate"))) {
      t.trace?.("Proxy asks for authentication: answering its challenge");
      await dropBody(fd, head, after, t.signal);
      continue;
    }
    // curl ends a failed CONNECT with exit 56 (CURLE_RECV_ERROR), whatever the status.
    // 407 is the standard answer; some proxies (tinyproxy) answer a wrong password with 401.
    if (code === 407 || code === 401)
      throw new FetchxError("RECV", `proxy authentication failed (${code}) for CONNECT ${target}${t.auth === undefined ? ": give credentials with --proxy-user or in the proxy URL" : ": the proxy refused the credentials"}`, { retryable: false, proxyStatus: code });
    if (code < 200 || code > 299) throw new FetchxError("RECV", `CONNECT tunnel failed, response ${code}`, { retryable: code >= 500, proxyStatus: code });
    // Nothing may follow the reply: the origin cannot speak before we do (TLS and HTTP are client-first).
    if (after.byteLength > 0) throw new FetchxError("RECV", "proxy sent data after its CONNECT reply");
    auth.passed();
    return code;
  }
}

/** The proxy's connection cannot carry the answer to its challenge: the caller dials it again (Router.dial). */
export class ProxyRedial extends FetchxError {}

/** The proxy's reply head to CONNECT: as Latin-1 text without its blank line, as bytes with it, and the bytes read after it. */
async function replyHead(fd: number, signal: AbortSignal, target: string): Promise<{ head: string; bytes: Uint8Array; after: Uint8Array }> {
  let reply = new Uint8Array(0);
  for (;;) {
    const chunk = await recvSome(fd, signal);
    if (chunk === null) throw new FetchxError("RECV", `proxy closed the connection before answering CONNECT ${target}`);
    const joined = new Uint8Array(reply.byteLength + chunk.byteLength);
    joined.set(reply);
    joined.set(chunk, reply.byteLength);
    reply = joined;
    // The head ends at an empty line; lines may end in a bare LF, as curl reads them (RFC 9112 2.2
    // lets a recipient take LF alone): a proxy answering "HTTP/1.1 200 OK\n\n" waited forever.
    const text = new TextDecoder("latin1").decode(reply);
    const blank = /\r?\n\r?\n/.exec(text);
    if (blank) {
      const end = blank.index + blank[0].length; // latin1: one character a byte
      return { head: text.slice(0, blank.index), bytes: reply.subarray(0, end), after: reply.subarray(end) };
    }
    if (reply.byteLength > MAX_REPLY_HEAD) throw new FetchxError("RECV", "proxy reply to CONNECT is too large");
  }
}

/** The values of the header `name` (lower case) in a reply head's lines. */
function headerValues(head: string, name: string): string[] {
  const out: string[] = [];
  for (const line of head.split(/\r?\n/).slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === name) out.push(line.slice(colon + 1).trim());
  }
  return out;
}

/** Bytes of a challenge's body read and dropped before the next CONNECT on the same connection. */
const MAX_CHALLENGE_BODY = 1024 * 1024;

/**
 * Reads and drops the body of a 407 whose challenge is answered, so that the next CONNECT goes on the same
 * connection; when the proxy closes it (Connection: close, HTTP/1.0 without keep-alive), or the body's end
 * is not told by a Content-Length, or the body is large, the proxy is dialled again instead.
 */
async function dropBody(fd: number, head: string, after: Uint8Array, signal: AbortSignal): Promise<void> {
  const connection = headerValues(head, "connection").join(",").toLowerCase();
  const closes = connection.includes("close") || (head.startsWith("HTTP/1.0") && !connection.includes("keep-alive"));
  const lengths = headerValues(head, "content-length");
  // Without one (chunked, or to the close) the connection is not kept.
  const length = lengths.length === 1 && /^\d+$/.test(lengths[0]!) && headerValues(head, "transfer-encoding").length === 0 ? Number(lengths[0]) : NaN;
  if (closes || !(length <= MAX_CHALLENGE_BODY)) throw new ProxyRedial("RECV", "proxy connection not kept after its authentication challenge");
  let left = length - after.byteLength;
  if (left < 0) throw new FetchxError("RECV", "proxy sent data after its CONNECT reply");
  while (left > 0) {
    const chunk = await recvSome(fd, signal);
    if (chunk === null) throw new ProxyRedial("RECV", "proxy closed the connection after its authentication challenge");
    left -= chunk.byteLength;
    if (left < 0) throw new FetchxError("RECV", "proxy sent data after its CONNECT reply");
  }
}

/** Waits until fd is ready for `events`; a failing poll ends the exchange. */
async function ready(fd: number, events: number, signal: AbortSignal): Promise<void> {
  const r = await waitFd(fd, events, { signal });
  if (r < 0) throw new FetchxError("RECV", `poll failed [${libc.errnoName(-r)}]`);
}

/** Writes all of `bytes` to a raw non-blocking socket (before Bun adopts it), waiting when it is full. */
export async function sendAll(fd: number, bytes: Uint8Array, signal: AbortSignal, what = "to the proxy"): Promise<void> {
  let off = 0;
  while (off < bytes.byteLength) {
    const r = libc.send(fd, bytes.subarray(off), MSG_NOSIGNAL);
    if (r.ret >= 0) {
      off += r.ret;
      continue;
    }
    if (r.errno !== 11 && r.errno !== 4) throw new FetchxError("SEND", `sending ${what} failed [${libc.errnoName(r.errno)}]`);
    await ready(fd, libc.POLLOUT, signal);
  }
}

async function recvSome(fd: number, signal: AbortSignal): Promise<Uint8Array | null> {
  const buf = new Uint8Array(16 * 1024);
  for (;;) {
    const r = libc.recv(fd, buf, 0);
    if (r.ret > 0) return buf.slice(0, r.ret);
    if (r.ret === 0) return null;
    if (r.errno !== 11 && r.errno !== 4) throw new FetchxError("RECV", `reading the proxy's reply failed [${libc.errnoName(r.errno)}]`);
    await ready(fd, libc.POLLIN, signal);
  }
}

export interface SocksRequest {
  kind: Exclude<ProxyKind, "http">;
  /** The host name (socks5h, socks4a) or the address resolved here (socks5, socks4). */
  host: string;
  port: number;
  /** "user:password": RFC 1929 for SOCKS5, the user id for SOCKS4. */
  auth?: string;
  signal: AbortSignal;
  trace?: (line: string) => void;
}

const socksError = (message: string) => new FetchxError("PROXY", message, { retryable: false });

/** RFC 1928's replies to CONNECT, as curl words them. */
const SOCKS5_REPLIES = ["succeeded", "general SOCKS server failure", "connection not allowed by ruleset", "network unreachable", "host unreachable", "connection refused", "TTL expired", "command not supported", "address type not supported"];

/** Bytes read from the proxy, exactly as many as asked for. */
class SocksReader {
  #buffered = new Uint8Array(0);
  constructor(private readonly fd: number, private readonly signal: AbortSignal, private readonly what: string) {}

  async take(n: number): Promise<Uint8Array> {
    while (this.#buffered.byteLength < n) {
      const chunk = await recvSome(this.fd, this.signal);
      if (chunk === null) throw socksError(`${this.what} proxy closed the connection during the handshake`);
      const joined = new Uint8Array(this.#buffered.byteLength + chunk.byteLength);
      joined.set(this.#buffered);
      joined.set(chunk, this.#buffered.byteLength);
      this.#buffered = joined;
    }
    const out = this.#buffered.subarray(0, n);
    this.#buffered = this.#buffered.subarray(n);
    return out;
  }

  /** Nothing may follow the handshake's reply: the origin cannot speak before we do. */
  done(): void {
    if (this.#buffered.byteLength > 0) throw socksError(`${this.what} proxy sent data after its reply`);
  }
}

/** The SOCKS handshake over a connected, non-blocking fd; resolves once the proxy has connected to host:port. */
export async function openSocks(fd: number, r: SocksRequest): Promise<void> {
  const target = formatHostPort(r.host, r.port);
  const v5 = r.kind === "socks5" || r.kind === "socks5h";
  const what = v5 ? "SOCKS5" : "SOCKS4";
  r.trace?.(`Opening ${what} tunnel to ${target}${proxyResolves(r.kind) ? " (the proxy resolves the name)" : ""}`);
  const read = new SocksReader(fd, r.signal, what);
  const enc = new TextEncoder();
  const [user = "", ...rest] = (r.auth ?? "").split(":");
  const password = rest.join(":");
  const port = [r.port >> 8, r.port & 0xff];
  if (!v5) {
    // SOCKS4: VN CD DSTPORT DSTIP USERID NUL, and with 4a the host name after (DSTIP 0.0.0.1).
    const family = libc.isIP(r.host);
    if (r.kind === "socks4" && family !== 4) throw socksError(`SOCKS4 reaches IPv4 addresses only, and ${r.host} is not one`);
    const ip = family === 4 ? [...libc.inetPton(libc.AF_INET, r.host)!] : [0, 0, 0, 1];
    const name = family === 4 ? [] : [...enc.encode(r.host), 0];
    await sendAll(fd, Uint8Array.from([4, 1, ...port, ...ip, ...enc.encode(user), 0, ...name]), r.signal);
    const reply = await read.take(8);
    if (reply[1] !== 0x5a) {
      const why = reply[1] === 0x5b ? "request rejected or failed" : reply[1] === 0x5c || reply[1] === 0x5d ? "the proxy could not confirm the user id (identd)" : `reply ${reply[1]}`;
      throw socksError(`SOCKS4 proxy did not connect to ${target}: ${why}`);
    }
    read.done();
    return;
  }
  // SOCKS5: offer "no authentication", and user/password when there are credentials (RFC 1929).
  await sendAll(fd, Uint8Array.from(r.auth === undefined ? [5, 1, 0] : [5, 2, 0, 2]), r.signal);
  const [version, method] = await read.take(2);
  if (version !== 5) throw socksError(`the proxy does not speak SOCKS5 (it answered version ${version})`);
  if (method === 2 && r.auth !== undefined) {
    const u = enc.encode(user);
    const p = enc.encode(password);
    if (u.byteLength > 255 || p.byteLength > 255) throw socksError("SOCKS5 user name and password are at most 255 bytes each");
    await sendAll(fd, Uint8Array.from([1, u.byteLength, ...u, p.byteLength, ...p]), r.signal);
    const [, status] = await read.take(2);
    if (status !== 0) throw socksError(`SOCKS5 proxy refused the user name and password (status ${status})`);
  } else if (method === 0xff) throw socksError(`SOCKS5 proxy accepts none of the offered authentication methods${r.auth === undefined ? " (give credentials in the proxy URL or with --proxy-user)" : ""}`);
  else if (method !== 0) throw socksError(`SOCKS5 proxy chose an authentication method fetchx did not offer (${method})`);
  const family = libc.isIP(r.host);
  let address: number[];
  if (family === 4) address = [1, ...libc.inetPton(libc.AF_INET, r.host)!];
  else if (family === 6) address = [4, ...libc.inetPton(libc.AF_INET6, r.host.split("%")[0]!)!]; // SOCKS5 has no place for a zone
  else {
    const name = enc.encode(r.host);
    if (name.byteLength > 255) throw socksError(`host name too long for SOCKS5 (${name.byteLength} bytes, at most 255)`);
    address = [3, name.byteLength, ...name];
  }
  await sendAll(fd, Uint8Array.from([5, 1, 0, ...address, ...port]), r.signal);
  const head = await read.take(4);
  if (head[0] !== 5) throw socksError(`the proxy does not speak SOCKS5 (its reply has version ${head[0]})`);
  if (head[1] !== 0) throw socksError(`SOCKS5 proxy could not connect to ${target}: ${SOCKS5_REPLIES[head[1]!] ?? `reply ${head[1]}`}`);
  // The address the proxy bound (unused): IPv4, a name, or IPv6, then the port.
  const bound = head[3] === 1 ? 4 : head[3] === 4 ? 16 : head[3] === 3 ? (await read.take(1))[0]! : -1;
  if (bound < 0) throw socksError(`SOCKS5 proxy replied with an unknown address type ${head[3]}`);
  await read.take(bound + 2);
  read.done();
  r.trace?.(`${what} tunnel to ${target} open`);
}
