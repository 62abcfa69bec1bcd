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
  /** ASCII only (a locale without UTF-8, e.g. LANG=C): no block characters, no "…" or "×". */
  ascii?: boolean;
}

const NAME_MAX = 24;
// Eighths of a cell: a segment's fill in one character.
const LEVELS = " ▁▂▃▄▅▆▇█";
const ASCII_LEVELS = " .:-=+*#@";
const ellipsis = (style?: { ascii?: boolean }) => (style?.ascii ? "..." : "…");

/** Whether the locale's character set is UTF-8 (LC_ALL, then LC_CTYPE, then LANG, as setlocale reads them). */
export function utf8Locale(env: Record<string, string | undefined>): boolean {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG || "";
  return /utf-?8/i.test(locale);
}

/** What the line is about: the output file's base name, else the URL's last segment. */
export function transferName(s: ProgressSnapshot, style?: { ascii?: boolean }): string {
  const from = s.file ?? s.url.replace(/[?#].*$/, "").replace(/\/+$/, "");
  // A device (-o /dev/null, /dev/stdout) is named by its path: "null" alone says nothing.
  const base = from.startsWith("/dev/") ? from : from.slice(from.lastIndexOf("/") + 1) || from;
  return shorten(base, NAME_MAX, style);
}

function shorten(name: string, max: number, style?: { ascii?: boolean }): string {
  const more = ellipsis(style);
  return name.length > max ? `${name.slice(0, Math.max(1, max - more.length))}${more}` : name;
}

/** "MPTCP ×2" when the connection runs Multipath TCP; "TCP" when --mptcp fell back; nothing otherwise. */
export function mptcpBadge(s: ProgressSnapshot, paint: Colors, ascii = false): string {
  if (s.mptcp === "active") return paint.green(`MPTCP ${ascii ? "x" : "×"}${Math.max(1, s.subflows)}`);
  if (s.mptcp === "fallback") return paint.yellow("TCP (no MPTCP)");
  return "";
}

function bar(done: number, total: number | null, width: number): string {
  if (total === null || total <= 0) return "";
  const filled = Math.min(width, Math.floor((done / total) * width));
  return `[${"=".repeat(filled)}${filled < width ? ">" : ""}${" ".repeat(Math.max(0, width - filled - 1))}]`;
}

/** One character per segment (grouped when there are more segments than cells), filled by eighths. */
export function segmentCells(segments: SegmentView[], width: number, paint: Colors, ascii = false): string {
  const levels = ascii ? ASCII_LEVELS : LEVELS;
  const cells = Math.min(segments.length, Math.max(1, width));
  let out = "";
  for (let c = 0; c < cells; c++) {
    const group = segments.slice(Math.floor((c * segments.length) / cells), Math.floor(((c + 1) * segments.length) / cells));
    const size = group.reduce((n, g) => n + (g.end - g.start), 0);
    const done = group.reduce((n, g) => n + g.done, 0);
    const frac = size > 0 ? done / size : 1;
    const ch = levels[Math.min(8, Math.floor(frac * 8))]!;
    out += frac >= 1 ? paint.green(ch) : group.some((g) => g.active) ? paint.cyan(ch) : paint.dim(ch === " " ? (ascii ? "_" : "·") : ch);
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

/**
 * Joins parts with `sep`, dropping the least important ones (highest `drop` rank first) until the line
 * fits in columns-1: a narrow terminal loses the extras, never the end of the line.
 */
function fitParts(parts: { text: string; drop: number }[], columns: number, sep = "  "): string {
  const kept = parts.filter((p) => p.text);
  const width = () => kept.reduce((n, p) => n + visible(p.text), 0) + sep.length * Math.max(0, kept.length - 1);
  while (width() > columns - 1) {
    const worst = kept.reduce((w, p, i) => (p.drop > (kept[w]?.drop ?? 0) ? i : w), -1);
    if (worst < 0) break;
    kept.splice(worst, 1);
  }
  return kept.map((p) => p.text).join(sep);
}

/** The live line for a snapshot and a current rate in bytes/s (null while it is not known yet). */
export function liveLine(s: ProgressSnapshot, rate: number | null, style: LineStyle): string {
  const { paint, ascii = false } = style;
  const name = transferName(s, style);
  if (s.phase === "connecting") return fit(`${name} ${paint.dim(`connecting${ellipsis(style)}`)}`, style.columns);
  const pct = formatPercent(s.done, s.total).padStart(4);
  const amount = s.total !== null ? `${formatBytes(s.done)}/${formatBytes(s.total)}` : formatBytes(s.done);
  const speed = rate === null ? "" : formatRate(rate);
  const left = s.phase === "retrying" ? paint.yellow(`retry ${s.retries}`) : s.phase === "verifying" ? "verifying" : rate === null ? "" : `ETA ${formatDuration(eta(s.done, s.total, rate))}`;
  const conns = s.segments.length > 1 ? `${s.connections} conn${s.connections === 1 ? "" : "s"}` : "";
  const head = `${name} ${pct}`;
  // Least important first to go on a narrow terminal: connections, badge, ETA, rate; then the graph.
  const tail = fitParts(
    [
      { text: amount, drop: 0 },
      { text: speed, drop: 2 },
      { text: left, drop: s.phase === "transferring" ? 3 : 1 },
      { text: conns, drop: 5 },
      { text: pathRates(s, paint), drop: 6 },
      { text: mptcpBadge(s, paint, ascii), drop: 4 },
    ],
    style.columns - visible(head) - 1,
  );
  // The bar takes what is left, between 10 and 40 cells; on a narrow terminal it goes first.
  const room = style.columns - 1 - visible(head) - visible(tail) - 2;
  const width = Math.min(40, room - 2);
  let graph = "";
  if (width >= 10) graph = s.segments.length > 1 ? segmentCells(s.segments, width, paint, ascii) : bar(s.done, s.total, width);
  return fit([head, graph, tail].filter(Boolean).join(" "), style.columns);
}

/**
 * The line left on screen when a transfer ends well. An HTTP error page that was saved (no -f) shows
 * its status instead of a green 100%: the exit code is still 0, as in curl, but the eye sees it.
 */
export function finalLine(s: ProgressSnapshot, elapsedMs: number, style: LineStyle, status?: number): string {
  const { paint } = style;
  const fresh = s.done - s.resumed;
  const avg = elapsedMs > 0 ? formatRate((fresh / elapsedMs) * 1000) : "";
  const resumed = s.resumed > 0 ? `, ${formatBytes(s.resumed)} resumed` : "";
  const outcome = status !== undefined && status >= 400 ? paint.red(`HTTP ${status}`) : paint.green("100%");
  const amount = `${formatBytes(s.done)} in ${formatDuration(elapsedMs / 1000)}`;
  // On a narrow terminal the name gives way (down to 10 characters) before the size and time do.
  const name = shorten(transferName(s, style), Math.max(10, style.columns - 1 - visible(outcome) - 3 - amount.length), style);
  return fitParts(
    [
      { text: `${name} ${outcome}`, drop: 0 },
      { text: amount, drop: 1 },
      { text: avg ? `(${avg}${resumed})` : "", drop: 2 },
      { text: mptcpBadge(s, paint, style.ascii), drop: 3 },
    ],
    style.columns,
  );
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
