// Once a second, looks at each connection's speed. Below --speed-limit for --speed-time: stalled (a
// timeout, retried like any other). With several connections, one far slower than the best the others
// reached (a bad path, a throttled server node) is replaced by a new connection rather than left to hold
// up the end; work stealing (scheduler.ts) meanwhile moves most of its bytes to faster connections.
import { FetchxError } from "../errors.ts";
import type { Job } from "./job.ts";
import type { Worker } from "./worker.ts";

const TICK_MS = 1000;
const RATE_WINDOW_S = 3;
/** Replace a connection slower than this fraction of the median peak rate of the others... */
const SLOW_FRACTION = 0.2;
/** ...measured over this many seconds, if it would still need more than SLOW_ETA_S to finish. */
const SLOW_WINDOW_S = 3;
const SLOW_ETA_S = 3;

export class Monitor {
  private samples = new Map<Worker, number[]>();
  private peak = new Map<Worker, number>();
  private timer: ReturnType<typeof setInterval>;

  constructor(private readonly job: Job, private readonly workers: Worker[]) {
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Bytes per second of `w` over the last `seconds`, or null if its connection is younger than that. */
  private rate(w: Worker, seconds: number): number | null {
    const s = this.samples.get(w) ?? [];
    if (!w.conn || s.length <= seconds || performance.now() - w.connectedAt < seconds * 1000) return null;
    return (s[s.length - 1]! - s[s.length - 1 - seconds]!) / seconds;
  }

  private tick(): void {
    const { opts } = this.job;
    const window = Math.max(1, Math.round(opts.speedTimeMs / 1000));
    for (const w of this.workers) {
      const s = this.samples.get(w) ?? [];
      s.push(w.bytes);
      if (s.length > Math.max(window, SLOW_WINDOW_S, RATE_WINDOW_S) + 1) s.shift();
      this.samples.set(w, s);
      const last = s.length > 1 ? s[s.length - 1]! - s[s.length - 2]! : 0;
      // Steal decisions use a 3 s average: servers that pace by the second (nginx limit_rate) send in
      // bursts, and a one-second sample can read 0 or double.
      const span = Math.min(RATE_WINDOW_S, s.length - 1);
      this.job.rates.set(w.id, w.conn && span > 0 ? (s[s.length - 1]! - s[s.length - 1 - span]!) / span : 0);
      if (last > (this.peak.get(w) ?? 0)) this.peak.set(w, last);
    }
    if (opts.speedLimit > 0) {
      for (const w of this.workers) {
        const r = this.rate(w, window);
        if (r !== null && r < opts.speedLimit)
          w.stop(new FetchxError("TIMEOUT", `transfer slower than ${opts.speedLimit} bytes/s for ${window} s`));
      }
    }
    if (this.workers.length > 1) this.replaceSlow();
  }

  private replaceSlow(): void {
    for (const w of this.workers) {
      const r = this.rate(w, SLOW_WINDOW_S);
      const seg = this.job.scheduler.segmentOf(w.id);
      if (r === null || !seg) continue;
      const peers = this.workers.filter((o) => o !== w).map((o) => this.peak.get(o) ?? 0).filter((p) => p > 0).sort((a, b) => a - b);
      if (peers.length === 0) continue;
      const median = peers[Math.floor(peers.length / 2)]!;
      if (r < median * SLOW_FRACTION && (seg.end - seg.pos) / Math.max(r, 1) > SLOW_ETA_S) {
        w.stop(new FetchxError("RECV", "connection replaced: much slower than the others"), true);
        return; // one at a time
      }
    }
  }
}
