// --limit-rate: one token bucket shared by every connection of a transfer, so N segments together stay
// under the limit (curl limits per transfer too). Reads are charged after they arrive and the reader
// waits off its debt before the bytes move on; while it waits the connection's unread queue fills, and
// past its high-water mark (src/net/connection.ts) the socket pauses, so TCP flow control slows the
// sender itself. The limit is exact on what reaches the output, and on the wire up to that buffer.
import { FetchxError } from "../errors.ts";
import type { Connection, MptcpStatus } from "../net/types.ts";
import { abortableSleep } from "./retry.ts";

/**
 * A rate-limited body is read chunk by chunk (read(), not a listener): 16 KiB a recv. The plain default,
 * 4 KiB, is sized for response heads; with it `--limit-rate 400M` of 256 MiB took 0.85-1.12 s and twice
 * the CPU of 16 KiB chunks (0.65-0.69 s).
 */
const LIMITED_READ = 16 * 1024;

export class TokenBucket {
  private tokens = 0;
  private last = performance.now();

  /** `burst` bytes may pass at once after an idle spell; starting empty keeps short transfers honest. */
  constructor(
    readonly bytesPerSec: number,
    private readonly burst = Math.max(16 * 1024, bytesPerSec / 10),
  ) {}

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.bytesPerSec);
    this.last = now;
  }

  /** Charges n bytes now and resolves when the bucket has paid them off (debt is allowed, so a big chunk
   *  passes after a proportional wait and concurrent takers queue behind each other's debt). */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    this.refill();
    this.tokens -= n;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens / this.bytesPerSec) * 1000;
    if (signal) {
      await abortableSleep(waitMs, signal);
      if (signal.aborted) throw signal.reason;
    } else await Bun.sleep(waitMs);
  }
}

/** The same connection with every read charged to `bucket`. */
export function throttle(conn: Connection, bucket: TokenBucket, signal?: AbortSignal): Connection {
  return new ThrottledConnection(conn, bucket, signal);
}

class ThrottledConnection implements Connection {
  // Bytes handed back through unread() were charged already; they come out of read() again for free.
  private credit = 0;
  // Closing ends a wait for tokens at once, and what the inner connection still has queued is not read:
  // a closed download (Ctrl-C, -m) must not go on draining megabytes of queue at the limited rate.
  private readonly closed = new AbortController();
  private readonly signal: AbortSignal;

  constructor(
    private readonly inner: Connection,
    private readonly bucket: TokenBucket,
    signal?: AbortSignal,
  ) {
    this.signal = signal ? AbortSignal.any([signal, this.closed.signal]) : this.closed.signal;
  }

  get id() { return this.inner.id; }
  get remoteAddress() { return this.inner.remoteAddress; }
  get remotePort() { return this.inner.remotePort; }
  get localAddress() { return this.inner.localAddress; }
  get localPort() { return this.inner.localPort; }
  get family() { return this.inner.family; }
  get tls() { return this.inner.tls; }
  get mptcp(): MptcpStatus { return this.inner.mptcp; }
  get open() { return this.inner.open; }
  get alive() { return this.inner.alive; }
  get queuedBytes() { return this.inner.queuedBytes; }
  get idleUsable() { return this.inner.idleUsable; }
  get timings() { return this.inner.timings; }
  get dialInfo() { return this.inner.dialInfo; }
  refreshMptcp(): MptcpStatus { return this.inner.refreshMptcp(); }
  write(data: Uint8Array | string): Promise<void> { return this.inner.write(data); }
  close(): void {
    this.closed.abort(new FetchxError("RECV", "connection closed"));
    this.inner.close();
  }

  unread(chunk: Uint8Array): void {
    this.credit += chunk.byteLength;
    this.inner.unread(chunk);
  }

  async read(idleTimeoutMs?: number, max = LIMITED_READ): Promise<Uint8Array | null> {
    if (this.closed.signal.aborted) throw this.closed.signal.reason;
    // At most a quarter second's worth a read: under 64 KiB/s a 16 KiB piece is paid for before it moves
    // on, and at --limit-rate 1k that held back every byte for 16 s (-m 10 ended with none written,
    // where curl had written its first buffer).
    const chunk = await this.inner.read(idleTimeoutMs, Math.min(max, Math.max(1, Math.floor(this.bucket.bytesPerSec / 4))));
    if (chunk === null) return null;
    const free = Math.min(this.credit, chunk.byteLength);
    this.credit -= free;
    if (chunk.byteLength > free) await this.bucket.take(chunk.byteLength - free, this.signal);
    return chunk;
  }
}
