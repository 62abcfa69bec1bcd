// struct sockaddr_in / sockaddr_in6 as bytes for bind(2) and connect(2), and back to text. The address
// text itself goes through the C library's inet_pton/inet_ntop, so both directions agree with the kernel's
// view (embedded IPv4, zero compression) without a parser of our own.
import { AF_INET, AF_INET6, inetNtop, inetPton, interfaceIndex } from "./libc.ts";

/** "fe80::1%eth0" -> address and zone (everything after the first "%"). */
export function splitZone(ip: string): { addr: string; zone?: string } {
  const cut = ip.indexOf("%");
  return cut < 0 ? { addr: ip } : { addr: ip.slice(0, cut), zone: ip.slice(cut + 1) };
}

/**
 * The sin6_scope_id for an IPv6 zone: a number as it is (as curl), else the interface of that name in this
 * network namespace (if_nametoindex); null when there is no such interface.
 */
export function zoneIndex(zone: string): number | null {
  if (/^\d+$/.test(zone)) return Number(zone) <= 0xffffffff ? Number(zone) : null;
  return interfaceIndex(zone) || null;
}

/**
 * sockaddr bytes for an IP literal and port. IPv6 may carry a "%zone" (a number or an interface name);
 * `scope`, when given, is the sin6_scope_id instead (the URL's zone applies to every IPv6 address, as in curl).
 */
export function sockaddr(ip: string, port: number, scope?: number): Uint8Array {
  const v4 = inetPton(AF_INET, ip);
  if (v4) {
    const buf = new Uint8Array(16);
    const dv = new DataView(buf.buffer);
    dv.setUint16(0, AF_INET, true);
    dv.setUint16(2, port, false);
    buf.set(v4, 4);
    return buf;
  }
  const { addr, zone } = splitZone(ip);
  const v6 = inetPton(AF_INET6, addr);
  if (!v6) throw new Error(`not an IP address: ${ip}`);
  const buf = new Uint8Array(28);
  const dv = new DataView(buf.buffer);
  dv.setUint16(0, AF_INET6, true);
  dv.setUint16(2, port, false);
  buf.set(v6, 8);
  // An unknown zone leaves 0: connect() then fails for a link-local address, as curl's does.
  dv.setUint32(24, scope ?? (zone ? (zoneIndex(zone) ?? 0) : 0), true);
  return buf;
}

/** Text form "ip" and port of sockaddr bytes from getsockname/getpeername. */
export function parseSockaddr(buf: Uint8Array): { ip: string; port: number; family: 4 | 6 } | null {
  if (buf.byteLength < 4) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const family = dv.getUint16(0, true);
  const port = dv.getUint16(2, false);
  const ip =
    family === AF_INET && buf.byteLength >= 8 ? inetNtop(AF_INET, buf.slice(4, 8))
    : family === AF_INET6 && buf.byteLength >= 24 ? inetNtop(AF_INET6, buf.slice(8, 24))
    : null;
  return ip === null ? null : { ip, port, family: family === AF_INET ? 4 : 6 };
}
