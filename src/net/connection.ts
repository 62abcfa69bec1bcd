// The Connection over an adopted Bun socket: a pull-style reader over Bun's push-style `data`
// events, with backpressure (pause the socket while too much is unread, so memory stays bounded
// when the disk is slower than the network) and writes that continue on `drain` after partial writes.
// Bun owns the fd once adopted: only the socket's end()/terminate() close it, and only once.
//
// Plain TCP skips Bun's data events: Bun allocates a new buffer (up to 512 KiB) for every event, and the
// garbage of 1 GiB of them kept 40+ MB of extra RSS and cost time in GC. Without TLS, Bun's socket is
// paused from `open` (it still writes and closes) and one poller recv(2)s every such fd that someone
// reads: a listener gets views of a reused buffer, valid until it returns, or, when its consumer answers
// with a promise, until the exchange listens again (no recv in between); read() gets a copy.
import type { Socket, SocketHandler } from "bun";
import { nodeFs } from "../node-fs.ts";
import { FetchxError } from "../errors.ts";
import { timerMs } from "../timers.ts";
import { errnoMessage, errnoName, pollMany, POLLIN, readLink, recv, recvInto } from "./libc.ts";
import { mptcpStatus } from "./mptcp.ts";
import type { Connection, DialInfo, DialTimings, MptcpStatus } from "./types.ts";

/** Pause the socket above this many unread bytes, resume below LOW_WATER (hysteresis avoids flapping). */
export const HIGH_WATER = 4 * 1024 * 1024;
export const LOW_WATER = 1024 * 1024;

/** The reused receive buffer (Bun's largest data event is as large; 256 KiB cost more per byte to a file). */
export const RAW_BUFFER = 512 * 1024;
/** recv(2) calls per connection per poller round before the others (and the event loop) get a turn. */
const RAW_BUDGET = 8;
/**
 * At most this much per read() (response heads, --limit-rate): it is copied out, since its caller may keep
 * it. Small, so a small file's body that came with its head is read by the listener from the reused
 * buffer instead: a copy of head and body (33 KB for a 32 KiB file) was 50 us a file in a CPU profile.
 * With 256 KiB, each range request of --connections 8 also left a 256 KiB copy behind: 51-55 MiB peak
 * for 1 GiB, 34-35 MiB with 16 KiB (bench/memory.ts). 16 KiB copies were still the largest item of a
 * -Z run's profile (400 x 32 KiB: 23 of 290 sampled ms, with the collections their garbage brings); a
 * response head is usually under 1 KiB (nginx sends about 250 bytes), and a longer one takes more reads.
 */
const READ_MAX = 4 * 1024;
/** Ask for a garbage collection (Bun.gc(false), not blocking) after this many bytes: 1 GiB to a file
 *  peaked at 44 MB without it and 38 MB with it, for no measurable CPU (bench/README.md). */
const GC_EVERY = 32 * 1024 * 1024;
/** When no fd had data, the poller sleeps in poll(2) this long at most, then lets the event loop run. */
const RAW_WAIT_MS = 10;

/**
 * The event loop's own epoll fd, polled with the sockets: it is readable whenever the loop has something
 * to run (the thread pool finished an open, fdatasync or rename; a signal; a TLS socket's bytes), so the
 * poller wakes for that too instead of sleeping out RAW_WAIT_MS while a finished file waits. 400 files of
 * 32 KiB, 8 at a time: 60 ms of the run were spent in that poll(2) (CPU profile), files waiting behind it.
 * Found once: the first eventpoll fd of the process, which Bun opens at start (-1: none found). Bun opens
 * it before any other file, so the lowest fds are asked one by one (one readlink, fd 3, in a plain run)
 * before listing the directory and reading every link.
 */
let loopFd: number | undefined;
function eventLoopFd(): number {
  if (loopFd !== undefined) return loopFd;
  loopFd = -1;
  // readlink through libc: node:fs is not loaded for this (src/node-fs.ts). null: not open, or no /proc.
  const isLoop = (fd: number) => readLink(`/proc/self/fd/${fd}`) === "anon_inode:[eventpoll]";
  const FIRST = 16;
  for (let fd = 0; fd < FIRST; fd++) if (isLoop(fd)) return (loopFd = fd);
  try {
    for (const fd of nodeFs().readdirSync("/proc/self/fd").map(Number).sort((a, b) => a - b)) if (fd >= FIRST && isLoop(fd)) return (loopFd = fd);
  } catch {
    // No /proc: the poller still wakes after RAW_WAIT_MS.
  }
  return loopFd;
}
/** FETCHX_SOCKET_READER=events keeps Bun's data events for every body (for comparison in bench/). */
const rawReading = process.env.FETCHX_SOCKET_READER !== "events";
const EINTR = 4;
const EAGAIN = 11;
const MSG_PEEK = 2;
const MSG_DONTWAIT = 0x40;

