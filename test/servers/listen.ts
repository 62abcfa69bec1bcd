// A listening socket made through bun:ffi, so test servers can listen with IPPROTO_MPTCP (a plain
// Bun.listen cannot). Adopt the fd with Bun.listen({ fd, socket }) (shared/PLATFORM.md).
import * as libc from "../../src/net/libc.ts";
import { sockaddr } from "../../src/net/sockaddr.ts";

export interface ListeningSocket {
  fd: number;
  port: number;
  host: string;
}

/** Listen on host:port (port 0 = any free port) with MPTCP or plain TCP. Throws when the kernel refuses. */
export function listenSocket(opts: { host?: string; port?: number; mptcp: boolean }): ListeningSocket {
  const host = opts.host ?? "127.0.0.1";
  const v6 = host.includes(":");
  const proto = opts.mptcp ? libc.IPPROTO_MPTCP : libc.IPPROTO_TCP;
  const s = libc.socket(v6 ? libc.AF_INET6 : libc.AF_INET, libc.SOCK_STREAM | libc.SOCK_NONBLOCK | libc.SOCK_CLOEXEC, proto);
  if (s.ret < 0) throw new Error(`socket(${opts.mptcp ? "MPTCP" : "TCP"}): ${libc.errnoName(s.errno)}`);
  const fd = s.ret;
  libc.setsockoptInt(fd, libc.SOL_SOCKET, libc.SO_REUSEADDR, 1);
  const b = libc.bind(fd, sockaddr(host, opts.port ?? 0));
  if (b.ret < 0) {
    libc.close(fd);
    throw new Error(`bind ${host}: ${libc.errnoName(b.errno)}`);
  }
  const l = libc.listen(fd, 511);
  if (l.ret < 0) {
    libc.close(fd);
    throw new Error(`listen: ${libc.errnoName(l.errno)}`);
  }
  const name = libc.getsockname(fd)!;
  const port = (name[2]! << 8) | name[3]!;
  return { fd, port, host };
}
