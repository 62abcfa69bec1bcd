// The in-kernel MPTCP path manager's endpoints and limits, read over generic netlink (family "mptcp_pm")
// through the one libc binding: what `ip mptcp endpoint show` and `ip mptcp limits show` print, without
// iproute2 (a container image may lack it) and without parsing its text.
//
//   socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)
//   CTRL_CMD_GETFAMILY "mptcp_pm"            -> the family id (assigned at boot, differs between hosts)
//   MPTCP_PM_CMD_GET_ADDR with NLM_F_DUMP     -> one message per endpoint (nested MPTCP_PM_ATTR_ADDR)
//   MPTCP_PM_CMD_GET_LIMITS                   -> MPTCP_PM_ATTR_RCV_ADD_ADDRS, MPTCP_PM_ATTR_SUBFLOWS
//
// Constants from linux/netlink.h, linux/genetlink.h and linux/mptcp_pm.h (uapi, stable). Everything is per
// network namespace: the answers are those of the namespace this process runs in. The socket is blocking:
// the kernel answers a request from within send() (dumps continue from within recv()), so recv never waits
// on anything but the kernel.
import * as libc from "./libc.ts";

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const NETLINK_GENERIC = 16;

const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_DUMP = 0x300;
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;

const GENL_ID_CTRL = 0x10;
const CTRL_CMD_GETFAMILY = 3;
const CTRL_ATTR_FAMILY_ID = 1;
const CTRL_ATTR_FAMILY_NAME = 2;

const MPTCP_PM_NAME = "mptcp_pm";
const MPTCP_PM_VER = 1;
const MPTCP_PM_CMD_GET_ADDR = 3;
const MPTCP_PM_CMD_GET_LIMITS = 6;
const MPTCP_PM_ATTR_ADDR = 1;
const MPTCP_PM_ATTR_RCV_ADD_ADDRS = 2;
const MPTCP_PM_ATTR_SUBFLOWS = 3;
const ADDR_ATTR_ID = 2;
const ADDR_ATTR_ADDR4 = 3;
const ADDR_ATTR_ADDR6 = 4;
const ADDR_ATTR_PORT = 5;
const ADDR_ATTR_FLAGS = 6;
const ADDR_ATTR_IF_IDX = 7;
/** nla_type carries NLA_F_NESTED / NLA_F_NET_BYTEORDER in its top bits. */
const NLA_TYPE_MASK = 0x3fff;

const FLAG_NAMES: [number, string][] = [
  [1, "signal"],
  [2, "subflow"],
  [4, "backup"],
  [8, "fullmesh"],
  [16, "implicit"],
];

export interface PmEndpoint {
  address: string;
  id: number;
  /** "signal", "subflow", "backup", "fullmesh", "implicit", as `ip mptcp endpoint show` names them. */
  flags: string[];
  port?: number;
  /** Interface index (0 or absent: none given). */
  ifindex?: number;
  /** Its name in this namespace (if_indextoname), as `ip mptcp endpoint show` prints after `dev`. */
  dev?: string;
}

export interface PmLimits {
  subflows: number;
  addAddrAccepted: number;
}

/** Why netlink could not answer: errno name and a sentence. */
export class NetlinkError extends Error {
  constructor(readonly errno: string, message: string) {
    super(`${message} [${errno}]`);
  }
}

const align4 = (n: number) => (n + 3) & ~3;

/** One attribute: length, type, value padded to 4 bytes. */
function attr(type: number, value: Uint8Array): Uint8Array {
  const out = new Uint8Array(align4(4 + value.byteLength));
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 4 + value.byteLength, true);
  dv.setUint16(2, type, true);
  out.set(value, 4);
  return out;
}

function message(type: number, flags: number, seq: number, cmd: number, version: number, attrs: Uint8Array[] = []): Uint8Array {
  const len = 20 + attrs.reduce((n, a) => n + a.byteLength, 0);
  const out = new Uint8Array(len);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, len, true);
  dv.setUint16(4, type, true);
  dv.setUint16(6, flags, true);
  dv.setUint32(8, seq, true);
  dv.setUint32(12, 0, true); // the kernel fills in our port id
  out[16] = cmd;
  out[17] = version;
  let at = 20;
  for (const a of attrs) (out.set(a, at), (at += a.byteLength));
  return out;
}

/** Attributes of a buffer (a message's payload after the genl header, or a nested attribute). */
export function parseAttrs(buf: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let at = 0; at + 4 <= buf.byteLength; ) {
    const len = dv.getUint16(at, true);
    if (len < 4 || at + len > buf.byteLength) break;
    out.set(dv.getUint16(at + 2, true) & NLA_TYPE_MASK, buf.subarray(at + 4, at + len));
    at += align4(len);
  }
  return out;
}

const u16 = (b: Uint8Array | undefined) => (b && b.byteLength >= 2 ? new DataView(b.buffer, b.byteOffset).getUint16(0, true) : undefined);
const u32 = (b: Uint8Array | undefined) => (b && b.byteLength >= 4 ? new DataView(b.buffer, b.byteOffset).getUint32(0, true) : undefined);
const i32 = (b: Uint8Array | undefined) => (b && b.byteLength >= 4 ? new DataView(b.buffer, b.byteOffset).getInt32(0, true) : undefined);

