// struct sockaddr_in / sockaddr_in6 as bytes for bind(2) and connect(2), and back to text. The address
// text itself goes through the C library's inet_pton/inet_ntop, so both directions agree with the kernel's
// view (embedded IPv4, zero compression) without a parser of our own.
import { AF_INET, AF_INET6, inetNtop, inetPton } from "./libc.ts";

/** sockaddr bytes for an IP literal (IPv6 may carry a %scope, numeric only) and port. */
export function sockaddr(ip: string, port: number): Uint8Array {
  const v4 = inetPton(AF_INET, ip);
  if (v4) {
    const buf = new Uint8Array(16);
    const dv = new DataView(buf.buffer);
    dv.setUint16(0, AF_INET, true);
    dv.setUint16(2, port, false);
    buf.set(v4, 4);
    return buf;
  }
  const [addr, scope] = ip.split("%");
  const v6 = inetPton(AF_INET6, addr!);
  if (!v6) throw new Error(`not an IP address: ${ip}`);
  const buf = new Uint8Array(28);
  const dv = new DataView(buf.buffer);
  dv.setUint16(0, AF_INET6, true);
  dv.setUint16(2, port, false);
  buf.set(v6, 8);
  if (scope && /^\d+$/.test(scope)) dv.setUint32(24, Number(scope), true);
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
