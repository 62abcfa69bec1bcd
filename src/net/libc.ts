// The one bun:ffi dlopen in fetchx. "libc.so.6" works on glibc and, through musl's loader answering every
// libc name with itself, on musl too (shared/PLATFORM.md). No fallback names: on glibc, opening the musl
// loader would load a second libc into the process.
import { dlopen, FFIType, ptr, read, type Pointer } from "bun:ffi";

const { i32, u32, ptr: p } = FFIType;

const lib = dlopen("libc.so.6", {
  socket: { args: [i32, i32, i32], returns: i32 },
  connect: { args: [i32, p, u32], returns: i32 },
  bind: { args: [i32, p, u32], returns: i32 },
  listen: { args: [i32, i32], returns: i32 },
  poll: { args: [p, u32, i32], returns: i32 },
  getsockopt: { args: [i32, i32, i32, p, p], returns: i32 },
  setsockopt: { args: [i32, i32, i32, p, u32], returns: i32 },
  getsockname: { args: [i32, p, p], returns: i32 },
  getpeername: { args: [i32, p, p], returns: i32 },
  close: { args: [i32], returns: i32 },
  send: { args: [i32, p, FFIType.u64, i32], returns: FFIType.i64 },
  recv: { args: [i32, p, FFIType.u64, i32], returns: FFIType.i64 },
  fallocate: { args: [i32, i32, FFIType.i64, FFIType.i64], returns: i32 },
  write: { args: [i32, p, FFIType.u64_fast], returns: FFIType.i64_fast },
  fcntl: { args: [i32, i32, i32], returns: i32 },
  pwrite: { args: [i32, p, FFIType.u64_fast, FFIType.i64_fast], returns: FFIType.i64_fast },
  __errno_location: { args: [], returns: p },
});

const c = lib.symbols;

// Linux values; identical on x86_64 and aarch64 (asm-generic).
export const AF_INET = 2;
export const AF_INET6 = 10;
export const SOCK_STREAM = 1;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;
export const IPPROTO_TCP = 6;
export const IPPROTO_MPTCP = 262;
export const SOL_SOCKET = 1;
export const SOL_TCP = 6;
export const SOL_MPTCP = 284;
export const SO_REUSEADDR = 2;
export const SO_ERROR = 4;
export const SO_BINDTODEVICE = 25;
export const TCP_IS_MPTCP = 43;
export const MPTCP_INFO = 1;
export const MPTCP_FULL_INFO = 4;
export const POLLIN = 0x001;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;

export const errnoNames: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  4: "EINTR",
  5: "EIO",
  9: "EBADF",
  11: "EAGAIN",
  13: "EACCES",
  19: "ENODEV",
  22: "EINVAL",
  24: "EMFILE",
  28: "ENOSPC",
  32: "EPIPE",
  122: "EDQUOT",
  30: "EROFS",
  92: "ENOPROTOOPT",
  93: "EPROTONOSUPPORT",
  95: "EOPNOTSUPP",
  97: "EAFNOSUPPORT",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
  100: "ENETDOWN",
  101: "ENETUNREACH",
  103: "ECONNABORTED",
  104: "ECONNRESET",
  110: "ETIMEDOUT",
  111: "ECONNREFUSED",
  113: "EHOSTUNREACH",
  114: "EALREADY",
  115: "EINPROGRESS",
};
export const EINPROGRESS = 115;
export const ENOPROTOOPT = 92;
export const EPROTONOSUPPORT = 93;
export const EINVAL = 22;

export const errnoName = (n: number) => errnoNames[n] ?? `errno ${n}`;

/** errno of the calling thread; read it right after the failing call. */
export function errno(): number {
  const loc = c.__errno_location() as Pointer;
  return read.i32(loc, 0);
}

/** A libc call result with errno captured at once when it failed. */
export interface SysResult {
  ret: number;
  errno: number;
}

function sys(ret: number): SysResult {
  return { ret, errno: ret < 0 ? errno() : 0 };
}

export const socket = (family: number, type: number, protocol: number) => sys(c.socket(family, type, protocol));
export const connect = (fd: number, addr: Uint8Array) => sys(c.connect(fd, ptr(addr), addr.byteLength));
export const bind = (fd: number, addr: Uint8Array) => sys(c.bind(fd, ptr(addr), addr.byteLength));
export const listen = (fd: number, backlog: number) => sys(c.listen(fd, backlog));
export const close = (fd: number) => c.close(fd);
// send/recv on a raw fd: the proxy CONNECT exchange runs before Bun adopts the socket (src/net/proxy.ts).
export const send = (fd: number, data: Uint8Array, flags: number) => sys(Number(c.send(fd, ptr(data), data.byteLength, flags)));
export const recv = (fd: number, buf: Uint8Array, flags: number) => sys(Number(c.recv(fd, ptr(buf), buf.byteLength, flags)));

