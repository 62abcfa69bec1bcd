// What the progress display reads. The engine keeps one ProgressSource per URL up to date; the display
// polls snapshot() at its own pace (about 10 times a second), so the transfer loop does no per-chunk UI work.
import type { MptcpState } from "../net/types.ts";
import type { PathView } from "./paths.ts";

export interface SegmentView {
  start: number;
  /** Exclusive end. */
  end: number;
  /** Bytes of this segment on disk. */
  done: number;
  /** A connection is working on it now. */
  active: boolean;
}

export interface ProgressSnapshot {
  url: string;
  /** Output file, or undefined for stdout. */
  file?: string;
  /** Size of the whole body when known. */
  total: number | null;
  /** Bytes written so far, including those resumed from an earlier run. */
  done: number;
  /** Bytes that were already there when this run started (-C -). */
  resumed: number;
  /** Per-segment view with --connections (empty for one connection). */
  segments: SegmentView[];
  /** Connections transferring now. */
  connections: number;
  mptcp: MptcpState;
  subflows: number;
  retries: number;
  /** Per path, when range connections are spread over several (transfer/paths.ts). */
  paths?: PathView[];
  /** "connecting" | "transferring" | "retrying" | "verifying" | "done" | "failed". */
  phase: "connecting" | "transferring" | "retrying" | "verifying" | "done" | "failed";
}

export interface ProgressSource {
  snapshot(): ProgressSnapshot;
}

/** The display side: the engine announces each transfer and its end. */
export interface ProgressSink {
  start(source: ProgressSource): void;
  finish(source: ProgressSource, error?: { exitCode: number; message: string }): void;
}

export const noProgress: ProgressSink = { start() {}, finish() {} };
