// Segments of the missing bytes and who works on which (aria2's SegmentMan: checkout / release). An idle
// connection takes an unowned segment, or else steals the upper half of the largest one in progress.
// `pos` is reserved before a write is awaited, so a steal never hands out bytes already being written.
// A connection asks for its segment in bounded chunks (chunkEnd) and a steal never cuts into the chunk
// asked for (`asked`): the owner reads its answer to the end and keeps its connection for the next one,
// so --connections N holds N connections however often work is stolen.
import type { Range } from "./ranges.ts";
import type { SegmentView } from "./progress.ts";

/** Seconds: a segment whose owner finishes sooner than this is not worth stealing from. */
export const STEAL_HORIZON_S = 1.5;
/** ...unless the thief is this many times faster than the owner (another path): then down to FAST_HORIZON_S. */
export const FAST_THIEF = 2;
export const FAST_HORIZON_S = 0.3;
/** Bytes: the smallest chunk one request asks for (the first ones, while a connection's rate is unknown)... */
export const MIN_CHUNK = 1 << 20;
/** ...doubling per request up to this while the rate is unknown... */
export const UNKNOWN_RATE_CHUNK = 32 << 20;
/** ...and about this many seconds of the connection's rate once known: a steal waits at most that long. */
export const CHUNK_S = 1;
/** A chunk is at most the bytes left in all segments over this many per worker: small ones near the end. */
const CHUNKS_PER_WORKER = 2;

export interface Segment {
  readonly id: number;
  readonly start: number;
  /** Next byte to hand to the sink. */
  pos: number;
  /** Exclusive end; lowered when another connection steals the upper part. */
  end: number;
  owner: number | null;
  /**
   * Exclusive end of the request in flight for this segment: a steal leaves [pos, asked) to the owner, so
   * its answer ends cleanly and its connection is reused. At most `pos` when no bounded request is out
   * (an open answer carried on from the first request may be cut anywhere; its connection then closes).
   */
  asked: number;
}

export class Scheduler {
  private segments: Segment[] = [];
  private nextId = 0;
  /** Connections working on these segments (the download sets it); chunks shrink near the end with it. */
  workers = 1;

  constructor(missing: Range[], private readonly minSteal = 128 << 10) {
    for (const [a, b] of missing) this.segments.push({ id: this.nextId++, start: a, pos: a, end: b, owner: null, asked: a });
  }

  /**
   * A segment for `worker`: unowned first, else the upper half of the segment that would take longest to
   * finish at its owner's current rate (bytes/s from `rateOf`, 0 when unknown), else null. A segment its
   * owner finishes within STEAL_HORIZON_S is left alone: a new connection would not beat it, and cutting
   * a running request wastes the bytes already in flight. A thief much faster than the owner (a faster
   * path; measured 50 vs 10 Mbit/s: the slow path's tail otherwise costs up to STEAL_HORIZON_S) steals
   * down to FAST_HORIZON_S, taking the share that lets both finish together rather than half.
   */
  checkout(worker: number, rateOf: (owner: number) => number = () => 0): Segment | null {
    // Loops here, not find/every: those builtins are JavaScript compiled at their first call in a process
    // (0.05-0.1 ms each), and a one-file download would call them nowhere else.
    let free: Segment | undefined;
    for (const s of this.segments)
      if (s.owner === null && s.pos < s.end) {
        free = s;
        break;
      }
    if (free) {
      free.owner = worker;
      return free;
    }
    let victim: Segment | undefined;
    let longest = 0;
    const mine = rateOf(worker);
    for (const s of this.segments) {
      if (s.owner === null || s.end - s.pos < 2 * this.minSteal) continue;
      const rate = rateOf(s.owner);
      if (s.end - this.floor(s, rate) < this.minSteal) continue;
      const eta = rate > 0 ? (s.end - s.pos) / rate : Infinity;
      if (eta < (rate > 0 && mine > FAST_THIEF * rate ? FAST_HORIZON_S : STEAL_HORIZON_S)) continue;
      if (!victim || eta > longest || (eta === longest && s.end - s.pos > victim.end - victim.pos)) (victim = s), (longest = eta);
    }
    if (!victim) return null;
    const left = victim.end - victim.pos;
    const owner = victim.owner === null ? 0 : rateOf(victim.owner);
    // Both finish together when the thief takes mine/(mine+owner) of what is left; half when a rate is unknown.
    const share = mine > 0 && owner > 0 ? mine / (mine + owner) : 0.5;
    // Never inside the chunk the owner asked for: its answer runs to its end and its connection stays.
    const mid = Math.max(this.floor(victim, owner), victim.pos + Math.min(left - this.minSteal, Math.max(this.minSteal, Math.ceil(left * (1 - share)))));
    const stolen: Segment = { id: this.nextId++, start: mid, pos: mid, end: victim.end, owner: worker, asked: mid };
    victim.end = mid;
    this.segments.push(stolen);
    return stolen;
  }

