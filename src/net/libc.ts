// The one bun:ffi dlopen in fetchx. "libc.so.6" works on glibc and, through musl's loader answering every
// libc name with itself, on musl too (shared/PLATFORM.md). No fallback names: on glibc, opening the musl
// loader would load a second libc into the process.
// Opened on first use, not at import: importing this module (the library entry, `--help`, unit tests of
// the pure helpers) must not dlopen anything. libcLoaded() tells, for the test that guards this.
import { dlopen, FFIType, ptr, read, type Pointer } from "bun:ffi";

// node:util is loaded on the first errno name, not at import: importing it costs about 0.7 ms of CPU at
// every start (bench/startup.ts), and `fetchx --version` or `--help` names no errno.
const util = () => import.meta.require("node:util") as typeof import("node:util");

const { i32, u32, ptr: p } = FFIType;

const SYMBOLS = {
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
  isatty: { args: [i32], returns: i32 },
  // Variadic in C; called with its one pointer argument, which both ABIs fetchx targets pass as a fixed one.
  ioctl: { args: [i32, FFIType.u64, p], returns: i32 },
  pwrite: { args: [i32, p, FFIType.u64_fast, FFIType.i64_fast], returns: FFIType.i64_fast },
  inet_pton: { args: [i32, p, p], returns: i32 },
  inet_ntop: { args: [i32, p, p, u32], returns: p },
  __errno_location: { args: [], returns: p },
  if_indextoname: { args: [u32, p], returns: p },
  if_nametoindex: { args: [p], returns: u32 },
  setenv: { args: [p, p, i32], returns: i32 },
  // Whether SIGINT or SIGTERM came ignored from the parent (cli/run.ts).
  sigaction: { args: [i32, p, p], returns: i32 },
  // A lone download's output lookups and small-file commit (sink/file.ts, transfer/download.ts) without
  // node:fs (src/node-fs.ts says why).
  // open(2) is variadic in C; its mode goes as a fixed argument, which both ABIs fetchx targets accept.
  open: { args: [p, i32, u32], returns: i32 },
  fsync: { args: [i32], returns: i32 },
  rename: { args: [p, p], returns: i32 },
  access: { args: [p, i32], returns: i32 },
  readlink: { args: [p, p, FFIType.u64], returns: FFIType.i64 },
  // statx through syscall(2): glibc has a statx() wrapper only from 2.28 and musl from 1.2.5, and a missing
  // symbol would fail this whole dlopen; struct statx, unlike struct stat, is the same on every architecture.
  syscall: { args: [FFIType.i64, i32, p, i32, u32, p], returns: FFIType.i64 },
} as const;

const open = () => dlopen("libc.so.6", SYMBOLS).symbols;
let symbols: ReturnType<typeof open> | undefined;
/** The libc symbols, opened on the first call and kept for the life of the process. */
const lib = () => (symbols ??= open());

/** Whether libc has been opened yet (import alone must not open it). */
export const libcLoaded = () => symbols !== undefined;

/**
 * Text handed to libc as a C string, in one of two buffers that live as long as the module: a pointer from
 * ptr() does not keep its array alive, and a temporary array could be collected before the call reads it.
 * Calls are synchronous, so two slots serve every call (rename and setenv take two strings). Returns the
 * pointer, or -EINVAL for text with a NUL byte (C would cut it there: another name), -ENAMETOOLONG for more
 * than PATH_MAX bytes.
 */
const C_BYTES = 4096; // PATH_MAX, its NUL included
const cBuffers = [new Uint8Array(C_BYTES), new Uint8Array(C_BYTES)] as const;
const cEncoder = new TextEncoder();
function cString(text: string, slot: 0 | 1 = 0): Pointer | number {
  if (text.includes("\0")) return -EINVAL;
  const buf = cBuffers[slot];
  const { read, written } = cEncoder.encodeInto(text, buf.subarray(0, C_BYTES - 1));
  if (read < text.length) return -ENAMETOOLONG;
  buf[written] = 0;
  return ptr(buf);
}
const ENAMETOOLONG = 36;

