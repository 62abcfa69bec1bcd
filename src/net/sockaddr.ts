// struct sockaddr_in / sockaddr_in6 as bytes for bind(2) and connect(2), and back to text.
import { isIPv4, isIPv6 } from "node:net";
import { AF_INET, AF_INET6 } from "./libc.ts";

function ipv6Bytes(addr: string): Uint8Array {
  let text = addr;
  const out = new Uint8Array(16);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const p = v4[1]!.split(".").map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** sockaddr bytes for an IP literal (IPv6 may carry a %scope, numeric only) and port. */
export function sockaddr(ip: string, port: number): Uint8Array {
  if (isIPv4(ip)) {
    const buf = new Uint8Array(16);
    const dv = new DataView(buf.buffer);
    dv.setUint16(0, AF_INET, true);
    dv.setUint16(2, port, false);
    ip.split(".").forEach((o, i) => (buf[4 + i] = Number(o)));
    return buf;
  }
  const [addr, scope] = ip.split("%");
  if (!isIPv6(addr!)) throw new Error(`not an IP address: ${ip}`);
  const buf = new Uint8Array(28);
  const dv = new DataView(buf.buffer);
  dv.setUint16(0, AF_INET6, true);
  dv.setUint16(2, port, false);
  buf.set(ipv6Bytes(addr!), 8);
  if (scope && /^\d+$/.test(scope)) dv.setUint32(24, Number(scope), true);
  return buf;
}

/** Text form "ip" and port of sockaddr bytes from getsockname/getpeername. */
export function parseSockaddr(buf: Uint8Array): { ip: string; port: number; family: 4 | 6 } | null {
  if (buf.byteLength < 4) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const family = dv.getUint16(0, true);
  const port = dv.getUint16(2, false);
  if (family === AF_INET) return { ip: Array.from(buf.subarray(4, 8)).join("."), port, family: 4 };
  if (family === AF_INET6 && buf.byteLength >= 24) {
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(dv.getUint16(8 + i * 2, false).toString(16));
    // Compress the longest run of zero groups, as inet_ntop does.
    let best = -1, bestLen = 0;
    for (let i = 0; i < 8; ) {
      let j = i;
      while (j < 8 && groups[j] === "0") j++;
      if (j - i > bestLen && j - i > 1) (best = i), (bestLen = j - i);
      i = j === i ? i + 1 : j;
    }
    const ip = best < 0 ? groups.join(":") : `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
    return { ip, port, family: 6 };
  }
  return null;
}
