#!/usr/bin/env bun
// One small download's fixed cost: `-fsS -o FILE URL` and `-o /dev/null` of a 32 KiB file from nginx on
// loopback, fetchx against curl, and `fetchx --version` (start-up alone) for where the time goes.
//
//   bun bench/one-file.ts [--rounds 40] [--also PATH ...]      --also: another fetchx binary (e.g. main's)
//
// Each round runs every command once, in a rotating order, so a noisy moment hits all of them alike;
// we report the median wall time (spawn to exit) and its ratio to curl writing to the same place. Where
// `perf` works, a quarter of the rounds also run `perf stat -r 5` per command: the median task-clock
// (CPU of all threads, ms) and page faults, steadier than wall time on a shared machine.
// The floor (bench/floor.ts): a bare compiled Bun program making the same calls for the one file (connect,
// request, the answer, NAME.part created O_EXCL, written and fsync'ed in one thread-pool task, renamed),
// with and without the sync: what any Bun program pays (start-up, node:fs, the pool, the sync).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, tempDir } from "../test/servers/harness.ts";
import { startNginx } from "../test/servers/nginx.ts";
import { arg, args, freshBinaries } from "./args.ts";
import { buildFloor } from "./floor.ts";
import { perfStat, perfWorks, printRatioTable } from "./timing.ts";

const rounds = Number(arg("--rounds", "40"));
const WARMUP = 3;

using tmp = tempDir("fetchx-bench-one-");
const { fetchx, others: also } = await freshBinaries(tmp.path, args("--also"));
mkdirSync(join(tmp.path, "www"));
mkdirSync(join(tmp.path, "out"));
writeFileSync(join(tmp.path, "www", "small.bin"), randomBytes(32 * 1024, 11));
const nginx = await startNginx({ root: join(tmp.path, "www") });
const url = nginx.url("/small.bin");
const out = join(tmp.path, "out", "f");

const floor = await buildFloor(tmp.path); // writes out/small.bin (run in out/)

// A command with FLOOR_SYNC=0 in front runs with it in its environment.
const envOf = (cmd: string[]) => (cmd[0] === "FLOOR_SYNC=0" ? { env: { ...process.env, FLOOR_SYNC: "0" }, argv: cmd.slice(1) } : { env: process.env, argv: cmd });

function wallOnce(cmd: string[]): number {
  const { env, argv } = envOf(cmd);
  const t0 = performance.now();
  const r = Bun.spawnSync(argv, { env, stdout: "ignore", stderr: "pipe", stdin: "ignore", cwd: join(tmp.path, "out") });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${r.exitCode}: ${r.stderr.toString().slice(0, 300)}`);
  return ms;
}

function perfOnce(cmd: string[]) {
  const { env, argv } = envOf(cmd);
  return perfStat(argv, { runs: 5, env, cwd: join(tmp.path, "out") });
}
const perf = perfWorks();

// [name, command, reference row for the ratio]
const commands: [string, string[], number][] = [
  ["curl -o /dev/null", ["curl", "-fsS", "-o", "/dev/null", url], 0],
  ["curl -o f", ["curl", "-fsS", "-o", out, url], 1],
  ["fetchx -o /dev/null", [fetchx, "-fsS", "-o", "/dev/null", url], 0],
  ["fetchx -o f", [fetchx, "-fsS", "-o", out, url], 1],
  ...also.flatMap((bin, i): [string, string[], number][] => [
    [`also[${i}] -o /dev/null`, [bin, "-fsS", "-o", "/dev/null", url], 0],
    [`also[${i}] -o f`, [bin, "-fsS", "-o", out, url], 1],
  ]),
  ["floor: bare Bun, fsync", [floor, url], 1],
  ["floor: bare Bun, no sync", ["FLOOR_SYNC=0", floor, url], 1],
  ["fetchx --version", [fetchx, "--version"], 0],
];

const wall = commands.map(() => [] as number[]);
const cpu = commands.map(() => [] as number[]);
const faults = commands.map(() => [] as number[]);
try {
  for (let i = 0; i < WARMUP + rounds; i++) {
    for (let j = 0; j < commands.length; j++) {
      const k = (i + j) % commands.length; // rotate who goes first
      const ms = wallOnce(commands[k]![1]);
      if (i < WARMUP) continue;
      wall[k]!.push(ms);
      if (!perf || i % 4 !== 0) continue;
      const p = perfOnce(commands[k]![1]);
      if (p) cpu[k]!.push(p.cpu), faults[k]!.push(p.faults);
    }
  }
} finally {
  await nginx.stop();
}

console.log(`one 32 KiB file from nginx on loopback, ${rounds} rotating rounds (+${WARMUP} warm-up); wall = spawn to exit${perf ? "; cpu = perf task-clock, all threads" : ""}`);
printRatioTable(commands.map(([name, , ref], k) => ({ name, wall: wall[k]!, cpu: cpu[k]!, faults: faults[k]!, ref })), { nameWidth: 24, ratio: "x curl", perf });
