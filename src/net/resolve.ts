// Host name -> candidate addresses, in the order Happy Eyeballs should try them (RFC 8305 §4):
// --resolve overrides first, IP literals as they are, "localhost" and any name under it as loopback (curl's
// hostip.c, RFC 6761 6.3: no resolver is asked), then the system resolver (node:dns loaded only then:
// about 0.4 ms of CPU that a download from an IP literal does not need).
import { isIP } from "./libc.ts";
import { FetchxError } from "../errors.ts";
import { splitZone, zoneIndex } from "./sockaddr.ts";

export interface ResolveRequest {
  host: string;
  port: number;
  family?: 4 | 6;
  /** --resolve overrides keyed "host:port" ("*:port" matches any host, as in curl). */
  overrides?: Map<string, string[]>;
}

/** "localhost" and the names under it ("app.localhost"), as curl 7.88 matches them. */
const LOCALHOST = /(^|\.)localhost$/i;

const familyOf = (ip: string): 4 | 6 => (isIP(splitZone(ip).addr) === 6 ? 6 : 4);

/**
 * Whether `host` is an IP literal. An IPv6 one may name its zone ("fe80::1%eth0", as getaddrinfo reads it:
 * --connect-to targets); a zone naming no interface here fails as curl's resolver does (exit 6).
 */
function isLiteral(host: string): boolean {
  const { addr, zone } = splitZone(host);
  if (zone === undefined) return isIP(addr) !== 0;
  if (isIP(addr) !== 6 || zone === "") return false;
  if (zoneIndex(zone) === null) throw new FetchxError("RESOLVE", `could not resolve host "${host}" (no network interface "${zone}" here)`, { retryable: false });
  return true;
}

/** IPv6 first, then alternate families, keeping each family's own order (RFC 8305 §4). */
export function interleave(addresses: string[]): string[] {
  const v6 = addresses.filter((a) => familyOf(a) === 6);
  const v4 = addresses.filter((a) => familyOf(a) === 4);
  const out: string[] = [];
  for (let i = 0; i < Math.max(v6.length, v4.length); i++) {
    if (i < v6.length) out.push(v6[i]!);
    if (i < v4.length) out.push(v4[i]!);
  }
  return out;
}

/** Candidate addresses for host:port, interleaved; throws FetchxError RESOLVE when there are none. */
export async function resolveHost(req: ResolveRequest): Promise<string[]> {
  const bare = req.host.startsWith("[") && req.host.endsWith("]") ? req.host.slice(1, -1) : req.host;
  const o = req.overrides;
  let addresses = o?.get(`${bare}:${req.port}`) ?? o?.get(`${req.host}:${req.port}`) ?? o?.get(`*:${req.port}`);
  if (!addresses && isLiteral(bare)) addresses = [bare];
  if (!addresses && LOCALHOST.test(bare)) addresses = ["127.0.0.1", "::1"];
  if (!addresses) {
    try {
      const { lookup } = import.meta.require("node:dns/promises") as typeof import("node:dns/promises");
      const found = await lookup(bare, { all: true, verbatim: true, family: req.family ?? 0 });
      addresses = found.map((a) => a.address);
    } catch (err) {
      throw new FetchxError("RESOLVE", `could not resolve host "${bare}"`, { cause: err });
    }
  }
  const wanted = req.family ? addresses.filter((a) => familyOf(a) === req.family) : addresses;
  if (wanted.length === 0) {
    const why = addresses.length > 0 ? ` (no IPv${req.family} address)` : "";
    throw new FetchxError("RESOLVE", `could not resolve host "${bare}"${why}`);
  }
  return interleave(wanted);
}
