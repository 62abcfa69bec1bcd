// One connection attempt to one address: a libc socket (TCP or MPTCP), optional local binding,
// non-blocking connect, and a wait for the outcome. The result is a connected fd that Bun can adopt:
// Bun.connect({ fd }) assumes the fd is already connected (shared/PLATFORM.md), so we must know first.
import { FetchxError } from "../errors.ts";
import * as libc from "./libc.ts";
import { waitFd } from "./poll.ts";
import { sockaddr } from "./sockaddr.ts";

/** An attempt that failed for this address only; the next candidate may still work. */
export class AttemptError extends Error {
  constructor(
    readonly ip: string,
    readonly errno: number,
  ) {
    super(`${describeErrno(errno)} (${ip})`);
  }
}

/** "connection refused [ECONNREFUSED]": libuv's wording, as node:util gives it, and the name to search for. */
const describeErrno = (n: number) => `${libc.errnoMessage(n)} [${libc.errnoName(n)}]`;

export interface AttemptOptions {
  mptcp: boolean;
  interface?: string;
  localAddress?: string;
  /** curl --local-port: the first free port of [first, last]. */
  localPorts?: [number, number];
  /** sin6_scope_id for an IPv6 address (the URL's zone), instead of the address's own "%zone". */
  scope?: number;
  /** Aborted when another attempt won or the dial gave up; the fd is then closed here. */
  cancel: AbortSignal;
}

const familyOf = (ip: string) => (ip.includes(":") ? libc.AF_INET6 : libc.AF_INET);

/** The MPTCP refusal is about this machine, not this address: it ends the whole dial, no retry. */
function mptcpUnavailable(errno: number): FetchxError {
  const message =
    errno === libc.ENOPROTOOPT
      ? "MPTCP is disabled on this system (net.mptcp.enabled=0): enable it with 'sysctl -w net.mptcp.enabled=1', or drop --mptcp"
      : "this kernel has no MPTCP support (needs Linux >= 5.6 with CONFIG_MPTCP): use another kernel, or drop --mptcp";
  return new FetchxError("MPTCP_UNAVAILABLE", `${message} [socket(): ${libc.errnoName(errno)}]`, { retryable: false });
}

export const isMptcpRefusal = (errno: number) =>
  errno === libc.ENOPROTOOPT || errno === libc.EPROTONOSUPPORT || errno === libc.EINVAL;

/** Opens the socket the way every attempt does; exported for `mptcpAvailable`. */
export function openSocket(family: number, mptcp: boolean): libc.SysResult {
  const type = libc.SOCK_STREAM | libc.SOCK_NONBLOCK | libc.SOCK_CLOEXEC;
  return libc.socket(family, type, mptcp ? libc.IPPROTO_MPTCP : libc.IPPROTO_TCP);
}

function bindLocal(fd: number, ip: string, opts: AttemptOptions): void {
  if (opts.interface) {
    const name = new TextEncoder().encode(`${opts.interface}\0`);
    const r = libc.setsockoptBytes(fd, libc.SOL_SOCKET, libc.SO_BINDTODEVICE, name);
    if (r.ret < 0)
      throw new FetchxError("INTERFACE", `could not bind to interface "${opts.interface}": ${libc.errnoName(r.errno)}`, {
        retryable: false,
      });
  }
  if (opts.localAddress && familyOf(opts.localAddress) !== familyOf(ip)) throw new AttemptError(ip, 97);
  if (opts.localPorts) return bindPort(fd, ip, opts.localAddress, opts.localPorts);
  if (opts.localAddress) {
    const r = libc.bind(fd, sockaddr(opts.localAddress, 0));
    if (r.ret < 0)
      throw new FetchxError("INTERFACE", `could not bind to local address ${opts.localAddress}: ${libc.errnoName(r.errno)}`, {
        retryable: false,
      });
  }
}

/**
 * curl --local-port: the first port of the range that binds (on `address`, else any address of the
 * target's family). None free is curl's CURLE_INTERFACE_FAILED (45), not retried.
 */
