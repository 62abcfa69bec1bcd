#!/usr/bin/env bun
// 400 x 32 KiB, 8 at a time: fetchx against curl and the floor, a bare compiled Bun script that makes the
// same system calls per file as fetchx (one keep-alive connection per lane; per file a request, the
// answer, NAME.part created O_EXCL and written, then renamed): with one syncfs per batch of files (what
// fetchx -Z does), with an fsync per file in a thread-pool task, and without any sync. fetchx runs again
// with FETCHX_SYNC=file (a sync per file, as the library does). Medians of alternating rounds: wall time
// and CPU time (user + system).
//
//   bun bench/small-files.ts [--rounds N] [--files N] [--pool N] [--before BIN] [--layers]
//
// --before BIN adds a row for another fetchx binary (an older build), run in the same rounds.
// --pool N adds rows with UV_THREADPOOL_SIZE=N: Bun's thread pool has as many threads as cores (2 here),
// and every file's sync waits for one of them. --layers adds the layers of fetchx one by one, all to
// /dev/null (bench/layers.ts): its connection pool and parser alone, the library's engine, the CLI; and
// curl to /dev/null beside them; and the pool with fetchx's file sink committing as -O does. Needs nginx (Debian nginx-light) and curl. Builds
// dist/fetchx-linux-x64 when missing (or uses FETCHX_BIN). Figures: bench/README.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, tempDir } from "../test/servers/harness.ts";
import { startNginx } from "../test/servers/nginx.ts";
import { arg, args, freshBinaries } from "./args.ts";
import { buildFloor } from "./floor.ts";
import { buildLayerProbes } from "./layers.ts";

const rounds = Number(arg("--rounds", "7"));
const count = Number(arg("--files", "400"));
const pool = process.argv.includes("--pool") ? Number(arg("--pool", "8")) : 0;
const layers = process.argv.includes("--layers");

const tmp = tempDir("fetchx-bench-small-");
const { fetchx, others: [before], shown } = await freshBinaries(tmp.path, args("--before"));
const www = join(tmp.path, "www");
mkdirSync(join(www, "s"), { recursive: true });
for (let i = 0; i < count; i++) writeFileSync(join(www, "s", `f${i}.bin`), randomBytes(32 * 1024, 100 + i));
const nginx = await startNginx({ root: www });
const urls = Array.from({ length: count }, (_, i) => nginx.url(`/s/f${i}.bin`));

// The floor (bench/floor.ts): nothing but the calls, 8 lanes, each with its own keep-alive connection.
const floor = await buildFloor(tmp.path);

interface Sample {
  ms: number;
  cpuMs: number;
}
let runs = 0;
function run(cmd: string[], env: Record<string, string> = {}): Sample {
  // A new directory each run, all removed at the end: 400 unlinks just before a run would slow it.
  const dir = join(tmp.path, "out", String(runs++));
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const r = Bun.spawnSync(cmd, { cwd: dir, env: { ...process.env, ...env }, stdout: "ignore", stderr: "pipe", stdin: "ignore" });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${cmd.slice(0, 6).join(" ")} exited ${r.exitCode}: ${r.stderr.toString().slice(0, 300)}`);
  const u = r.resourceUsage!.cpuTime;
  return { ms, cpuMs: (Number(u.user) + Number(u.system)) / 1000 };
}

const rows: [string, () => Sample][] = [
  ["curl -Z --parallel-max 8 --remote-name-all", () => run(["curl", "-sS", "-Z", "--parallel-max", "8", "--remote-name-all", ...urls])],
  ["fetchx -Z --parallel-max 8 -O", () => run([fetchx, "-sS", "-Z", "--parallel-max", "8", "-O", ...urls])],
  ["fetchx, FETCHX_SYNC=file (a sync per file)", () => run([fetchx, "-sS", "-Z", "--parallel-max", "8", "-O", ...urls], { FETCHX_SYNC: "file" })],
  ["floor: bare Bun, one syncfs per batch", () => run([floor, ...urls], { FLOOR_SYNC: "batch" })],
  ["floor: bare Bun, fsync per file", () => run([floor, ...urls])],
  ["floor: bare Bun, no sync", () => run([floor, ...urls], { FLOOR_SYNC: "0" })],
];
if (layers) {
  const probe = await buildLayerProbes(tmp.path);
  const toNull = urls.flatMap((u) => [u, "-o", "/dev/null"]);
  rows.push(
    ["curl, each to /dev/null", () => run(["curl", "-sS", "-Z", "--parallel-max", "8", ...toNull])],
    ["fetchx CLI, each to /dev/null", () => run([fetchx, "-sS", "-Z", "--parallel-max", "8", ...toNull])],
    ["engine: FetchxClient.download to /dev/null", () => run([probe.engine, ...urls])],
    ["exchange: pool, request, parser, no file", () => run([probe.exchange, ...urls])],
    ["files: the exchange and FileSink, -O's commit", () => run([probe.files, ...urls])],
  );
}
if (before) rows.push(["fetchx (--before)", () => run([before, "-sS", "-Z", "--parallel-max", "8", "-O", ...urls])]);
if (pool > 0)
  rows.push(
    [`fetchx, UV_THREADPOOL_SIZE=${pool}`, () => run([fetchx, "-sS", "-Z", "--parallel-max", "8", "-O", ...urls], { UV_THREADPOOL_SIZE: String(pool) })],
    [`floor, fsync, UV_THREADPOOL_SIZE=${pool}`, () => run([floor, ...urls], { UV_THREADPOOL_SIZE: String(pool) })],
  );

const samples = rows.map(() => [] as Sample[]);
for (let r = 0; r <= rounds; r++) {
  for (let k = 0; k < rows.length; k++) {
    const i = (k + r) % rows.length;
    const s = rows[i]![1]();
    if (r > 0) samples[i]!.push(s);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${count} x 32 KiB, 8 at a time; fetchx ${shown}; ${rounds} alternating rounds (+1 warm-up), medians; ratio to curl`);
const ref = median(samples[0]!.map((s) => s.ms));
const refCpu = median(samples[0]!.map((s) => s.cpuMs));
rows.forEach(([name], i) => {
  const ms = median(samples[i]!.map((s) => s.ms));
  const cpu = median(samples[i]!.map((s) => s.cpuMs));
  console.log(`  ${name.padEnd(44)} ${ms.toFixed(1).padStart(8)} ms  x${(ms / ref).toFixed(2).padStart(5)}   CPU ${cpu.toFixed(1).padStart(7)} ms  x${(cpu / refCpu).toFixed(2).padStart(5)}`);
});
await nginx.stop();
tmp.cleanup();
