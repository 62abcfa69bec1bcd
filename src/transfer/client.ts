// Connections per origin (keep-alive reuse for redirects and later requests) and requests over them.
// Every connection comes from the one dialer, so --mptcp applies to all of them.
import { readFileSync } from "node:fs";
import type { Options } from "../cli/options.ts";
import { FetchxError } from "../errors.ts";
import type { ParsedUrl } from "../http/url.ts";
import type { Connection, DialOptions } from "../net/types.ts";
import type { Logger } from "../ui/log.ts";
import { Exchange, isStaleConnection, type RequestSpec } from "./exchange.ts";
import type { ConnectionReport } from "./stats.ts";
import { Router } from "./route.ts";

export interface ClientEvents {
  /** A new connection was made (for num_connects and the per-connection report). */
  onConnect?(conn: Connection, report: ConnectionReport, dialMs: number): void;
}

export class HttpClient {
  private idle = new Map<string, Connection[]>();
  private live = new Set<Connection>();
  private all: Connection[] = [];
  private ca?: string;
  /** --connect-to, proxies and --limit-rate (route.ts). */
  private router: Router;

  constructor(
    private readonly opts: Options,
    private readonly log: Logger,
    private readonly signal: AbortSignal,
    private readonly events: ClientEvents = {},
  ) {
    this.router = new Router(opts, signal);
    if (opts.cacert) {
      try {
        this.ca = readFileSync(opts.cacert, "utf8");
      } catch (err) {
        throw new FetchxError("READ_FILE", `cannot read --cacert ${opts.cacert}: ${(err as { code?: string }).code ?? err}`);
      }
    }
  }

  private dialOptions(u: ParsedUrl): DialOptions {
    const o = this.opts;
    return {
      host: u.host,
      port: u.port,
      family: o.family,
      mptcp: o.mptcp,
      connectTimeoutMs: o.connectTimeoutMs,
      tls: u.secure ? { servername: u.host, ca: this.ca, insecure: o.insecure } : undefined,
      resolve: o.resolve,
      interface: o.interface,
      localAddress: o.localAddress,
      signal: this.signal,
      trace: this.log.verbose ? (line) => this.log.trace(line) : undefined,
    };
  }

  private async connect(u: ParsedUrl): Promise<Connection> {
    const t0 = performance.now();
    const conn = await this.router.dial(u, this.dialOptions(u));
    this.live.add(conn);
    this.all.push(conn);
    this.events.onConnect?.(conn, reportOf(conn), performance.now() - t0);
    return conn;
  }

  /** Sends `spec` to the origin of `u`, reusing an idle connection when one is there. */
  async request(u: ParsedUrl, spec: RequestSpec, idleTimeoutMs: number): Promise<Exchange> {
    const key = this.router.key(u);
    for (;;) {
      const pooled = this.idle.get(key)?.pop();
      const conn = pooled && pooled.open ? pooled : await this.connect(u);
      const ex = new Exchange(conn, this.router.spec(u, spec), {
        idleTimeoutMs,
        onHeaderLine: this.log.verbose ? (d, l) => this.log.header(d, l) : undefined,
      });
      try {
        await ex.start();
        return ex;
      } catch (err) {
        conn.close();
        this.live.delete(conn);
        if (isStaleConnection(err, conn === pooled)) continue; // the server closed an idle keep-alive
        throw err;
      }
    }
  }

  /** Hands a finished exchange's connection back for reuse, or closes it. */
  release(ex: Exchange, u: ParsedUrl) {
    const conn = ex.conn;
    if (!ex.reusable) {
      conn.refreshMptcp();
      conn.close();
      this.live.delete(conn);
      return;
    }
    const key = this.router.key(u);
    const list = this.idle.get(key) ?? [];
    list.push(conn);
    this.idle.set(key, list);
  }

  /** The latest MPTCP view of every connection made so far. */
  reports(): ConnectionReport[] {
    return this.all.map((c) => reportOf(c, true));
  }

  closeAll() {
    for (const c of this.live) c.close();
    this.live.clear();
    this.idle.clear();
  }
}

export function reportOf(conn: Connection, refresh = false): ConnectionReport {
  const m = refresh && conn.open ? conn.refreshMptcp() : conn.mptcp;
  const fmt = (ip: string, port: number) => (ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`);
  return {
    remote: fmt(conn.remoteAddress, conn.remotePort),
    local: fmt(conn.localAddress, conn.localPort),
    tls: conn.tls,
    mptcp: m.state,
    subflows: m.subflows,
    subflowList: m.subflowList,
  };
}