/** setenv(3) into libc's environment, which the runtime's own getenv() reads (process.env is a copy). */
export function setEnv(name: string, value: string): boolean {
  const n = cString(name, 0);
  const v = cString(value, 1);
  return n >= 0 && v >= 0 && lib().setenv(n as Pointer, v as Pointer, 1) === 0;
}

// Linux values; identical on x86_64 and aarch64 (asm-generic).
export const AF_UNIX = 1;
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

// Bun's errno table (libuv's) lacks these two, which fetchx does meet: a connect in progress and a full
// quota on a write. Every other name and message comes from node:util.
const MISSING: Record<number, [name: string, message: string]> = {
  115: ["EINPROGRESS", "operation now in progress"],
  122: ["EDQUOT", "disk quota exceeded"],
};
const known = (text: string) => !text.startsWith("Unknown system error");

/** "ECONNREFUSED" for 111; "errno N" for a number nobody knows. */
export function errnoName(n: number): string {
  const name = util().getSystemErrorName(-n);
  return known(name) ? name : (MISSING[n]?.[0] ?? `errno ${n}`);
}

/** "connection refused" for 111 (libuv's wording); "errno N" for a number nobody knows. */
export function errnoMessage(n: number): string {
  const text = util().getSystemErrorMessage(-n);
  return known(text) ? text : (MISSING[n]?.[1] ?? `errno ${n}`);
}

export const EINPROGRESS = 115;
export const EAGAIN = 11;
export const ENOPROTOOPT = 92;
export const EPROTONOSUPPORT = 93;
export const EINVAL = 22;
export const EADDRINUSE = 98;
export const EACCES = 13;
const ENOSYS = 38;

