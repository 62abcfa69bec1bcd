// One connection attempt to one address: a libc socket (TCP or MPTCP), optional local binding,
// non-blocking connect, and a wait for the outcome. The result is a connected fd that Bun can adopt:
// Bun.connect({ fd }) assumes the fd is already connected (shared/PLATFORM.md), so we must know first.
import { FetchxError } from "../errors.ts";
import * as libc from "./libc.ts";
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

const ERRNO_TEXT: Record<number, string> = {
  13: "permission denied",
  1: "operation not permitted",
  97: "address family not supported",
  99: "cannot assign requested address",
  100: "network is down",
  101: "network is unreachable",
  104: "connection reset by peer",
  110: "connection timed out",
  111: "connection refused",
  113: "no route to host",
};

export const describeErrno = (n: number) => `${ERRNO_TEXT[n] ?? "connect failed"} [${libc.errnoName(n)}]`;

export interface AttemptOptions {
  mptcp: boolean;
  interface?: string;
  localAddress?: string;
  /** Aborted when another attempt won or the dial gave up; the fd is then closed here. */
  cancel: AbortSignal;
}

const familyOf = (ip: string) => (ip.includes(":") ? libc.AF_INET6 : libc.AF_INET);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
      throw new FetchxError("CONNECT", `could not bind to interface "${opts.interface}": ${libc.errnoName(r.errno)}`, {
        retryable: false,
      });
  }
  if (opts.localAddress) {
    if (familyOf(opts.localAddress) !== familyOf(ip)) throw new AttemptError(ip, 97);
    const r = libc.bind(fd, sockaddr(opts.localAddress, 0));
    if (r.ret < 0)
      throw new FetchxError("CONNECT", `could not bind to local address ${opts.localAddress}: ${libc.errnoName(r.errno)}`, {
        retryable: false,
      });
  }
}

/** Polls for the end of a non-blocking connect without blocking the event loop or spinning. */
async function waitWritable(fd: number, cancel: AbortSignal): Promise<void> {
  let delay = 1;
  for (;;) {
    if (cancel.aborted) throw cancel.reason;
    const revents = libc.pollOne(fd, libc.POLLOUT, 0);
    if (revents < 0 && -revents !== 4) throw new AttemptError("poll", -revents);
    if (revents > 0) return;
    await sleep(delay);
    delay = Math.min(delay * 1.5, 20);
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
    const c = libc.connect(fd, sockaddr(ip, port));
    if (c.ret < 0) {
      if (c.errno !== libc.EINPROGRESS) throw new AttemptError(ip, c.errno);
      await waitWritable(fd, opts.cancel);
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