  /**
   * The lowest byte a steal may take from `s` whose owner runs at `rate`: past the chunk asked for, unless
   * the owner is known to need more than STEAL_HORIZON_S for it (a slow connection: better cut it and lose
   * the connection than wait).
   */
  private floor(s: Segment, rate: number): number {
    if (s.asked <= s.pos || (rate > 0 && (s.asked - s.pos) / rate > STEAL_HORIZON_S)) return s.pos;
    return s.asked;
  }

  /** Cuts the free work into at least `n` segments: one range evenly, several by halving the largest. */
  split(n: number): void {
    const free = this.segments.filter((s) => s.owner === null && s.pos < s.end);
    if (free.length === 1 && this.segments.length === 1) {
      const [s] = free as [Segment];
      const size = s.end - s.pos;
      const parts = Math.max(1, Math.min(n, Math.floor(size / this.minSteal)));
      this.segments = [];
      for (let i = 0; i < parts; i++) {
        const a = s.pos + Math.floor((size * i) / parts);
        const b = s.pos + Math.floor((size * (i + 1)) / parts);
        this.segments.push({ id: this.nextId++, start: a, pos: a, end: b, owner: null, asked: a });
      }
      return;
    }
    while (this.segments.length < n) {
      let big: Segment | undefined;
      for (const s of this.segments) if (s.owner === null && (!big || s.end - s.pos > big.end - big.pos)) big = s;
      if (!big || big.end - big.pos < 2 * this.minSteal) return;
      const mid = big.pos + Math.ceil((big.end - big.pos) / 2);
      this.segments.push({ id: this.nextId++, start: mid, pos: mid, end: big.end, owner: null, asked: mid });
      big.end = mid;
      this.segments.sort((x, y) => x.start - y.start);
    }
  }

  /** The worker stops (failure or replacement): what it did not write goes back to the pool. */
  release(seg: Segment): void {
    seg.owner = null;
    seg.asked = seg.pos;
  }

  /**
   * Where the next request for `seg` ends: MIN_CHUNK, doubling from `previous` (the last chunk's size) while
   * the rate is unknown, then about CHUNK_S seconds at `rate` bytes/s; never past the segment. A request
   * of a few MB costs one round trip, and keeps every later steal at a chunk boundary. One worker asks for
   * the whole rest at once.
   */
  chunkEnd(seg: Segment, rate: number, previous = 0): number {
    if (this.workers <= 1) return seg.end; // nobody to steal from it: one request for the rest
    let size = rate > 0 ? Math.max(MIN_CHUNK, rate * CHUNK_S) : Math.min(UNKNOWN_RATE_CHUNK, Math.max(MIN_CHUNK, 2 * previous));
    // Near the end the chunks get smaller, so the last steals wait for little (the tail is short).
    size = Math.min(size, Math.max(MIN_CHUNK, this.left / (CHUNKS_PER_WORKER * this.workers)));
    const end = Math.min(seg.end, seg.pos + Math.ceil(size));
    // A remainder too small to be stolen goes with this chunk rather than costing a request of its own.
    return seg.end - end < 2 * this.minSteal ? seg.end : end;
  }

  /** Reserves up to `n` bytes at seg.pos (read it first: they go there); returns how many may be written. */
  reserve(seg: Segment, n: number): number {
    const take = Math.max(0, Math.min(n, seg.end - seg.pos));
    seg.pos += take;
    return take;
  }

  /** The segment `worker` works on now, if any. */
  segmentOf(worker: number): Segment | undefined {
    for (const s of this.segments) if (s.owner === worker && s.pos < s.end) return s;
    return undefined;
  }

  /** Bytes not yet written in all segments. */
  get left(): number {
    let n = 0;
    for (const s of this.segments) n += s.end - s.pos;
    return n;
  }

  get finished(): boolean {
    for (const s of this.segments) if (s.pos < s.end) return false;
    return true;
  }


  views(): SegmentView[] {
    return this.segments.map((s) => ({ start: s.start, end: s.end, done: s.pos - s.start, active: s.owner !== null }));
  }
}