// The connections whose fds the poller reads, and the poller itself: one loop for all of them, so one
// fd waiting does not keep another from being read.
const rawReaders = new Set<SocketConnection>();
// Receive buffers no chunk refers to any more. A consumer that finishes with each chunk before it returns
// (a file, /dev/null) gives the buffer back after every turn, so eight connections share one; a connection
// whose consumer kept a chunk (a pipe being waited for) keeps its buffer until it listens again.
const spareBuffers: Uint8Array[] = [];
let pollerRunning = false;
let pollfds = new Uint8Array(8 * 8);

function startPoller(): void {
  if (pollerRunning) return;
  pollerRunning = true;
  setImmediate(pollRound);
}

// Bytes the poller handed on since it last asked for a collection.
let sinceGc = 0;

function pollRound(): void {
  if (sinceGc > GC_EVERY) {
    // Each chunk leaves a few small objects behind (views, ranges, progress records) and JavaScriptCore
    // lets them pile up for megabytes before it collects: an early, non-blocking hint keeps the heap flat.
    sinceGc = 0;
    Bun.gc(false);
  }
  let more = false;
  for (const c of rawReaders) if (c.drainRaw()) more = true;
  if (rawReaders.size === 0) {
    pollerRunning = false;
    return;
  }
  if (!more) {
    // Nothing was waiting: sleep in poll(2) until an fd is readable (or RAW_WAIT_MS passed), so a
    // slow server costs no CPU; timers, signals and Bun's own sockets are served right after.
    if (pollfds.byteLength < (rawReaders.size + 1) * 8) pollfds = new Uint8Array((rawReaders.size + 1) * 16);
    const dv = new DataView(pollfds.buffer);
    let i = 0;
    const add = (fd: number) => {
      dv.setInt32(i * 8, fd, true);
      dv.setInt16(i * 8 + 4, POLLIN, true);
      dv.setInt16(i * 8 + 6, 0, true);
      i++;
    };
    for (const c of rawReaders) add(c.rawFd);
    const loop = eventLoopFd();
    if (loop >= 0) add(loop);
    pollMany(pollfds, i, RAW_WAIT_MS);
  }
  setImmediate(pollRound);
}

export interface Endpoints {
  fd: number;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  family: 4 | 6;
  tls: boolean;
  /** The socket was opened with IPPROTO_MPTCP. */
  mptcpAsked: boolean;
}

interface Waiter {
  resolve(chunk: Uint8Array | null): void;
  reject(err: FetchxError): void;
  timer?: ReturnType<typeof setTimeout>;
  /** At most this many bytes from the recv that answers it. */
  max: number;
}

interface PendingWrite {
  bytes: Uint8Array;
  resolve(): void;
  reject(err: FetchxError): void;
}

const ERROR_TEXT: Record<string, string> = {
  ECONNRESET: "connection reset by peer",
  EPIPE: "broken pipe",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "no route to host",
  ENETUNREACH: "network is unreachable",
};

export function socketError(err: unknown, code: "RECV" | "SEND" = "RECV"): FetchxError {
  if (err instanceof FetchxError) return err;
  const errno = (err as { code?: string } | null)?.code;
  const text = (errno && ERROR_TEXT[errno]) ?? (err instanceof Error ? err.message : String(err));
  // A TLS alert from the server (TLSV1_ALERT_CERTIFICATE_REQUIRED: the client certificate it wants is
  // missing or refused) says the same on every try: not retried.
  const alert = /_ALERT_/.test(text);
  return new FetchxError(code, errno && ERROR_TEXT[errno] ? `${text} [${errno}]` : text, { cause: err, ...(alert ? { retryable: false } : {}) });
}

/** What a read of a connection fetchx closed itself gets (its caller usually has a better reason). */
const cutByUs = () => new FetchxError("RECV", "connection closed by fetchx");

let nextId = 1;
/** Where a peek at an idle connection's receive queue lands (the byte itself is never used). */
const peekByte = new Uint8Array(1);
const encoder = new TextEncoder();

export class SocketConnection implements Connection {
  readonly id = nextId++;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly family: 4 | 6;
  readonly tls: boolean;

