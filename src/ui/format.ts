// Human-readable numbers for the progress display and the summary line. Binary units (KiB, MiB) as wget
// and aria2 print them; fixed widths so a redrawn line does not jitter.

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** 1536 -> "1.5 KiB"; three significant digits, never wider than 9 characters. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "?";
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return `${Math.round(v)} B`;
  // Digits by the rounded value, so 9.999 reads "10.0" (not "10.00") beside a total of "10.0".
  let digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  while (digits > 0 && Number(v.toFixed(digits)) >= 10 ** (3 - digits)) digits--;
  // 1023.99 KiB would round to "1024 KiB": show the next unit instead.
  if (Number(v.toFixed(digits)) >= 1024 && i < UNITS.length - 1) return `1.00 ${UNITS[i + 1]}`;
  return `${v.toFixed(digits)} ${UNITS[i]}`;
}

/** Bytes per second -> "12.3 MiB/s". */
export const formatRate = (bytesPerSec: number) => `${formatBytes(bytesPerSec)}/s`;

/** Seconds -> "59s", "4m05s", "2h03m", "3d04h"; "--" when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}

/** Seconds left at the current rate, or null when the size or the rate is unknown. */
export function eta(done: number, total: number | null, bytesPerSec: number): number | null {
  if (total === null || bytesPerSec <= 0) return null;
  return Math.max(0, total - done) / bytesPerSec;
}

/** "42%" (floor, so 100% only when done). */
export function formatPercent(done: number, total: number | null): string {
  if (total === null || total <= 0) return "";
  const p = Math.min(100, Math.floor((done / total) * 100));
  return `${done >= total ? 100 : Math.min(p, 99)}%`;
}

/**
 * curl's --limit-rate syntax: a number with an optional k/K, m/M, g/G suffix (powers of 1024), and an
 * optional "/s", "/m", "/h", "/d" time unit (curl 8.x). Returns bytes per second, or null when malformed.
 */
export function parseRate(text: string): number | null {
  // "b" is curl's unit for plain bytes ("1b").
  const m = /^(\d+(?:\.\d+)?)([kmgtb])?(?:\/([smhd]))?$/i.exec(text.trim());
  if (!m) return null;
  const mult = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[2] ?? "").toLowerCase()]!;
  const per = { s: 1, m: 60, h: 3600, d: 86400 }[(m[3] ?? "s").toLowerCase()]!;
  const rate = (Number(m[1]) * mult) / per;
  return Number.isFinite(rate) && rate > 0 ? rate : null;
}