/** One endpoint from its nested MPTCP_PM_ATTR_ADDR payload. */
export function parseEndpoint(nested: Uint8Array): PmEndpoint | null {
  const a = parseAttrs(nested);
  const v4 = a.get(ADDR_ATTR_ADDR4);
  const v6 = a.get(ADDR_ATTR_ADDR6);
  const address = v4 && v4.byteLength >= 4 ? libc.inetNtop(libc.AF_INET, v4.slice(0, 4)) : v6 && v6.byteLength >= 16 ? libc.inetNtop(libc.AF_INET6, v6.slice(0, 16)) : null;
  if (!address) return null;
  const bits = u32(a.get(ADDR_ATTR_FLAGS)) ?? 0;
  const ep: PmEndpoint = { address, id: a.get(ADDR_ATTR_ID)?.[0] ?? 0, flags: FLAG_NAMES.filter(([b]) => bits & b).map(([, n]) => n) };
  const port = a.get(ADDR_ATTR_PORT);
  // Host byte order, as the kernel's mptcp_nl_fill_addr puts it (checked: 8080 reads back as 8080).
  const p = u16(port);
  if (p) ep.port = p;
  const ifindex = i32(a.get(ADDR_ATTR_IF_IDX));
  if (ifindex) {
    ep.ifindex = ifindex;
    const dev = libc.interfaceName(ifindex);
    if (dev) ep.dev = dev;
  }
  return ep;
}

/** A generic netlink socket that exchanges one request at a time. */
class GenlSocket {
  private seq = 1;
  private readonly buf = new Uint8Array(64 * 1024);

  private constructor(private readonly fd: number) {}

  static open(): GenlSocket {
    const s = libc.socket(AF_NETLINK, SOCK_RAW | libc.SOCK_CLOEXEC, NETLINK_GENERIC);
    if (s.ret < 0) throw new NetlinkError(libc.errnoName(s.errno), "cannot open a generic netlink socket");
    return new GenlSocket(s.ret);
  }

  close(): void {
    libc.close(this.fd);
  }

  /** Sends one request; returns the payload (after the genl header) of each answer until DONE or the ACK. */
  request(type: number, flags: number, cmd: number, version: number, attrs: Uint8Array[] = []): Uint8Array[] {
    const seq = this.seq++;
    const sent = libc.send(this.fd, message(type, flags | NLM_F_REQUEST | NLM_F_ACK, seq, cmd, version, attrs), 0);
    if (sent.ret < 0) throw new NetlinkError(libc.errnoName(sent.errno), "netlink send failed");
    const out: Uint8Array[] = [];
    for (;;) {
      const r = libc.recv(this.fd, this.buf, 0);
      if (r.ret < 0) throw new NetlinkError(libc.errnoName(r.errno), "netlink recv failed");
      const dv = new DataView(this.buf.buffer, 0, r.ret);
      for (let at = 0; at + 16 <= r.ret; ) {
        const len = dv.getUint32(at, true);
        const mtype = dv.getUint16(at + 4, true);
        const mseq = dv.getUint32(at + 8, true);
        if (len < 16 || at + len > r.ret) break;
        if (mseq === seq) {
          if (mtype === NLMSG_DONE) return out;
          if (mtype === NLMSG_ERROR) {
            const err = -dv.getInt32(at + 16, true);
            if (err === 0) return out; // the ACK
            throw new NetlinkError(libc.errnoName(err), `netlink request refused: ${libc.errnoMessage(err)}`);
          }
          out.push(this.buf.slice(at + 20, at + len));
        }
        at += align4(len);
      }
    }
  }

  /** The id of a generic netlink family, or null when the kernel has none of that name (ENOENT). */
  familyId(name: string): number | null {
    try {
      const [reply] = this.request(GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1, [attr(CTRL_ATTR_FAMILY_NAME, new TextEncoder().encode(`${name}\0`))]);
      return u16(reply && parseAttrs(reply).get(CTRL_ATTR_FAMILY_ID)) ?? null;
    } catch (err) {
      if (err instanceof NetlinkError && err.errno === "ENOENT") return null;
      throw err;
    }
  }
}

export interface PmState {
  endpoints: PmEndpoint[];
  limits: PmLimits;
}

/**
 * The endpoints and limits of this network namespace's in-kernel path manager. Null when the kernel has
 * no "mptcp_pm" family (no MPTCP); throws NetlinkError when netlink itself fails.
 */
export function readPathManager(): PmState | null {
  const sock = GenlSocket.open();
  try {
    const family = sock.familyId(MPTCP_PM_NAME);
    if (family === null) return null;
    const endpoints: PmEndpoint[] = [];
    for (const payload of sock.request(family, NLM_F_DUMP, MPTCP_PM_CMD_GET_ADDR, MPTCP_PM_VER)) {
      const nested = parseAttrs(payload).get(MPTCP_PM_ATTR_ADDR);
      const ep = nested && parseEndpoint(nested);
      if (ep) endpoints.push(ep);
    }
    const [limits] = sock.request(family, 0, MPTCP_PM_CMD_GET_LIMITS, MPTCP_PM_VER);
    const la = limits ? parseAttrs(limits) : new Map<number, Uint8Array>();
    return {
      endpoints,
      limits: { subflows: u32(la.get(MPTCP_PM_ATTR_SUBFLOWS)) ?? 0, addAddrAccepted: u32(la.get(MPTCP_PM_ATTR_RCV_ADD_ADDRS)) ?? 0 },
    };
  } finally {
    sock.close();
  }
}