function bindPort(fd: number, ip: string, address: string | undefined, [first, last]: [number, number]): void {
  const local = address ?? (familyOf(ip) === libc.AF_INET6 ? "::" : "0.0.0.0");
  let errno = 0;
  for (let port = first; port <= last; port++) {
    const r = libc.bind(fd, sockaddr(local, port));
    if (r.ret >= 0) return;
    errno = r.errno;
    if (errno !== libc.EADDRINUSE && errno !== libc.EACCES) break;
  }
  const range = first === last ? `port ${first}` : `a port of ${first}-${last}`;
  throw new FetchxError("INTERFACE", `could not bind to ${range}: ${libc.errnoName(errno)}`, { retryable: false });
}

/** sockaddr_un for a path; a leading "\0" names an abstract socket (Linux). */
function sockaddrUn(path: string): Uint8Array {
  const name = new TextEncoder().encode(path);
  if (name.byteLength > 107) throw new FetchxError("CONNECT", `Unix socket path too long (${name.byteLength} bytes, at most 107)`, { retryable: false });
  const buf = new Uint8Array(2 + name.byteLength + (path.startsWith("\0") ? 0 : 1));
  new DataView(buf.buffer).setUint16(0, libc.AF_UNIX, true);
  buf.set(name, 2);
  return buf;
}

/** A connected, non-blocking fd to a Unix domain socket (curl --unix-socket, --abstract-unix-socket). */
export async function connectUnix(path: string, cancel: AbortSignal): Promise<number> {
  const s = libc.socket(libc.AF_UNIX, libc.SOCK_STREAM | libc.SOCK_NONBLOCK | libc.SOCK_CLOEXEC, 0);
  if (s.ret < 0) throw new AttemptError(path, s.errno);
  const fd = s.ret;
  try {
    const c = libc.connect(fd, sockaddrUn(path));
    if (c.ret < 0) {
      if (c.errno !== libc.EINPROGRESS && c.errno !== libc.EAGAIN) throw new AttemptError(path, c.errno);
      const r = await waitFd(fd, libc.POLLOUT, { signal: cancel });
      if (r < 0) throw new AttemptError("poll", -r);
      const err = libc.getsockoptInt(fd, libc.SOL_SOCKET, libc.SO_ERROR);
      if (!err.ok) throw new AttemptError(path, err.errno);
      if (err.value !== 0) throw new AttemptError(path, err.value);
    }
    return fd;
  } catch (e) {
    libc.close(fd);
    throw e;
  }
}

/** A connected, non-blocking fd to ip:port. Throws AttemptError, or FetchxError for local problems. */
export async function connectAttempt(ip: string, port: number, opts: AttemptOptions): Promise<number> {
  const s = openSocket(familyOf(ip), opts.mptcp);
  if (s.ret < 0) {
    if (opts.mptcp && isMptcpRefusal(s.errno)) throw mptcpUnavailable(s.errno);
    throw new AttemptError(ip, s.errno);
  }
  const fd = s.ret;
  try {
    bindLocal(fd, ip, opts);
    const c = libc.connect(fd, sockaddr(ip, port, opts.scope));
    if (c.ret < 0) {
      if (c.errno !== libc.EINPROGRESS) throw new AttemptError(ip, c.errno);
      // The end of a non-blocking connect shows as writable (POLLOUT, or POLLERR with SO_ERROR set).
      const r = await waitFd(fd, libc.POLLOUT, { signal: opts.cancel });
      if (r < 0) throw new AttemptError("poll", -r);
    }
    const err = libc.getsockoptInt(fd, libc.SOL_SOCKET, libc.SO_ERROR);
    if (!err.ok) throw new AttemptError(ip, err.errno);
    if (err.value !== 0) throw new AttemptError(ip, err.value);
    if (opts.cancel.aborted) throw opts.cancel.reason;
    return fd;
  } catch (e) {
    libc.close(fd);
    throw e;
  }
}
