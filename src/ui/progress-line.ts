// One transfer's progress as one line of text: the live line (percent, bar or per-segment cells, bytes,
// rate, ETA, MPTCP badge) and the final line. Pure functions of a snapshot, so they are unit-testable and
// the display only decides when and where to draw.
import type pc from "picocolors";
import type { ProgressSnapshot, SegmentView } from "../transfer/progress.ts";
import { eta, formatBytes, formatDuration, formatPercent, formatRate } from "./format.ts";

export type Colors = ReturnType<typeof pc.createColors>;

export interface LineStyle {
  /** Usable columns; the line never reaches the last one (a full line wraps on some terminals). */
  columns: number;
  paint: Colors;
}

const NAME_MAX = 24;
// Eighths of a cell: a segment's fill in one character.
const LEVELS = " ▁▂▃▄▅▆▇█";

/** What the line is about: the output file's base name, else the URL's last segment. */
export function transferName(s: ProgressSnapshot): string {
  const from = s.file ?? s.url.replace(/[?#].*$/, "").replace(/\/+$/, "");
  const base = from.slice(from.lastIndexOf("/") + 1) || from;
  return base.length > NAME_MAX ? `${base.slice(0, NAME_MAX - 1)}…` : base;
}

/** "MPTCP ×2" when the connection runs Multipath TCP; "TCP" when --mptcp fell back; nothing otherwise. */
export function mptcpBadge(s: ProgressSnapshot, paint: Colors): string {
  if (s.mptcp === "active") return paint.green(`MPTCP ×${Math.max(1, s.subflows)}`);
  if (s.mptcp === "fallback") return paint.yellow("TCP (no MPTCP)");
  return "";
}

function bar(done: number, total: number | null, width: number): string {
  if (total === null || total <= 0) return "";
  const filled = Math.min(width, Math.floor((done / total) * width));
  return `[${"=".repeat(filled)}${filled < width ? ">" : ""}${" ".repeat(Math.max(0, width - filled - 1))}]`;
}

/** One character per segment (grouped when there are more segments than cells), filled by eighths. */
export function segmentCells(segments: SegmentView[], width: number, paint: Colors): string {
  const cells = Math.min(segments.length, Math.max(1, width));
  let out = "";
  for (let c = 0; c < cells; c++) {
    const group = segments.slice(Math.floor((c * segments.length) / cells), Math.floor(((c + 1) * segments.length) / cells));
    const size = group.reduce((n, g) => n + (g.end - g.start), 0);
    const done = group.reduce((n, g) => n + g.done, 0);
    const frac = size > 0 ? done / size : 1;
    const ch = LEVELS[Math.min(8, Math.floor(frac * 8))]!;
    out += frac >= 1 ? paint.green(ch) : group.some((g) => g.active) ? paint.cyan(ch) : paint.dim(ch === " " ? "·" : ch);
  }
  return `[${out}]`;
}

/** Visible length: colour escapes take no columns. */
const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "").length;

/** Per path when ranges are spread over several: "path-a 5.9 MB/s path-b down". */
export function pathRates(s: ProgressSnapshot, paint: Colors): string {
  if (!s.paths || s.paths.length < 2) return "";
  return s.paths.map((p) => `${p.name} ${p.up ? formatRate(p.rate) : paint.yellow("down")}`).join(" ");
}

/** The live line for a snapshot and a current rate in bytes/s (null while it is not known yet). */
export function liveLine(s: ProgressSnapshot, rate: number | null, style: LineStyle): string {
  const { paint } = style;
  const name = transferName(s);
  if (s.phase === "connecting") return fit(`${name} ${paint.dim("connecting…")}`, style.columns);
  const pct = formatPercent(s.done, s.total).padStart(4);
  const amount = s.total !== null ? `${formatBytes(s.done)}/${formatBytes(s.total)}` : formatBytes(s.done);
  const speed = rate === null ? "" : formatRate(rate);
  const left = s.phase === "retrying" ? paint.yellow(`retry ${s.retries}`) : s.phase === "verifying" ? "verifying" : rate === null ? "" : `ETA ${formatDuration(eta(s.done, s.total, rate))}`;
  const conns = s.segments.length > 1 ? `${s.connections}c` : "";
  const tail = [amount, speed, left, conns, pathRates(s, paint), mptcpBadge(s, paint)].filter(Boolean).join("  ");
  const head = `${name} ${pct}`;
  // The bar takes what is left, between 10 and 40 cells; on a narrow terminal it goes first.
  const room = style.columns - 1 - visible(head) - visible(tail) - 2;
  const width = Math.min(40, room - 2);
  let graph = "";
  if (width >= 10) graph = s.segments.length > 1 ? segmentCells(s.segments, width, paint) : bar(s.done, s.total, width);
  return fit([head, graph, tail].filter(Boolean).join(" "), style.columns);
}

/** The line left on screen when a transfer ends. */
export function finalLine(s: ProgressSnapshot, elapsedMs: number, error: { exitCode: number; message: string } | undefined, style: LineStyle): string {
  const { paint } = style;
  const name = transferName(s);
  const fresh = s.done - s.resumed;
  const avg = elapsedMs > 0 ? formatRate((fresh / elapsedMs) * 1000) : "";
  const badge = mptcpBadge(s, paint);
  if (error) {
    const at = s.total ? ` at ${formatPercent(s.done, s.total)}` : "";
    return fit(`${name} ${paint.red(`failed${at}`)} (${formatBytes(s.done)}, exit ${error.exitCode})`, style.columns);
  }
  const resumed = s.resumed > 0 ? `, ${formatBytes(s.resumed)} resumed` : "";
  const parts = [`${name} ${paint.green("100%")}`, `${formatBytes(s.done)} in ${formatDuration(elapsedMs / 1000)}`, avg ? `(${avg}${resumed})` : "", badge];
  return fit(parts.filter(Boolean).join("  "), style.columns);
}

/** Cuts a line to columns-1 visible characters, keeping colour escapes intact enough to reset. */
function fit(line: string, columns: number): string {
  const max = Math.max(20, columns - 1);
  if (visible(line) <= max) return line;
  let out = "";
  let seen = 0;
  for (let i = 0; i < line.length && seen < max; i++) {
    const esc = /^\x1b\[[0-9;]*m/.exec(line.slice(i));
    if (esc) {
      out += esc[0];
      i += esc[0].length - 1;
      continue;
    }
    out += line[i];
    seen++;
  }
  return out + (out.includes("\x1b[") ? "\x1b[0m" : "");
}
