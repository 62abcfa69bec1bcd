// The progress of one URL as the display sees it, from the first connection attempt to the end:
// until the engine announces its job (after the response head), a source over TransferStats says
// "connecting…"; then the job's own snapshot takes over; a body the engine streams without a job
// (HEAD, decoded or error bodies) keeps the stats source to the end. Both get the MPTCP state of this
// transfer's connections read live from the kernel, so the badge shows subflows as they join.
import type { Connection } from "../net/types.ts";
import type { ProgressSink, ProgressSnapshot, ProgressSource } from "../transfer/progress.ts";
import type { TransferStats } from "../transfer/stats.ts";
import type { ProgressDisplay } from "./progress-display.ts";
import { statsSource } from "./stats-source.ts";

export class TransferProgress implements ProgressSink {
  private readonly fallback: ProgressSource;
  private readonly wrapped = new Map<ProgressSource, ProgressSource>();
  private engineFinished = false;

  constructor(
    private readonly display: ProgressDisplay,
    stats: TransferStats,
    /** The connections this transfer made so far. */
    private readonly conns: () => Connection[],
  ) {
    this.fallback = this.live(statsSource(stats, () => []));
  }

  /** Shows "connecting…" until the engine starts its job. */
  begin(): void {
    this.display.start(this.fallback);
  }

  start(job: ProgressSource): void {
    this.display.drop(this.fallback);
    this.display.start(this.wrap(job));
  }

  finish(job: ProgressSource, error?: { exitCode: number; message: string }): void {
    this.engineFinished = true;
    this.display.finish(this.wrap(job), error);
  }

  /** The end of the URL: a final line from the stats source unless the engine drew its own. */
  end(error?: { exitCode: number; message: string }): void {
    if (this.engineFinished) return;
    this.display.finish(this.fallback, error);
  }

  private wrap(job: ProgressSource): ProgressSource {
    let w = this.wrapped.get(job);
    if (!w) this.wrapped.set(job, (w = this.live(job)));
    return w;
  }

  private live(source: ProgressSource): ProgressSource {
    return { snapshot: () => this.withMptcp(source.snapshot()) };
  }

  private withMptcp(s: ProgressSnapshot): ProgressSnapshot {
    const states = this.conns().map((c) => c.refreshMptcp());
    if (states.length === 0) return s;
    const active = states.filter((m) => m.state === "active");
    return {
      ...s,
      mptcp: active.length > 0 ? "active" : states.some((m) => m.state === "fallback") ? "fallback" : s.mptcp,
      subflows: Math.max(s.subflows, 0, ...active.map((m) => m.subflows)),
    };
  }
}
