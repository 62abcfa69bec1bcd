// --connect-to HOST1:PORT1:HOST2:PORT2 (curl's semantics): a request for HOST1:PORT1 connects to
// HOST2:PORT2 instead, while the Host header, SNI and certificate check keep the URL's host. An empty
// HOST1 or PORT1 matches any; an empty HOST2 or PORT2 keeps the original. The first matching rule wins.
// Through a proxy it changes the CONNECT target, not the proxy.
import { FetchxError } from "../errors.ts";

export interface ConnectToRule {
  fromHost: string;
  fromPort: number | null;
  toHost: string;
  toPort: number | null;
}

const unbracket = (h: string) => h.replace(/^\[(.*)\]$/, "$1");

export function parseConnectTo(entries: string[]): ConnectToRule[] {
  return entries.map((e) => {
    // Each host part may be an IPv6 literal in brackets; ports are digits or empty.
    const m = /^(\[[^\]]*\]|[^:[\]]*):(\d*):(\[[^\]]*\]|[^:[\]]*):(\d*)$/.exec(e.trim());
    const port = (p: string) => (p === "" ? null : Number(p));
    if (!m || [m[2]!, m[4]!].some((p) => p !== "" && (Number(p) < 1 || Number(p) > 65535)))
      throw new FetchxError("OPTION_SYNTAX", `--connect-to wants HOST1:PORT1:HOST2:PORT2, got "${e}"`); // curl's 49
    return { fromHost: unbracket(m[1]!).toLowerCase(), fromPort: port(m[2]!), toHost: unbracket(m[3]!), toPort: port(m[4]!) };
  });
}

/** Where to connect for host:port. */
export function connectTarget(host: string, port: number, rules: ConnectToRule[]): { host: string; port: number } {
  const h = host.toLowerCase();
  for (const r of rules) {
    if ((r.fromHost === "" || r.fromHost === h) && (r.fromPort === null || r.fromPort === port))
      return { host: r.toHost || host, port: r.toPort ?? port };
  }
  return { host, port };
}
