// What the kernel says about a socket's Multipath TCP state.
//
// Yes/no comes from TCP_IS_MPTCP (SOL_TCP): it also works under qemu-user, which does not emulate
// SOL_MPTCP. The subflow count comes from MPTCP_INFO (struct mptcp_info, linux/mptcp.h):
//   offset 0  u8 mptcpi_subflows        -- subflows *added* by the path manager: excludes the first one
//   offset 80 u8 mptcpi_subflows_total  -- all subflows incl. the initial one (Linux >= 6.10)
// Checked on this 6.18 kernel with a `subflow` endpoint: after the join, mptcpi_subflows = 1 and
// mptcpi_subflows_total = 2. So we report subflows_total, or mptcpi_subflows + 1 on older kernels
// that fill fewer than 81 bytes. The subflows' endpoints come from MPTCP_SUBFLOW_ADDRS (a 16-byte
// struct mptcp_subflow_data header, then one 256-byte struct mptcp_subflow_addrs per subflow: two
// sockaddr_storage), which is simpler than MPTCP_FULL_INFO's user pointers and gives the same addresses.
import { formatHostPort } from "./hostport.ts";
import * as libc from "./libc.ts";
import { openSocket, isMptcpRefusal } from "./attempt.ts";
import { parseSockaddr } from "./sockaddr.ts";
import type { MptcpStatus, Subflow } from "./types.ts";

const MPTCP_INFO_SIZE = 96;
const SUBFLOWS_OFFSET = 0;
const SUBFLOWS_TOTAL_OFFSET = 80;
const MPTCP_SUBFLOW_ADDRS = 3;
const SUBFLOW_DATA_SIZE = 16;
const SUBFLOW_ADDRS_SIZE = 256;
const MAX_SUBFLOWS_LISTED = 8;

const endpoint = (buf: Uint8Array): string | null => {
  const a = parseSockaddr(buf);
  return a ? formatHostPort(a.ip, a.port) : null;
};

/** Subflow count including the initial subflow, or 0 when the kernel does not tell. */
export function subflowCount(fd: number): number {
  const info = libc.getsockopt(fd, libc.SOL_MPTCP, libc.MPTCP_INFO, MPTCP_INFO_SIZE);
  if (!info.ok || info.data.byteLength <= SUBFLOWS_OFFSET) return 0;
  if (info.data.byteLength > SUBFLOWS_TOTAL_OFFSET) return info.data[SUBFLOWS_TOTAL_OFFSET]!;
  return info.data[SUBFLOWS_OFFSET]! + 1;
}

/** Local and remote endpoint of each subflow; empty when the kernel does not tell. */
export function subflowList(fd: number): Subflow[] {
  const size = SUBFLOW_DATA_SIZE + MAX_SUBFLOWS_LISTED * SUBFLOW_ADDRS_SIZE;
  const buf = new Uint8Array(size);
  const head = new DataView(buf.buffer);
  head.setUint32(0, SUBFLOW_DATA_SIZE, true); // size_subflow_data
  head.setUint32(12, SUBFLOW_ADDRS_SIZE, true); // size_user
  const r = libc.getsockoptInto(fd, libc.SOL_MPTCP, MPTCP_SUBFLOW_ADDRS, buf);
  if (!r.ok) return [];
  const count = Math.min(head.getUint32(4, true), MAX_SUBFLOWS_LISTED);
  const list: Subflow[] = [];
  for (let i = 0; i < count; i++) {
    const at = SUBFLOW_DATA_SIZE + i * SUBFLOW_ADDRS_SIZE;
    const local = endpoint(buf.subarray(at, at + 128));
    const remote = endpoint(buf.subarray(at + 128, at + 256));
    if (local && remote) list.push({ local, remote });
  }
  return list;
}

/** MPTCP state of a connected socket; `asked` says whether it was opened with IPPROTO_MPTCP. */
export function mptcpStatus(fd: number, asked: boolean): MptcpStatus {
  if (!asked) return { state: "off", subflows: 0, subflowList: [] };
  const is = libc.getsockoptInt(fd, libc.SOL_TCP, libc.TCP_IS_MPTCP);
  if (!is.ok || is.value !== 1) return { state: "fallback", subflows: 0, subflowList: [] };
  // Under qemu-user SOL_MPTCP is not emulated: still active, with at least the initial subflow.
  return { state: "active", subflows: Math.max(subflowCount(fd), 1), subflowList: subflowList(fd) };
}

export type MptcpAvailability = { ok: true } | { ok: false; errno: string; reason: string };

/** Whether this system lets us open an MPTCP socket of the given family (for `fetchx doctor`). */
export function mptcpAvailable(family: 4 | 6 = 4): MptcpAvailability {
  const s = openSocket(family === 6 ? libc.AF_INET6 : libc.AF_INET, true);
  if (s.ret >= 0) {
    libc.close(s.ret);
    return { ok: true };
  }
  const errno = libc.errnoName(s.errno);
  if (s.errno === libc.ENOPROTOOPT) return { ok: false, errno, reason: "MPTCP is disabled (net.mptcp.enabled=0)" };
  if (isMptcpRefusal(s.errno)) return { ok: false, errno, reason: "the kernel has no MPTCP support (needs Linux >= 5.6 with CONFIG_MPTCP)" };
  return { ok: false, errno, reason: `socket() failed: ${errno}` };
}
