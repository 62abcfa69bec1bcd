// What bench/startup.ts and bench/one-file.ts share: the median, `perf stat` of a command (CPU of all its
// threads and page faults, far steadier than wall time on a shared machine), and the table of medians with
// each row's ratio to a reference row.

/** The median (mean of the middle two for an even count); NaN for none. */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** `perf stat -r RUNS`: mean task-clock (ms) and page faults, or undefined where perf cannot count. */
export function perfStat(argv: string[], opts: { runs: number; env?: Record<string, string | undefined>; cwd?: string }): { cpu: number; faults: number } | undefined {
  const r = Bun.spawnSync(["perf", "stat", "-x,", "-e", "task-clock,page-faults", "-r", String(opts.runs), ...argv], {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdout: "ignore",
    stderr: "pipe",
  });
  const field = (ev: string) => Number(r.stderr.toString().split("\n").find((l) => l.includes(`,${ev}`))?.split(",")[0]);
  const cpu = field("task-clock");
  return r.exitCode === 0 && cpu > 0 ? { cpu, faults: field("page-faults") } : undefined;
}

/** Whether perf is installed and allowed to count here. */
export const perfWorks = (): boolean => !!Bun.which("perf") && perfStat(["/bin/true"], { runs: 1 }) !== undefined;

export interface TimedRow {
  name: string;
  wall: number[];
  cpu: number[];
  faults: number[];
  /** The row this one's ratios are to. */
  ref: number;
}

/** One line per row: median wall ms and its ratio to the reference row; with perf, CPU ms, ratio, faults. */
export function printRatioTable(rows: TimedRow[], opts: { nameWidth: number; ratio: string; perf: boolean }): void {
  const head = ["command".padEnd(opts.nameWidth), "wall ms".padStart(8), opts.ratio.padStart(8)];
  if (opts.perf) head.push("cpu ms".padStart(8), opts.ratio.padStart(8), "faults".padStart(7));
  console.log(head.join(" "));
  for (const row of rows) {
    const w = median(row.wall);
    const cols = [row.name.padEnd(opts.nameWidth), w.toFixed(2).padStart(8), (w / median(rows[row.ref]!.wall)).toFixed(2).padStart(8)];
    if (opts.perf && row.cpu.length) {
      const c = median(row.cpu);
      cols.push(c.toFixed(2).padStart(8), (c / median(rows[row.ref]!.cpu)).toFixed(2).padStart(8), String(Math.round(median(row.faults))).padStart(7));
    }
    console.log(cols.join(" "));
  }
}