export function setsockoptInt(fd: number, level: number, name: number, value: number): SysResult {
  const buf = new Int32Array([value]);
  return sys(c.setsockopt(fd, level, name, ptr(buf), 4));
}

export function setsockoptBytes(fd: number, level: number, name: number, value: Uint8Array): SysResult {
  return sys(c.setsockopt(fd, level, name, ptr(value), value.byteLength));
}

/** getsockopt into a buffer of `size` bytes; returns the bytes the kernel filled, or the errno. */
export function getsockopt(
  fd: number,
  level: number,
  name: number,
  size: number,
): { ok: true; data: Uint8Array } | { ok: false; errno: number } {
  const buf = new Uint8Array(Math.max(size, 4));
  const len = new Uint32Array([size]);
  const r = sys(c.getsockopt(fd, level, name, ptr(buf), ptr(len)));
  if (r.ret < 0) return { ok: false, errno: r.errno };
  return { ok: true, data: buf.subarray(0, len[0]) };
}

/** getsockopt with a caller-filled buffer, for options that read a header from user space
 *  (MPTCP_SUBFLOW_ADDRS); returns the length the kernel reports. */
export function getsockoptInto(fd: number, level: number, name: number, buf: Uint8Array): { ok: true; len: number } | { ok: false; errno: number } {
  const len = new Uint32Array([buf.byteLength]);
  const r = sys(c.getsockopt(fd, level, name, ptr(buf), ptr(len)));
  if (r.ret < 0) return { ok: false, errno: r.errno };
  return { ok: true, len: len[0]! };
}

export function getsockoptInt(fd: number, level: number, name: number): { ok: true; value: number } | { ok: false; errno: number } {
  const r = getsockopt(fd, level, name, 4);
  if (!r.ok) return r;
  return { ok: true, value: new DataView(r.data.buffer, r.data.byteOffset, 4).getInt32(0, true) };
}

/** poll(2) on one fd with the given timeout in ms; returns revents (0 on timeout) or -errno. */
export function pollOne(fd: number, events: number, timeoutMs: number): number {
  const pfd = new Uint8Array(8); // struct pollfd { int fd; short events; short revents; }
  const dv = new DataView(pfd.buffer);
  dv.setInt32(0, fd, true);
  dv.setInt16(4, events, true);
  const r = c.poll(ptr(pfd), 1, timeoutMs);
  if (r < 0) return -errno();
  return r === 0 ? 0 : dv.getInt16(6, true);
}

function nameOf(fn: typeof c.getsockname, fd: number): Uint8Array | null {
  const buf = new Uint8Array(128);
  const len = new Uint32Array([128]);
  if (fn(fd, ptr(buf), ptr(len)) < 0) return null;
  return buf.subarray(0, len[0]);
}
export const getsockname = (fd: number) => nameOf(c.getsockname, fd);
export const getpeername = (fd: number) => nameOf(c.getpeername, fd);

/** Reserves [0, len) of a file on disk (ENOSPC now rather than mid-transfer). */
export const fallocate = (fd: number, len: number) => sys(c.fallocate(fd, 0, 0, len));

/** write(2) (position null) or pwrite(2): bytes written, or -errno. */
export function writeFd(fd: number, buf: Uint8Array, position: number | null): number {
  const n = Number(position === null ? c.write(fd, ptr(buf), buf.byteLength) : c.pwrite(fd, ptr(buf), buf.byteLength, position));
  return n < 0 ? -errno() : n;
}

const F_GETFL = 3;
const F_SETFL = 4;
export const O_NONBLOCK = 0o4000;

const F_SETPIPE_SZ = 1031;

/** Asks for a larger pipe buffer (fewer wake-ups per byte); the kernel may cap or refuse it. */
export const growPipe = (fd: number, bytes: number) => c.fcntl(fd, F_SETPIPE_SZ, bytes) >= 0;

/** Sets O_NONBLOCK on an fd (a pipe we must not block on); returns false when fcntl fails. */
export function setNonBlocking(fd: number): boolean {
  const flags = c.fcntl(fd, F_GETFL, 0);
  return flags >= 0 && c.fcntl(fd, F_SETFL, flags | O_NONBLOCK) >= 0;
}
