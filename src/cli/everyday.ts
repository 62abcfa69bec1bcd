// Options of the everyday-downloader features (proxies, many URLs, rate limit, address control), parsed
// here and spread into the one Options object by toOptions().
import { usageError } from "../errors.ts";
import { isIP } from "../net/libc.ts";
import { parseConnectTo, type ConnectToRule } from "../net/connect-to.ts";
import { proxyEnvFrom, type ProxyEnv } from "../net/proxy.ts";
import { parseRate } from "../ui/format.ts";
import type { RawArgs } from "./parse.ts";

/**
 * curl 8.2's --haproxy-clientip: sent as both addresses, and it turns the protocol on. As curl, any text is
 * sent (a test may want a wrong one), but not one that would end the line or split its fields.
 */
function haproxyOption(on: boolean, clientIp: string | undefined): { clientIp?: string } | undefined {
  if (clientIp === undefined) return on ? {} : undefined;
  if (clientIp === "" || /[\s\0-\x1f\x7f]/.test(clientIp)) throw usageError(`--haproxy-clientip wants an address without spaces or control characters, got ${JSON.stringify(clientIp)}`);
  return { clientIp };
}

export interface EverydayOptions {
  connectTo: ConnectToRule[];
  /** --interface NAME: bind to the device. */
  interface?: string;
  /** --interface ADDR (or host!ADDR): bind the local address. */
  localAddress?: string;
  /** --local-port N[-M]: the local ports to bind, first and last. */
  localPorts?: [number, number];
  /** --haproxy-protocol, --haproxy-clientip (which implies it, as curl 8.2's). */
  haproxy?: { clientIp?: string };
  /** -x; "" turns proxies off, undefined leaves the choice to the environment. */
  proxy?: string;
  noproxy?: string;
  proxyUser?: string;
  /** How proxyUser goes to an HTTP proxy: --proxy-digest, --proxy-anyauth, else Basic. */
  proxyAuthScheme: "basic" | "digest" | "any";
  proxytunnel: boolean;
  /** --suppress-connect-headers: -i and -D show no answer to CONNECT. */
  suppressConnectHeaders: boolean;
  proxyEnv: ProxyEnv;
  /** --limit-rate in bytes per second; 0 = no limit. */
  limitRate: number;
  inputFile?: string;
  parallel: boolean;
  parallelMax: number;
  /** --rate: the least time between two transfer starts of a serial run, ms (0: as fast as they go). */
  rateIntervalMs: number;
}

/** --local-port N or N-M (curl: 0 to 65535, N <= M; a range from 0 binds any port). */
function parseLocalPort(v: string | undefined): [number, number] | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(v);
  const first = Number(m?.[1]);
  const last = m?.[2] === undefined ? first : Number(m[2]);
  if (!m || first > 65535 || last > 65535 || last < first) throw usageError(`--local-port wants a port or a range N-M of ports (0-65535), got "${v}"`);
  return first === 0 ? undefined : [first, last];
}

const RATE_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * curl's --rate N[/[K]U]: N transfer starts per K units (s, m, h, d; per hour when no unit; "5/15s" from
 * curl 8.10), as the time between two starts. Above 1000 a second there is no limit, as in curl.
 */
function parseRateOption(v: string | undefined): number {
  if (v === undefined) return 0;
  const m = /^(\d+)(?:\/(\d*)([smhd]))?$/.exec(v);
  if (!m || Number(m[1]) === 0 || m[2] === "0") throw usageError(`--rate wants transfers per time unit like 2/s, 10/m, 5/15s or 100 (per hour), got "${v}"`);
  const interval = ((m[3] ? RATE_UNIT_MS[m[3]]! : RATE_UNIT_MS.h!) * Number(m[2] || 1)) / Number(m[1]);
  return interval < 1 ? 0 : interval;
}

/** curl's --interface forms: "if!NAME", "host!ADDR", or a bare name or address. */
function parseInterface(v: string | undefined): { interface?: string; localAddress?: string } {
  if (v === undefined) return {};
  if (v === "") throw usageError("--interface wants a name or an address");
  if (v.startsWith("if!")) return { interface: v.slice(3) };
  const addr = (v.startsWith("host!") ? v.slice(5) : v).replace(/^\[(.*)\]$/, "$1");
  // curl 7.88 binds no scoped address (its bind fails, exit 45); the zone goes in the URL instead.
  if (addr.includes("%") && isIP(addr)) throw usageError(`--interface takes an address without a zone id, got "${v}": put the zone in the URL (http://[fe80::1%25eth0]/)`);
  if (v.startsWith("host!")) return { localAddress: addr };
  return isIP(addr) ? { localAddress: addr } : { interface: v };
}

/** curl's --socks4, --socks4a, --socks5 and --socks5-hostname, as the proxy URL scheme they stand for. */
const SOCKS_OPTIONS: Record<string, string> = { socks4: "socks4", socks4a: "socks4a", socks5: "socks5", "socks5-hostname": "socks5h" };

/** -x, or a --socks* option: whichever came last on the command line (curl: they replace each other). A
 *  scheme in a --socks* value wins over the option's, as in curl 7.88 (the option only sets the type
 *  that a URL without a scheme gets): --socks5 socks5h://HOST sends the name. */
function proxyOption(raw: RawArgs): string | undefined {
  let proxy = raw.values.get("proxy") as string | undefined;
  for (const [name, value] of raw.order ?? []) {
    if (name === "proxy") proxy = value;
    else if (SOCKS_OPTIONS[name] !== undefined) proxy = value === "" || /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `${SOCKS_OPTIONS[name]}://${value}`;
  }
  return proxy;
}

export function everydayOptions(raw: RawArgs, env: Record<string, string | undefined>): EverydayOptions {
  const str = (n: string) => raw.values.get(n) as string | undefined;
  const rateText = str("limit-rate");
  // 0 (in any unit) means no limit, as in curl.
  const limitRate = rateText === undefined || /^0+(\.0*)?[kmgtb]?(\/[smhd])?$/i.test(rateText.trim()) ? 0 : parseRate(rateText);
  if (limitRate === null) throw usageError(`--limit-rate wants a rate like 200k, 1.5M or 10M/m, got "${rateText}"`);
  const maxText = str("parallel-max");
  if (maxText !== undefined && !/^\d+$/.test(maxText)) throw usageError(`--parallel-max wants a number (at most 300), got "${maxText}"`);
  // As curl: above 300 is 300, 0 is the default.
  const parallelMax = maxText === undefined || Number(maxText) < 1 ? 5 : Math.min(Number(maxText), 300);
  return {
    connectTo: parseConnectTo((raw.values.get("connect-to") as string[] | undefined) ?? []),
    ...parseInterface(str("interface")),
    localPorts: parseLocalPort(str("local-port")),
    haproxy: haproxyOption(raw.values.get("haproxy-protocol") === true, str("haproxy-clientip")),
    proxy: proxyOption(raw),
    noproxy: str("noproxy"),
    proxyUser: str("proxy-user"),
    proxyAuthScheme: raw.values.get("proxy-digest") === true ? "digest" : raw.values.get("proxy-anyauth") === true ? "any" : "basic",
    proxytunnel: raw.values.get("proxytunnel") === true,
    suppressConnectHeaders: raw.values.get("suppress-connect-headers") === true,
    proxyEnv: proxyEnvFrom(env),
    limitRate,
    inputFile: str("input-file"),
    parallel: raw.values.get("parallel") === true,
    parallelMax,
    rateIntervalMs: parseRateOption(str("rate")),
  };
}