/** errno of the calling thread; read it right after the failing call. */
export function errno(): number {
  const loc = lib().__errno_location() as Pointer;
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

export const socket = (family: number, type: number, protocol: number) => sys(lib().socket(family, type, protocol));
export const connect = (fd: number, addr: Uint8Array) => sys(lib().connect(fd, ptr(addr), addr.byteLength));
export const bind = (fd: number, addr: Uint8Array) => sys(lib().bind(fd, ptr(addr), addr.byteLength));
export const listen = (fd: number, backlog: number) => sys(lib().listen(fd, backlog));
export const close = (fd: number) => lib().close(fd);
// send/recv on a raw fd: the proxy CONNECT exchange runs before Bun adopts the socket (src/net/proxy.ts).
export const send = (fd: number, data: Uint8Array, flags: number) => sys(Number(lib().send(fd, ptr(data), data.byteLength, flags)));
export const recv = (fd: number, buf: Uint8Array, flags: number) => sys(Number(lib().recv(fd, ptr(buf), buf.byteLength, flags)));

export function setsockoptInt(fd: number, level: number, name: number, value: number): SysResult {
  const buf = new Int32Array([value]);
  return sys(lib().setsockopt(fd, level, name, ptr(buf), 4));
}

export function setsockoptBytes(fd: number, level: number, name: number, value: Uint8Array): SysResult {
  return sys(lib().setsockopt(fd, level, name, ptr(value), value.byteLength));
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
  const r = sys(lib().getsockopt(fd, level, name, ptr(buf), ptr(len)));
  if (r.ret < 0) return { ok: false, errno: r.errno };
  return { ok: true, data: buf.subarray(0, len[0]) };
}

/** getsockopt with a caller-filled buffer, for options that read a header from user space
 *  (MPTCP_SUBFLOW_ADDRS); returns the length the kernel reports. */
export function getsockoptInto(fd: number, level: number, name: number, buf: Uint8Array): { ok: true; len: number } | { ok: false; errno: number } {
  const len = new Uint32Array([buf.byteLength]);
  const r = sys(lib().getsockopt(fd, level, name, ptr(buf), ptr(len)));
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
  // One struct pollfd { int fd; short events; short revents; } for every call (they cannot overlap: poll
  // blocks), not a new one each time: a pipe being waited for calls this once per 4 KiB its reader takes.
  onePollDv.setInt32(0, fd, true);
  onePollDv.setInt16(4, events, true);
  onePollDv.setInt16(6, 0, true);
  const r = lib().poll(ptr(onePollFd), 1, timeoutMs);
  if (r < 0) return -errno();
  return r === 0 ? 0 : onePollDv.getInt16(6, true);
}
const onePollFd = new Uint8Array(8);
const onePollDv = new DataView(onePollFd.buffer);

/** poll(2) over a caller-filled array of struct pollfd (8 bytes each: int fd, short events, short revents):
 *  the count of ready fds, or -errno. */
export function pollMany(pfds: Uint8Array, count: number, timeoutMs: number): number {
  const r = lib().poll(ptr(pfds), count, timeoutMs);
  return r < 0 ? -errno() : r;
}

/** recv(2) into buf[0, len) with no result object (the body's hot path): bytes, 0 at end of stream, or -errno. */
export function recvInto(fd: number, buf: Uint8Array, len: number): number {
  const n = Number(lib().recv(fd, ptr(buf), len, 0));
  return n < 0 ? -errno() : n;
}

function nameOf(fn: (fd: number, addr: Pointer, len: Pointer) => number, fd: number): Uint8Array | null {
  const buf = new Uint8Array(128);
  const len = new Uint32Array([128]);
  if (fn(fd, ptr(buf), ptr(len)) < 0) return null;
  return buf.subarray(0, len[0]);
}
export const getsockname = (fd: number) => nameOf(lib().getsockname, fd);
export const getpeername = (fd: number) => nameOf(lib().getpeername, fd);

/** inet_pton(3): the 4 (AF_INET) or 16 (AF_INET6) bytes of an address in text, or null when it is not one. */
export function inetPton(family: number, text: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const src = cString(text);
  return src >= 0 && lib().inet_pton(family, src as Pointer, ptr(out)) === 1 ? out.subarray(0, family === AF_INET ? 4 : 16) : null;
}

/**
 * node:net's isIP through inet_pton(3): 4, 6 (an IPv6 literal may carry a "%zone"), or 0. Importing node:net
 * costs about 2 ms of CPU at every start of a download (bench/startup.ts), for this one function; the unit
 * test compares the two on a corpus of near-misses.
 */
export function isIP(text: string): 0 | 4 | 6 {
  if (text.includes("\0")) return 0; // inet_pton would stop at it
  if (inetPton(AF_INET, text)) return 4;
  const zone = text.indexOf("%");
  if (zone >= 0 && !/^[0-9a-zA-Z.:-]+$/.test(text.slice(zone + 1))) return 0;
  return inetPton(AF_INET6, zone < 0 ? text : text.slice(0, zone)) ? 6 : 0;
}

const INET6_ADDRSTRLEN = 46;

/** inet_ntop(3): the text form of 4 or 16 address bytes (IPv6 compressed as the C library does it). */
export function inetNtop(family: number, bytes: Uint8Array): string | null {
  const out = new Uint8Array(INET6_ADDRSTRLEN);
  if (lib().inet_ntop(family, ptr(bytes), ptr(out), out.byteLength) === null) return null;
  // Digits, hex letters, dots and colons: a loop, not a TextDecoder (60-70 us at its first use, every
  // connection's report asks this).
  let text = "";
  for (let k = 0; k < out.byteLength && out[k] !== 0; k++) text += String.fromCharCode(out[k]!);
  return text;
}

/** if_indextoname(3): the name of interface `index` in this network namespace, or null when there is none. */
export function interfaceName(index: number): string | null {
  const out = new Uint8Array(16); // IF_NAMESIZE
  if (lib().if_indextoname(index, ptr(out)) === null) return null;
  const end = out.indexOf(0);
  return new TextDecoder().decode(out.subarray(0, end < 0 ? out.byteLength : end));
}

/** if_nametoindex(3): the index of interface `name` in this network namespace, or 0 when there is none. */
export function interfaceIndex(name: string): number {
  const p = cString(name);
  return p >= 0 ? lib().if_nametoindex(p as Pointer) : 0;
}

/** Reserves [0, len) of a file on disk (ENOSPC now rather than mid-transfer). */
export const fallocate = (fd: number, len: number) => sys(lib().fallocate(fd, 0, 0, len));

/** write(2) (position null) or pwrite(2) of buf from its byte `from` on: bytes written, or -errno. */
export function writeFd(fd: number, buf: Uint8Array, position: number | null, from = 0): number {
  const p = ptr(buf, from);
  const len = buf.byteLength - from;
  const n = Number(position === null ? lib().write(fd, p, len) : lib().pwrite(fd, p, len, position));
  return n < 0 ? -errno() : n;
}

// The path calls below answer -errno; a path with a NUL byte is EINVAL (cString), as node:fs refuses it.

/** open(2) of a path: the fd, or -errno. */
export function openPath(path: string, flags: number, mode = 0): number {
  const p = cString(path);
  if (p < 0) return p;
  const fd = lib().open(p as Pointer, flags, mode);
  return fd < 0 ? -errno() : fd;
}
/** fsync(2): 0, or -errno. */
export const fsync = (fd: number) => (lib().fsync(fd) < 0 ? -errno() : 0);
/** rename(2): 0, or -errno. */
export function renamePath(from: string, to: string): number {
  const a = cString(from, 0);
  const b = cString(to, 1);
  if (a < 0) return a;
  if (b < 0) return b;
  return lib().rename(a as Pointer, b as Pointer) < 0 ? -errno() : 0;
}
/** access(2) with W_OK: whether this process may write the file at `path` (0), or -errno. */
export function writable(path: string): number {
  const p = cString(path);
  if (p < 0) return p;
  return lib().access(p as Pointer, 2) === 0 ? 0 : -errno();
}

/** access(2) with F_OK: whether anything is at `path` (a dangling link counts as nothing, as for existsSync). */
export function pathExists(path: string): boolean {
  const p = cString(path);
  return p >= 0 && lib().access(p as Pointer, 0) === 0;
}

/** readlink(2): the link's target (up to 4 KiB), or null. */
export function readLink(path: string): string | null {
  const p = cString(path);
  if (p < 0) return null;
  const out = new Uint8Array(4096);
  const n = Number(lib().readlink(p as Pointer, ptr(out), out.byteLength));
  return n < 0 ? null : new TextDecoder().decode(out.subarray(0, n));
}

export const O_WRONLY = 0o1;
export const O_TRUNC = 0o1000;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_CLOEXEC = 0o2000000;
/** O_NOFOLLOW: 0o400000 on x86_64, 0o100000 on aarch64 (its O_DIRECTORY and O_NOFOLLOW swap places). */
export const O_NOFOLLOW = process.arch === "arm64" ? 0o100000 : 0o400000;

const SYS_STATX = process.arch === "arm64" ? 291 : 332;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const STATX_TYPE = 0x1;
const STATX_SIZE = 0x200;
const STATX_INO = 0x100;
const STATX_MODE = 0x2;
const STATX_UID = 0x8;
const STATX_GID = 0x10;
const S_IFMT = 0o170000;

/** What is at a path: its type (the S_IFMT bits of st_mode), size, file system ("major:minor") and inode; its permission bits and owner. */
export interface PathStat {
  mode: number;
  size: number;
  dev: string;
  ino: number;
  perm: number;
  uid: number;
  gid: number;
}
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFIFO = 0o010000;
export const S_IFSOCK = 0o140000;

const AT_EMPTY_PATH = 0x1000;
const EMPTY = new Uint8Array(1);

function statx(dirfd: number, path: Pointer | number, flags: number): PathStat | number {
  if (path < 0) return path;
  const buf = new Uint8Array(256); // struct statx
  const r = Number(lib().syscall(SYS_STATX, dirfd, path as Pointer, flags, STATX_TYPE | STATX_SIZE | STATX_MODE | STATX_UID | STATX_GID | STATX_INO, ptr(buf)));
  if (r < 0) return -errno();
  const dv = new DataView(buf.buffer);
  const mode = dv.getUint16(28, true);
  return { mode: mode & S_IFMT, size: Number(dv.getBigUint64(40, true)), dev: `${dv.getUint32(136, true)}:${dv.getUint32(140, true)}`, ino: Number(dv.getBigUint64(32, true)), perm: mode & 0o7777, uid: dv.getUint32(20, true), gid: dv.getUint32(24, true) };
}

/** statx(2) of `path` (of a link itself with `follow` false): its type and size, or -errno. */
export const statPath = (path: string, follow: boolean) => statx(AT_FDCWD, cString(path), follow ? 0 : AT_SYMLINK_NOFOLLOW);
/** statx(2) of an open fd (fstat): its type and size, or -errno. */
export const statFd = (fd: number) => statx(fd, ptr(EMPTY), AT_EMPTY_PATH);

const O_DIRECTORY = process.arch === "arm64" ? 0o40000 : 0o200000;
/** Opens a directory for reading (an anchor for syncfs), or -errno. */
export const openDirectory = (path: string) => openPath(path, O_DIRECTORY | O_CLOEXEC, 0);

// syncfs(2) and fdatasync(2) on a thread of their own (sink/sync-batch.ts, sink/file.ts), opened apart from
// SYMBOLS: glibc before 2.34 keeps pthread_* in libpthread.so.0, and one missing symbol must not fail the
// socket calls. null: not available here (the batch syncs file by file instead; a big file has no
// write-behind).
const SYNC_SYMBOLS = { syncfs: { args: [i32], returns: i32 }, fdatasync: { args: [i32], returns: i32 } } as const;
const PTHREAD_SYMBOLS = {
  pthread_create: { args: [p, p, p, p], returns: i32 },
  pthread_tryjoin_np: { args: [FFIType.u64, p], returns: i32 },
} as const;
type ThreadSymbols = ReturnType<typeof dlopen<typeof SYNC_SYMBOLS>>["symbols"] & ReturnType<typeof dlopen<typeof PTHREAD_SYMBOLS>>["symbols"];
let threadSymbols: ThreadSymbols | null | undefined;
function threadLib(): ThreadSymbols | null {
  if (threadSymbols === undefined) {
    try {
      const sync = dlopen("libc.so.6", SYNC_SYMBOLS).symbols;
      let threads;
      try {
        threads = dlopen("libc.so.6", PTHREAD_SYMBOLS).symbols;
      } catch {
        threads = dlopen("libpthread.so.0", PTHREAD_SYMBOLS).symbols; // glibc < 2.34
      }
      threadSymbols = { ...sync, ...threads };
    } catch {
      threadSymbols = null;
    }
  }
  return threadSymbols;
}
// pthread_create writes the thread's id here; pthread_tryjoin_np the start routine's result there. Module
// long, like cBuffers: ptr() does not keep an array alive.
const threadId = new BigUint64Array(1);
const threadResult = new BigUint64Array(1);
const EBUSY = 16;

/**
 * Starts a thread that runs syncfs(fd) and ends: syncfs itself is the thread's start routine, its int
 * argument arriving as the routine's pointer argument (the first argument register on x86_64 and aarch64
 * alike) and its int result as the routine's result. No JavaScript runs on that thread, and the event loop
 * goes on while the file system syncs. Returns the thread (for syncDone), or -errno when no thread could be
 * started (or the symbols are missing: -ENOSYS).
 */
export const startSyncfs = (fd: number): bigint | number => startThreadOf("syncfs", fd);

/** fdatasync(fd) on a thread of its own, as startSyncfs runs syncfs: the thread, or -errno. */
export const startDatasync = (fd: number): bigint | number => startThreadOf("fdatasync", fd);

function startThreadOf(call: "syncfs" | "fdatasync", fd: number): bigint | number {
  const t = threadLib();
  if (!t) return -ENOSYS;
  const r = t.pthread_create(ptr(threadId), null, (t[call] as unknown as { ptr: Pointer }).ptr, fd as unknown as Pointer);
  return r === 0 ? threadId[0]! : -r;
}

/** undefined while the thread of startSyncfs or startDatasync still runs; then (once: it is joined) 0, or
 *  -1 when its call failed (the thread's errno is gone with it). */
export function syncDone(thread: bigint): number | undefined {
  const r = threadLib()!.pthread_tryjoin_np(thread, ptr(threadResult));
  if (r === EBUSY) return undefined;
  if (r !== 0) return -1;
  return Number(BigInt.asIntN(32, threadResult[0]!)) < 0 ? -1 : 0;
}

/**
 * Whether the signal is ignored (SIG_IGN) in this process. A shell starts a script's background commands with
 * SIGINT ignored, so that Ctrl-C reaches only the foreground; curl, which handles no such signal, keeps that.
 * Only meaningful before a handler for it is installed. sa_handler is the first field of struct sigaction in
 * glibc and musl on every architecture fetchx targets; the struct is 152 bytes in glibc, the buffer larger.
 */
const oldAction = new BigUint64Array(32);
export function signalIgnored(name: "SIGINT" | "SIGTERM"): boolean {
  return lib().sigaction(SIGNALS[name], null, ptr(oldAction)) === 0 && oldAction[0] === SIG_IGN;
}
const SIG_IGN = 1n;
const SIGNALS = { SIGINT: 2, SIGTERM: 15 }; // the same on every Linux architecture

/**
 * dup2(fd, 2): standard error goes where fd goes from now on (curl's --stderr). Opened apart from SYMBOLS:
 * each symbol there costs start-up, and only a run with --stderr needs this one. 0, or -errno.
 */
export function redirectStderr(fd: number): number {
  const { dup2 } = dlopen("libc.so.6", { dup2: { args: [i32, i32], returns: i32 } }).symbols;
  return dup2(fd, 2) < 0 ? -errno() : 0;
}

/**
 * lsetxattr(2) of `name` = `value` on `path` (a link itself, never what it points to): curl's --xattr.
 * Opened apart from SYMBOLS, as redirectStderr. 0, or -errno.
 */
let xattrLib: { lsetxattr: (path: Pointer, name: Pointer, value: Pointer | null, size: number, flags: number) => number } | undefined;
export function setXattr(path: string, name: string, value: string): number {
  const { lsetxattr } = (xattrLib ??= dlopen("libc.so.6", { lsetxattr: { args: [p, p, p, FFIType.u64, i32], returns: i32 } }).symbols);
  const at = cString(path, 0);
  const key = cString(name, 1);
  if (at < 0) return at;
  if (key < 0) return key;
  const bytes = cEncoder.encode(value);
  return lsetxattr(at as Pointer, key as Pointer, bytes.byteLength ? ptr(bytes) : null, bytes.byteLength, 0) < 0 ? -errno() : 0;
}

/** isatty(3): whether fd is a terminal (node:tty costs ~4 ms of start-up just to import). */
export const isTerminal = (fd: number) => lib().isatty(fd) === 1;

const TIOCGWINSZ = 0x5413; // x86_64 and aarch64 alike (asm-generic)

/**
 * The width of the terminal on fd (ioctl TIOCGWINSZ), or undefined when fd is not a terminal or the
 * terminal reports no size. What process.stdout.columns says, without building Node's stream (~10 ms).
 */
export function terminalColumns(fd: number): number | undefined {
  const winsize = new Uint16Array(4); // struct winsize { rows, cols, xpixel, ypixel }
  if (lib().ioctl(fd, TIOCGWINSZ, ptr(winsize)) !== 0) return undefined;
  return winsize[1]! > 0 ? winsize[1] : undefined;
}

const F_GETFL = 3;
const F_SETFL = 4;
export const O_NONBLOCK = 0o4000;

const F_SETPIPE_SZ = 1031;

/** Asks for a larger pipe buffer (fewer wake-ups per byte); the kernel may cap or refuse it. */
export const growPipe = (fd: number, bytes: number) => lib().fcntl(fd, F_SETPIPE_SZ, bytes) >= 0;

/** Sets O_NONBLOCK on an fd (a pipe we must not block on); returns false when fcntl fails. */
export function setNonBlocking(fd: number): boolean {
  const flags = lib().fcntl(fd, F_GETFL, 0);
  return flags >= 0 && lib().fcntl(fd, F_SETFL, flags | O_NONBLOCK) >= 0;
}
