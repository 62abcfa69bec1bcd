// How a request reaches its origin: --connect-to, a proxy (HTTP: forward or CONNECT tunnel; SOCKS) and the
// --limit-rate bucket. The HttpClient asks this for the pool key, the request spec and the connection,
// so proxies and rate limits live in one place and every connection still comes from dial().
import { FetchxError } from "../errors.ts";
import { Challenges } from "../http/digest.ts";
import type { ParsedUrl } from "../http/url.ts";
import { connectTarget } from "../net/connect-to.ts";
import { dial } from "../net/dialer.ts";
import { formatHostPort } from "../net/hostport.ts";
import { forwardSpec, ProxyRedial, proxyResolves, routeFor, routeKey, viaProxy, type ProxyRoute, type ProxySettings } from "../net/proxy.ts";
import { resolveHost } from "../net/resolve.ts";
import type { Connection, DialOptions } from "../net/types.ts";
import type { RequestSpec } from "./exchange.ts";
import type { ClientSettings } from "./options.ts";
import { throttle, TokenBucket } from "./ratelimit.ts";
import { hasStream, hostHeader } from "./request.ts";

export class Router {
  private readonly proxies: ProxySettings;
  /** One bucket for every connection this client makes (the CLI runs one transfer at a time per client). */
  private readonly bucket?: TokenBucket;
  /**
   * How -U reaches an HTTP proxy (Basic, or Digest in answer to its 407), its challenge kept for the requests
   * that follow: curl keeps it per handle, fetchx per client, whose lanes run one transfer at a time.
   */
  readonly proxyAuth: Challenges;

  constructor(
    private readonly opts: ClientSettings,
    private readonly signal?: AbortSignal,
  ) {
    this.proxies = { proxy: opts.proxy, noproxy: opts.noProxy, proxyUser: opts.proxyUser, proxytunnel: opts.proxyTunnel, env: opts.proxyEnv, headers: opts.proxyHeaders };
    if (opts.limitRate > 0) this.bucket = new TokenBucket(opts.limitRate);
    this.proxyAuth = new Challenges(opts.proxyAuthScheme);
  }

  /** The proxy for `u`, or null for a direct connection. None with --unix-socket, as curl 7.88: the
   *  socket stands for the origin, so a proxy (-x or the environment's) would send the absolute-form
   *  request down it (curl's lib/url.c: "do not mix proxy and unix domain sockets"). */
  route(u: ParsedUrl): ProxyRoute | null {
    if (this.opts.unixSocket !== undefined) return null;
    const route = routeFor(u, this.proxies);
    if (route?.mode !== "forward" || this.opts.connectTo.length === 0) return route;
    // --connect-to that sends the URL's host:port elsewhere makes an HTTP proxy tunnel, as curl 7.88's
    // lib/url.c does ("If the 'connect to' feature is used with an HTTP proxy, we set the tunnel_proxy
    // bit"): a forwarded request names only the URL's host, so the proxy would never reach the other one.
    const target = connectTarget(u.host, u.port, this.opts.connectTo);
    return target.host !== u.host || target.port !== u.port ? { ...route, mode: "tunnel" } : route;
  }

  /** Connections with the same key can serve each other's requests. */
  key(u: ParsedUrl): string {
    return routeKey(this.route(u), `${u.secure ? "https" : "http"}://${formatHostPort(u.zone ? `${u.host}%${u.zone}` : u.host, u.port)}`);
  }

  /** The spec as sent on the wire: absolute-form to a forwarding proxy. */
  spec(u: ParsedUrl, spec: RequestSpec): RequestSpec {
    const route = this.route(u);
    if (route?.mode !== "forward") return spec;
    const sent = forwardSpec(spec, u.url, route, this.proxyAuth, hostHeader(u));
    // The request that draws a proxy's Digest challenge goes without its body, as curl's (Content-Length:
    // 0); --proxy-anyauth sends the body at once unless it can be sent only once (a stream).
    const a = this.proxyAuth;
    if (spec.body === undefined || route.proxy.auth === undefined || !a.pending || (a.scheme === "any" && !hasStream(spec.body))) return sent;
    const framing = (k: string, v: string) => k.toLowerCase() === "content-length" || (k.toLowerCase() === "transfer-encoding" && /chunked/i.test(v));
    return { ...sent, body: new Uint8Array(0), headers: sent.headers.map(([k, v]) => (framing(k, v) ? ["Content-Length", "0"] : [k, v])) };
  }

  /** A connection for `u`, from dial options made for the origin (host, port, TLS). */
  async dial(u: ParsedUrl, base: DialOptions): Promise<Connection> {
    const target = connectTarget(u.host, u.port, this.opts.connectTo);
    if (target.host !== u.host || target.port !== u.port) base.trace?.(`Connecting to ${target.host}:${target.port} instead of ${u.host}:${u.port} (--connect-to)`);
    const direct: DialOptions = { ...base, ...target };
    const route = this.route(u);
    let conn: Connection;
    if (!route) conn = await dial(direct);
    else {
      const { kind, host, port } = route.proxy;
      if (kind === "http") base.trace?.(`Using HTTP proxy ${host}:${port} (${route.mode === "tunnel" ? "CONNECT tunnel" : "forwarding"})`);
      else base.trace?.(`Using ${kind.toUpperCase()} proxy ${host}:${port}`);
      // socks5:// and socks4:// take an address: the origin's name is resolved here (an error is the
      // origin's, exit 6), as for a direct connection; SOCKS4 knows IPv4 only.
      let address: string | undefined;
      if (!proxyResolves(kind)) {
        try {
          const found = await resolveHost({ host: target.host, port: target.port, family: kind === "socks4" ? 4 : base.family, overrides: base.resolve });
          address = found[0];
        } catch (err) {
          // curl 7.88 resolves a socks4:// origin inside its SOCKS4 handshake: a name that does not resolve,
          // or to no IPv4 address (an IPv6 literal too), is the proxy's failure there, exit 97.
          if (kind === "socks4" && err instanceof FetchxError && err.code === "RESOLVE") throw new FetchxError("PROXY", `SOCKS4: ${err.message}`, { cause: err, retryable: false });
          throw err;
        }
      }
      try {
        // The proxy is asked for the host as written (CONNECT LocalHost:80), as curl asks.
        const named = target.host === u.host ? (u.hostWritten ?? u.host) : target.host;
        const via = viaProxy({ ...direct, host: named }, route, this.opts.userAgent, this.proxyAuth, address);
        // A proxy that closed the connection after its challenge is asked again on a new one (curl's too);
        // the answered challenges are bounded (Challenges.take).
        for (;;) {
          try {
            conn = await dial(via);
            break;
          } catch (err) {
            if (!(err instanceof ProxyRedial)) throw err;
            base.trace?.("Proxy closed the connection after its challenge: connecting again");
          }
        }
        // A forwarding proxy has no tunnel: the dialer could not tell (curl's %{proxy_used}).
        if (conn.dialInfo) conn.dialInfo.viaProxy = true;
      } catch (err) {
        // curl's exit 5: the HTTP proxy's name did not resolve.
        // A SOCKS proxy's name is the host's to curl 7.88 (CURLE_COULDNT_RESOLVE_PROXY is for HTTP proxies
        // only): exit 6.
        if (err instanceof FetchxError && err.code === "RESOLVE" && kind === "http")
          throw new FetchxError("RESOLVE_PROXY", `could not resolve proxy ${route.proxy.host}: ${err.message}`, { cause: err });
        throw err;
      }
    }
    return this.bucket ? throttle(conn, this.bucket, this.signal) : conn;
  }
}
