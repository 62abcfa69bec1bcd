// A ProgressSource over the TransferStats that the single-connection download path fills in as it goes.
// It lets the display work before (and without) the segmented engine, which keeps its own snapshot.
import type { ProgressSnapshot, ProgressSource } from "../transfer/progress.ts";
import type { ConnectionReport, TransferStats } from "../transfer/stats.ts";

export interface StatsSource extends ProgressSource {
  /** Marks the end; the snapshot then says done or failed. */
  end(failed: boolean): void;
}

/** `connections` lists the connections this transfer made so far (read at most ~10 times a second). */
export function statsSource(stats: TransferStats, connections: () => ConnectionReport[]): StatsSource {
  let ended: "done" | "failed" | undefined;
  return {
    end(failed) {
      ended = failed ? "failed" : "done";
    },
    snapshot(): ProgressSnapshot {
      // Content-Length counts the bytes on the wire, which is what sizeDownload counts (before decoding).
      const length = stats.headers?.get("content-length");
      const total = stats.method !== "HEAD" && length !== undefined && /^\d+$/.test(length) ? Number(length) : null;
      const conns = connections();
      const active = conns.find((c) => c.mptcp === "active");
      return {
        url: stats.url,
        file: stats.filenameEffective,
        total,
        done: stats.sizeDownload,
        resumed: 0,
        segments: [],
        connections: conns.length > 0 ? 1 : 0,
        mptcp: active ? "active" : conns.some((c) => c.mptcp === "fallback") ? "fallback" : "off",
        subflows: Math.max(0, ...conns.map((c) => c.subflows)),
        retries: stats.numRetries,
        phase: ended ?? (stats.httpCode === 0 ? "connecting" : "transferring"),
      };
    },
  };
}