  private readonly fd: number;
  private readonly mptcpAsked: boolean;
  private status: MptcpStatus;
  private socket: Socket | null = null;
  // Unread chunks from `head` on; shifting an index is cheaper than Array#shift on the hot path.
  private queue: Uint8Array[] = [];
  private head = 0;
  private queued = 0;
  private paused = false;
  private ended = false;
  private closed = false;
  private failure: FetchxError | null = null;
  private waiter: Waiter | null = null;
  private listener: ((event: Uint8Array | null | Error) => void) | null = null;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  private lastData = 0;
  /** Bytes came since the idle timer last looked (a flag per chunk: no clock read per chunk). */
  private fresh = false;
  private writes: PendingWrite[] = [];
  /** The poller reads this fd (a listener is set, no TLS). */
  private rawActive = false;
  /** Bun's socket is paused: the poller reads this fd (always, for plain TCP, unless FETCHX_SOCKET_READER=events). */
  private rawPaused = false;
  private rawBuf: Uint8Array | null = null;
  /** This poller turn handed a view of rawBuf to the listener. */
  private rawLent = false;
  timings?: DialTimings;
  dialInfo?: DialInfo;

  constructor(e: Endpoints) {
    this.fd = e.fd;
    this.remoteAddress = e.remoteAddress;
    this.remotePort = e.remotePort;
    this.localAddress = e.localAddress;
    this.localPort = e.localPort;
    this.family = e.family;
    this.tls = e.tls;
    this.mptcpAsked = e.mptcpAsked;
    this.status = mptcpStatus(e.fd, e.mptcpAsked);
  }

  /** Unread bytes held in memory (bounded by HIGH_WATER plus one chunk); on an idle plain-TCP
   *  connection, 1 when the kernel holds bytes nobody asked for (the pool must not reuse it). */
  get queuedBytes(): number {
    return this.queued + (this.idleRaw ? this.peekPending() : 0);
  }

  /** `open` with nothing unread (queuedBytes 0) in one recv(MSG_PEEK) instead of two: a pooled
   *  connection's check before its next request (-Z, 400 files: 400 system calls fewer). */
  get idleUsable(): boolean {
    const pending = this.idleRaw ? this.peekPending() : 0;
    return pending === 0 && this.queued === 0 && this.alive;
  }

  get alive(): boolean {
    return !this.closed && !this.ended && this.failure === null;
  }

  get open(): boolean {
    // Bun's socket is paused and nobody reads: ask the kernel whether the peer closed (or reset).
    if (this.idleRaw) this.peekPending();
    return this.alive;
  }

  get rawFd(): number {
    return this.fd;
  }

  get mptcp(): MptcpStatus {
    return this.status;
  }

  refreshMptcp(): MptcpStatus {
    // After close the fd number may belong to another file: keep the last answer.
    if (this.closed || !this.mptcpAsked) return this.status;
    const now = mptcpStatus(this.fd, true);
    this.status = {
      state: now.state,
      subflows: Math.max(now.subflows, this.status.subflows),
      subflowList: now.subflowList.length > 0 ? now.subflowList : this.status.subflowList,
    };
    return this.status;
  }

  /** Bun socket handlers feeding this connection; given to Bun.connect at adoption. */
  handlers(extra: {
    handshake?: SocketHandler["handshake"];
    /** Told when the socket closes (the dialer uses it to fail a pending TLS handshake). */
    closed?: (err: FetchxError | null) => void;
  }): SocketHandler<undefined, "uint8array"> {
    return {
      binaryType: "uint8array",
      open: (s) => {
        this.socket = s;
        // Plain TCP: Bun never reads this fd; the poller does (read() and listen() alike).
        if (rawReading && !this.tls) {
          s.pause();
          this.rawPaused = true;
        }
      },
      handshake: extra.handshake,
      data: (s, chunk) => this.onData(s, chunk),
      drain: () => this.flushWrites(),
      // While paused for the poller, unread bytes may still be in the kernel: the poller's recv sees the end.
      end: () => void (this.rawPaused || this.onEnd()),
      error: (_s, err) => this.fail(socketError(err)),
      close: (_s, err) => {
        this.stopRaw(); // the fd is Bun's to close: the poller must not read it again
        if (err) this.fail(socketError(err));
        // Our own close() is no end from the peer: reads after it fail (see close()).
        if (!this.closed) this.onEnd();
        this.closed = true;
        if (this.writes.length) this.rejectWrites(this.failure ?? new FetchxError("SEND", "connection closed"));
        extra.closed?.(this.failure);
      },
    };
  }

