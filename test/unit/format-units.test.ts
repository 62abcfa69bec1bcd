// Formatting for the progress display and summary, curl's --limit-rate syntax, and the progress line
// itself (fits the terminal, shows what a user looks for).
import { describe, expect, test } from "bun:test";
import pc from "picocolors";
import type { ProgressSnapshot } from "../../src/transfer/progress.ts";
import { eta, formatBytes, formatDuration, formatPercent, parseRate } from "../../src/ui/format.ts";
import { finalLine, liveLine, segmentCells } from "../../src/ui/progress-line.ts";
import { summaryLine, Tally, type Outcome } from "../../src/cli/multi.ts";

const plain = pc.createColors(false);

describe("format", () => {
  test("bytes: binary units, three significant digits, no '1024 KiB'", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1024)).toBe("1.00 KiB");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(10 * 1024 * 1024)).toBe("10.0 MiB");
    expect(formatBytes(1024 * 1024 - 1)).toBe("1.00 MiB");
    expect(formatBytes(5 * 1024 ** 4)).toBe("5.00 TiB");
    expect(formatBytes(-1)).toBe("?");
    // One format in one line: 9.999 MiB next to a 10.0 MiB total reads "10.0", not "10.00".
    expect(formatBytes(9.999 * 1024 * 1024)).toBe("10.0 MiB");
    expect(formatBytes(99.96 * 1024 * 1024)).toBe("100 MiB");
  });

  test("durations and ETA", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(59.4)).toBe("59s");
    expect(formatDuration(245)).toBe("4m05s");
    expect(formatDuration(7380)).toBe("2h03m");
    expect(formatDuration(3 * 86400 + 4 * 3600)).toBe("3d04h");
    expect(formatDuration(null)).toBe("--");
    expect(eta(50, 100, 10)).toBe(5);
    expect(eta(50, null, 10)).toBeNull();
    expect(eta(50, 100, 0)).toBeNull();
  });

  test("percent: floored, 100% only when complete", () => {
    expect(formatPercent(0, 100)).toBe("0%");
    expect(formatPercent(999, 1000)).toBe("99%");
    expect(formatPercent(1000, 1000)).toBe("100%");
    expect(formatPercent(5, null)).toBe("");
  });

  test("--limit-rate syntax (curl's: k/M/G powers of 1024, optional /s /m /h /d)", () => {
    expect(parseRate("200k")).toBe(200 * 1024);
    expect(parseRate("1000b")).toBe(1000); // curl's unit for bytes
    expect(parseRate("1bk")).toBeNull();
    expect(parseRate("1.5M")).toBe(1.5 * 1024 * 1024);
    expect(parseRate("1G")).toBe(1024 ** 3);
    expect(parseRate("1000")).toBe(1000);
    expect(parseRate("60M/m")).toBe(1024 * 1024);
    expect(parseRate("3600/h")).toBe(1);
    for (const bad of ["", "k", "-1k", "0", "1X", "1k/y", "fast"]) expect(parseRate(bad)).toBeNull();
  });
});

const snap = (over: Partial<ProgressSnapshot> = {}): ProgressSnapshot => ({
  url: "https://example.com/pub/big.iso?x=1",
  file: "/tmp/dl/big.iso",
  total: 100 * 1024 * 1024,
  done: 42 * 1024 * 1024,
  resumed: 0,
  segments: [],
  connections: 1,
  mptcp: "off",
  subflows: 0,
  retries: 0,
  phase: "transferring",
  ...over,
});

