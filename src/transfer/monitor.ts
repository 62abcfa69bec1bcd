// Once a second, looks at each connection's speed. Below --speed-limit for --speed-time: stalled (a
// timeout, retried like any other). With several connections, one far slower than the best the others
// reached (a bad path, a throttled server node) is replaced by a new connection rather than left to hold
// up the end; work stealing (scheduler.ts) meanwhile moves most of its bytes to faster connections.
import { FetchxError } from "../errors.ts";
import type { Job } from "./job.ts";
import type { Worker } from "./worker.ts";

const RATE_WINDOW_S = 3;
/** Replace a connection slower than this fraction of the median peak rate of the others... */
const SLOW_FRACTION = 0.2;
/** ...measured over this many seconds, if it would still need more than SLOW_ETA_S to finish. */
const SLOW_WINDOW_S = 3;
const SLOW_ETA_S = 3;

/**
 * A byte counter read once a tick, the last `keep` + 1 readings kept: what moved over the last n ticks.
 * The monitor keeps one per connection; a download keeps one for the parts no connection's monitor sees
 * (download.ts: --speed-limit while the first answer is awaited, a body streamed once).
 */
export class TickSamples {
  private readonly values: number[] = [];

  constructor(private readonly keep: number) {}

  push(bytes: number): void {
    this.values.push(bytes);
    if (this.values.length > this.keep + 1) this.values.shift();
  }

  /** Bytes counted over the last `n` ticks, or null before n ticks were seen. */
  moved(n: number): number | null {
    const v = this.values;
    return v.length > n ? v[v.length - 1]! - v[v.length - 1 - n]! : null;
  }

  /** Ticks seen, up to `keep`. */
  get ticks(): number {
    return Math.max(0, this.values.length - 1);
  }

  clear(): void {
    this.values.length = 0;
  }
}

export class Monitor {
  private samples = new Map<Worker, TickSamples>();
  private peak = new Map<Worker, number>();
  private timer: ReturnType<typeof setInterval>;
  /** Seconds per tick (monitorIntervalMs; 1 s unless a test makes it shorter). */
  private readonly tickS: number;

  constructor(private readonly job: Job, private readonly workers: Worker[]) {
    const ms = job.download.settings.monitorIntervalMs;
    this.tickS = ms / 1000;
    this.timer = setInterval(() => this.tick(), ms);
  }

  /** Ticks in `seconds`, at least one. */
  private ticks(seconds: number): number {
    return Math.max(1, Math.round(seconds / this.tickS));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Bytes per second of `w` over the last `n` ticks, or null if its connection is younger than that. */
  private rate(w: Worker, n: number): number | null {
    const moved = this.samples.get(w)?.moved(n) ?? null;
    if (!w.conn || moved === null || performance.now() - w.connectedAt < n * this.tickS * 1000) return null;
    return moved / (n * this.tickS);
  }

  private tick(): void {
    const opts = this.job.download.settings;
    const window = this.ticks(opts.speedTimeMs / 1000);
    const rateWindow = this.ticks(RATE_WINDOW_S);
    for (const w of this.workers) {
      let s = this.samples.get(w);
      if (!s) this.samples.set(w, (s = new TickSamples(Math.max(window, this.ticks(SLOW_WINDOW_S), rateWindow, this.pathWindow()))));
      s.push(w.bytes);
      const last = (s.moved(1) ?? 0) / this.tickS;
      // Steal decisions use a 3 s average: servers that pace by the second (nginx limit_rate) send in
      // bursts, and a one-second sample can read 0 or double.
      const span = Math.min(rateWindow, s.ticks);
      this.job.rates.set(w.id, w.conn && span > 0 ? s.moved(span)! / (span * this.tickS) : 0);
      if (last > (this.peak.get(w) ?? 0)) this.peak.set(w, last);
    }
    if (opts.speedLimit > 0) {
      for (const w of this.workers) {
        const r = this.rate(w, window);
        if (r !== null && r < opts.speedLimit)
          w.stop(new FetchxError("TIMEOUT", `transfer slower than ${opts.speedLimit} bytes/s for ${Math.round(window * this.tickS)} s`));
      }
    }
    if (this.workers.some((w) => w.route)) this.stopDeadPaths();
    if (this.workers.length > 1) this.replaceSlow();
    this.job.notify(); // workers without work look again with the new rates
  }

  /** Ticks in `pathTimeoutMs`: how long a connection on a path may deliver nothing while another path delivers. */
  private pathWindow(): number {
    return this.ticks(this.job.download.settings.pathTimeoutMs / 1000);
  }

  /**
   * With several paths: a connection that got no byte for `pathTimeoutMs` while a connection on another
   * path got some is on a dead path (link down, route gone: TCP would only notice after minutes). Its
   * worker sees the TIMEOUT and moves to another path (paths.ts), without a retry.
   */
  private stopDeadPaths(): void {
    const n = this.pathWindow();
    const moved = (w: Worker) => this.samples.get(w)?.moved(n) ?? null;
    for (const w of this.workers) {
      if (!w.conn || !w.route || performance.now() - w.connectedAt < n * this.tickS * 1000 || moved(w) !== 0) continue;
      if (!this.workers.some((o) => o.route && o.route !== w.route && (moved(o) ?? 0) > 0)) continue;
      w.stop(new FetchxError("TIMEOUT", `no data over path ${w.route.path.name} for ${Math.round(n * this.tickS)} s while other paths deliver`));
    }
  }

  private replaceSlow(): void {
    for (const w of this.workers) {
      const r = this.rate(w, this.ticks(SLOW_WINDOW_S));
      const seg = this.job.scheduler.segmentOf(w.id);
      if (r === null || !seg) continue;
      // Over several paths, compare with the same path only: a slower path is not a bad connection.
      const peers = this.workers.filter((o) => o !== w && o.route === w.route).map((o) => this.peak.get(o) ?? 0).filter((p) => p > 0).sort((a, b) => a - b);
      if (peers.length === 0) continue;
      const median = peers[Math.floor(peers.length / 2)]!;
      if (r < median * SLOW_FRACTION && (seg.end - seg.pos) / Math.max(r, 1) > SLOW_ETA_S) {
        w.stop(new FetchxError("RECV", "connection replaced: much slower than the others"), true);
        return; // one at a time
      }
    }
  }
}