  read(idleTimeoutMs?: number, max = READ_MAX): Promise<Uint8Array | null> {
    if (this.head < this.queue.length) return Promise.resolve(this.take());
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(null);
    if (this.closed) return Promise.reject(cutByUs());
    if (this.waiter) return Promise.reject(new Error("Connection.read(): a read is already pending"));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, max: Math.min(max, RAW_BUFFER) };
      if (idleTimeoutMs && idleTimeoutMs > 0)
        waiter.timer = setTimeout(() => {
          this.fail(new FetchxError("TIMEOUT", `no data received for ${idleTimeoutMs} ms`));
          this.terminate();
        }, timerMs(idleTimeoutMs));
      this.waiter = waiter;
      if (this.rawPaused) this.startRaw();
    });
  }

  listen(fn: (event: Uint8Array | null | Error) => void, idleTimeoutMs: number): void {
    if (this.failure) return fn(this.failure);
    if (this.ended) return fn(null);
    if (this.closed) return fn(cutByUs());
    this.listener = fn;
    this.lastData = performance.now();
    this.fresh = false;
    // Chunks only raise `fresh` (a TLS download has one every 30 KB); the timer takes the time when it sees
    // it. So the last byte is placed at most one tick late, and the timeout fires at most two ticks late.
    if (idleTimeoutMs > 0)
      this.idleTimer = setInterval(() => {
        if (this.fresh) {
          this.fresh = false;
          this.lastData = performance.now();
          return;
        }
        if (performance.now() - this.lastData < idleTimeoutMs) return;
        this.fail(new FetchxError("TIMEOUT", `no data received for ${idleTimeoutMs} ms`));
        this.terminate();
      }, Math.min(idleTimeoutMs / 4, 1000));
    if (rawReading && !this.tls && this.socket) {
      // listen() comes only once the last chunk was consumed (and its promise settled): the buffer is free.
      if (this.rawBuf) spareBuffers.push(this.rawBuf);
      this.rawBuf = null;
      if (!this.rawPaused && !this.paused) this.socket.pause();
      this.rawPaused = true;
      this.startRaw();
    }
  }

  private startRaw(): void {
    this.rawActive = true;
    rawReaders.add(this);
    startPoller();
  }

  unlisten(chunkKept = true): void {
    // A listener done with every chunk it was given (the response ended) lets this turn's buffer go back
    // to the spares at once. Kept with the connection instead, each of 8 connections that ended a range
    // held its own 512 KiB: 4 MB more than one connection (bench/README.md, --connections 8).
    if (!chunkKept) this.rawLent = false;
    this.listener = null;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    // Bun's socket stays paused: the consumer may be waiting (backpressure); the next listen() or read()
    // goes on with recv.
    this.stopRaw();
  }

  /**
   * One poller turn for this connection: recv into the reused buffer and hand each chunk to the
   * listener, until the kernel has nothing (false) or the budget is spent (true: come back soon).
   */
  drainRaw(): boolean {
    const buf = (this.rawBuf ??= spareBuffers.pop() ?? new Uint8Array(RAW_BUFFER));
    this.rawLent = false;
    try {
      return this.recvTurn(buf);
    } finally {
      // Still listening (every chunk was consumed), or no view was handed out: nothing refers to the buffer.
      if (this.rawActive || !this.rawLent) {
        spareBuffers.push(buf);
        this.rawBuf = null;
      }
    }
  }

  private recvTurn(buf: Uint8Array): boolean {
    for (let i = 0; i < RAW_BUDGET; i++) {
      if (!this.rawActive || this.closed) return false;
      const listener = this.listener;
      if (!listener && !this.waiter) {
        this.stopRaw(); // the read was answered otherwise (unread(), close()): nobody to hand bytes to
        return false;
      }
      const n = recvInto(this.fd, buf, listener ? buf.byteLength : this.waiter!.max);
      if (n > 0) {
        this.fresh = true;
        sinceGc += n;
        if (listener) {
          this.rawLent = true;
          listener(buf.subarray(0, n));
          continue;
        }
        // A read(): its caller may keep the chunk (a parser's partial line, unread()), so it gets a copy.
        this.stopRaw();
        this.takeWaiter()?.resolve(buf.slice(0, n));
        return false;
      }
      if (n === -EAGAIN) return false;
      if (n === -EINTR) continue;
      this.stopRaw();
      if (n === 0) this.onEnd();
      else this.fail(socketError(Object.assign(new Error(errnoMessage(-n)), { code: errnoName(-n) })));
      return false;
    }
    return true;
  }

  private stopRaw(): void {
    if (!this.rawActive) return;
    this.rawActive = false;
    rawReaders.delete(this);
  }

  private get idleRaw(): boolean {
    return this.rawPaused && !this.rawActive && !this.closed && !this.ended && this.failure === null;
  }

  /** Peeks at the kernel's receive queue: 1 when bytes wait there, else 0; a peer that closed (or reset)
   *  is no longer open. */
  private peekPending(): number {
    const r = recv(this.fd, peekByte, MSG_PEEK | MSG_DONTWAIT);
    if (r.ret > 0) return 1;
    if (r.ret === 0) this.ended = true;
    else if (r.errno !== EAGAIN && r.errno !== EINTR)
      this.fail(socketError(Object.assign(new Error(errnoMessage(r.errno)), { code: errnoName(r.errno) })));
    return 0;
  }

  tryRead(): Uint8Array | null | undefined {
    if (this.head < this.queue.length) return this.take();
    if (this.failure) throw this.failure;
    if (this.ended) return null;
    if (this.closed) throw cutByUs();
    return undefined;
  }

  unread(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    const w = this.takeWaiter();
    if (w) return w.resolve(chunk);
    if (this.head > 0) this.queue[--this.head] = chunk;
    else this.queue.unshift(chunk);
    this.queued += chunk.byteLength;
  }

  write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    if (this.closed || this.failure || !this.socket)
      return Promise.reject(this.failure ?? new FetchxError("SEND", "connection closed before the request was sent"));
    return new Promise((resolve, reject) => {
      this.writes.push({ bytes, resolve, reject });
      if (this.writes.length === 1) this.flushWrites();
    });
  }

  close(): void {
    if (this.closed) return;
    this.refreshMptcp(); // last look at the subflows while the fd is still ours
    this.closed = true;
    this.stopRaw();
    // Closed by us (a stall, a cut try, an abort) is no end of the body: a body that ends where the
    // connection does would otherwise be taken whole at the bytes it had.
    if (!this.ended) {
      this.takeWaiter()?.reject(cutByUs());
      this.listener?.(cutByUs());
    }
    if (this.writes.length) this.rejectWrites(new FetchxError("SEND", "connection closed"));
    // A peer that already ended gets a graceful close; otherwise close at once, as curl does.
    if (this.ended) this.socket?.end();
    else this.socket?.terminate();
  }

  private terminate(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopRaw();
    this.socket?.terminate();
  }

  private onData(s: Socket, chunk: Uint8Array): void {
    this.socket ??= s;
    if (this.closed) return;
    if (this.listener && this.head === this.queue.length) {
      this.fresh = true;
      return this.listener(chunk);
    }
    if (this.head === this.queue.length) {
      const w = this.takeWaiter();
      if (w) return w.resolve(chunk);
    }
    this.queue.push(chunk);
    this.queued += chunk.byteLength;
    if (!this.paused && this.queued > HIGH_WATER) {
      this.paused = true;
      if (!this.rawPaused) s.pause();
    }
  }

  private take(): Uint8Array {
    const chunk = this.queue[this.head]!;
    this.queue[this.head++] = undefined as unknown as Uint8Array;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.queued -= chunk.byteLength;
    if (this.paused && this.queued <= LOW_WATER) {
      this.paused = false;
      if (!this.rawPaused) this.socket?.resume();
    }
    return chunk;
  }

  private takeWaiter(): Waiter | null {
    const w = this.waiter;
    if (!w) return null;
    this.waiter = null;
    clearTimeout(w.timer);
    return w;
  }

  private onEnd(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.failure) return;
    this.takeWaiter()?.resolve(null);
    this.listener?.(null);
  }

  private fail(err: FetchxError): void {
    if (this.failure) return;
    this.failure = err;
    this.takeWaiter()?.reject(err);
    this.listener?.(err);
    this.rejectWrites(err);
  }

  private flushWrites(): void {
    const s = this.socket;
    while (s && this.writes.length > 0) {
      const w = this.writes[0]!;
      const n = s.write(w.bytes);
      if (n < 0) return this.fail(new FetchxError("SEND", "connection closed while sending"));
      if (n < w.bytes.byteLength) {
        w.bytes = w.bytes.subarray(n); // the rest goes out on `drain`
        return;
      }
      this.writes.shift();
      w.resolve();
    }
  }

  private rejectWrites(err: FetchxError): void {
    const pending = this.writes;
    this.writes = [];
    for (const w of pending) w.reject(err);
  }
}
