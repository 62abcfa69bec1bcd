// Once a second, looks at each connection's speed. Below --speed-limit for --speed-time: stalled (a
// timeout, retried like any other). With several connections, one far slower than the others (a bad path,
// a throttled server node) is replaced by a new connection rather than left to hold up the end.
import { FetchxError } from "../errors.ts";
import type { Job } from "./job.ts";
import type { Worker } from "./worker.ts";

const TICK_MS = 1000;
/** Replace a connection slower than this fraction of the median of the others... */
const SLOW_FRACTION = 0.2;
/** ...measured over this window, and only if it still has this much left to do. */
const SLOW_WINDOW_S = 5;
const SLOW_MIN_LEFT = 2 << 20;

export class Monitor {
  private samples = new Map<Worker, number[]>();
  private timer: ReturnType<typeof setInterval>;

  constructor(private readonly job: Job, private readonly workers: Worker[]) {
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Bytes per second of `w` over the last `seconds`, or null if it has not been connected that long. */
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
      if (s.length > Math.max(window, SLOW_WINDOW_S) + 1) s.shift();
      this.samples.set(w, s);
    }
    this.job.stats.connections = this.job.client.reports();
    if (opts.speedLimit > 0) {
      for (const w of this.workers) {
        const r = this.rate(w, window);
        if (r !== null && r < opts.speedLimit)
          w.stop(new FetchxError("TIMEOUT", `transfer slower than ${opts.speedLimit} bytes/s for ${window} s`));
      }
    }
    this.replaceSlow();
  }

  private replaceSlow(): void {
    const active = this.workers.filter((w) => w.conn);
    if (active.length < 3) return;
    const rates = active.map((w) => [w, this.rate(w, SLOW_WINDOW_S)] as const).filter((x): x is readonly [Worker, number] => x[1] !== null);
    if (rates.length < 3) return;
    for (const [w, r] of rates) {
      const others = rates.filter(([o]) => o !== w).map(([, x]) => x).sort((a, b) => a - b);
      const median = others[Math.floor(others.length / 2)]!;
      const seg = this.job.scheduler.segmentOf(w.id);
      if (seg && seg.end - seg.pos >= SLOW_MIN_LEFT && r < median * SLOW_FRACTION) {
        w.stop(new FetchxError("RECV", "connection replaced: much slower than the others"), true);
        return; // one at a time
      }
    }
  }
}