describe("progress line", () => {
  test("live: name, percent, bar, bytes, rate, ETA; never as wide as the terminal", () => {
    const line = liveLine(snap(), 2 * 1024 * 1024, { columns: 100, paint: plain });
    expect(line).toMatch(/^big\.iso  42% \[=+> +\] 42\.0 MiB\/100 MiB  2\.00 MiB\/s  ETA 29s$/);
    expect(line.length).toBeLessThan(100);
    for (const cols of [40, 60, 80, 200]) expect(liveLine(snap({ mptcp: "active", subflows: 2 }), 1e6, { columns: cols, paint: plain }).length).toBeLessThan(cols);
  });

  test("MPTCP badge, fallback badge, unknown size, stdout name, connecting, retrying", () => {
    expect(liveLine(snap({ mptcp: "active", subflows: 2 }), 1e6, { columns: 120, paint: plain })).toContain("MPTCP ×2");
    expect(liveLine(snap({ mptcp: "fallback" }), 1e6, { columns: 120, paint: plain })).toContain("TCP (no MPTCP)");
    expect(liveLine(snap({ total: null }), 1e6, { columns: 120, paint: plain })).toMatch(/^big\.iso +42\.0 MiB  /);
    expect(liveLine(snap({ file: undefined }), null, { columns: 120, paint: plain })).toMatch(/^big\.iso  42%/);
    expect(liveLine(snap({ phase: "connecting" }), null, { columns: 120, paint: plain })).toBe("big.iso connecting…");
    expect(liveLine(snap({ phase: "retrying", retries: 2 }), 1e6, { columns: 120, paint: plain })).toContain("retry 2");
  });

  test("segments: one cell each, filled by eighths; connection count shown", () => {
    const segments = [
      { start: 0, end: 80, done: 80, active: false },
      { start: 80, end: 160, done: 40, active: true },
      { start: 160, end: 240, done: 0, active: false },
      { start: 240, end: 320, done: 10, active: true },
    ];
    expect(segmentCells(segments, 40, plain)).toBe("[█▄·▁]");
    const line = liveLine(snap({ segments, connections: 2 }), 1e6, { columns: 120, paint: plain });
    expect(line).toContain("[█▄·▁]");
    expect(line).toContain("  2 conns");
    // More segments than cells: grouped, still one bracketed run of cells.
    const many = Array.from({ length: 100 }, (_, i) => ({ start: i * 10, end: i * 10 + 10, done: 10, active: false }));
    expect(segmentCells(many, 20, plain)).toBe(`[${"█".repeat(20)}]`);
  });

  test("final line: size, time, average rate; an HTTP error page shows its status, not 100%", () => {
    expect(finalLine(snap({ done: 100 * 1024 * 1024 }), 10_000, { columns: 120, paint: plain })).toBe("big.iso 100%  100 MiB in 10s  (10.0 MiB/s)");
    expect(finalLine(snap({ done: 100 * 1024 * 1024 }), 10_000, { columns: 120, paint: plain }, 200)).toBe("big.iso 100%  100 MiB in 10s  (10.0 MiB/s)");
    expect(finalLine(snap({ done: 335, total: 335 }), 1000, { columns: 120, paint: plain }, 404)).toBe("big.iso HTTP 404  335 B in 1s  (335 B/s)");
    expect(finalLine(snap({ done: 100, total: 100, resumed: 60 }), 1000, { columns: 120, paint: plain })).toContain("60 B resumed");
  });

  test("narrow terminal: the least important parts go, the line is never cut", () => {
    const s = snap({ file: "/tmp/ubuntu-24.04-desktop-amd64.iso", done: 100 * 1024 * 1024, mptcp: "active", subflows: 2 });
    expect(finalLine(s, 10_000, { columns: 40, paint: plain })).toBe("ubuntu-24.04-desk… 100%  100 MiB in 10s");
    expect(finalLine(snap({ done: 100 * 1024 * 1024 }), 10_000, { columns: 40, paint: plain })).toBe("big.iso 100%  100 MiB in 10s");
    const live = liveLine(snap({ mptcp: "active", subflows: 2 }), 1e6, { columns: 40, paint: plain });
    expect(live).toBe("big.iso  42% 42.0 MiB/100 MiB");
  });

  test("ASCII only when asked (a locale without UTF-8); devices are named by their path", () => {
    const segments = [
      { start: 0, end: 80, done: 80, active: false },
      { start: 80, end: 160, done: 40, active: true },
      { start: 160, end: 240, done: 0, active: false },
    ];
    expect(segmentCells(segments, 40, plain, true)).toBe("[@=_]");
    const line = liveLine(snap({ segments, connections: 2, mptcp: "active", subflows: 2, file: "/tmp/a-very-long-file-name-for-the-test.iso" }), 1e6, { columns: 120, paint: plain, ascii: true });
    expect(line).toMatch(/^a-very-long-file-name\.\.\. +42% \[@=_\] .* MPTCP x2$/);
    expect(line).not.toMatch(/[^ -~]/);
    expect(liveLine(snap({ file: "/dev/null" }), 1e6, { columns: 120, paint: plain })).toMatch(/^\/dev\/null  42%/);
  });

  test("colour escapes do not count towards the width", () => {
    const colour = pc.createColors(true);
    const line = liveLine(snap({ mptcp: "active", subflows: 2 }), 1e6, { columns: 70, paint: colour });
    expect(line).toContain("\x1b[");
    expect(line.replace(/\x1b\[[0-9;]*m/g, "").length).toBeLessThan(70);
  });
});

describe("many URLs", () => {
  test("summary and exit code: first failure in order (whatever order they end in); transfers never started are counted", () => {
    const tally = (count: number, outcomes: [number, Outcome][]) => {
      const t = new Tally(count);
      for (const [i, r] of outcomes) t.add(i, r);
      return t;
    };
    // Index 2 fails first in time, index 1 comes first in the command line.
    const results = tally(4, [
      [0, { url: "a", exitCode: 0, bytes: 1024 }],
      [2, { url: "c", exitCode: 6, bytes: 0 }],
      [1, { url: "b", exitCode: 22, bytes: 0 }],
    ]);
    expect(results.exitCode).toBe(22);
    expect(tally(1, [[0, { url: "a", exitCode: 0, bytes: 1 }]]).exitCode).toBe(0);
    expect(summaryLine(results, 2000)).toBe("1 ok, 2 failed, 1 not started: 1.00 KiB in 2s (512 B/s)");
    // An error page saved without -f: exit 0, yet not "ok".
    const pages = tally(2, [
      [0, { url: "a", exitCode: 0, bytes: 1024, httpStatus: 200 }],
      [1, { url: "b", exitCode: 0, bytes: 1024, httpStatus: 404 }],
    ]);
    expect(pages.exitCode).toBe(0);
    expect(summaryLine(pages, 2000)).toBe("1 ok, 1 HTTP error, 0 failed: 2.00 KiB in 2s (1.00 KiB/s)");
  });

});
