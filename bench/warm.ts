#!/usr/bin/env bun
// Where a short run's time goes that no profile shows as one function: code that runs for the first time,
// and memory that the process touches for the first time.
//   1. fetchx's exchange (its pool, request and response parser; bench/layers.ts's `warm` probe, compiled as
//      fetchx is) over 2,000 URLs of 32 KiB in batches of 400, one batch after another in one process: the
//      CPU of each batch. The first runs cold code; the later ones the same code after it ran.
//   2. What touching a page of fresh memory costs here: a write to each page of a new mapping (one page
//      fault each) against madvise(MADV_POPULATE_WRITE) over the same number of pages (no fault).
//   3. Page faults of one 32 KiB download and of 400 (-Z, 8 at a time): curl and fetchx (perf stat).
//
//   bun bench/warm.ts [--rounds 5]
//
// Needs nginx (Debian nginx-light) and curl; perf for part 3. Builds dist/fetchx-linux-x64 when missing (or
// uses FETCHX_BIN). Figures: bench/README.md.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dlopen, FFIType, toArrayBuffer } from "bun:ffi";
import { binaryPath, build, hostTarget } from "../build.ts";
import { randomBytes, tempDir } from "../test/servers/harness.ts";
import { startNginx } from "../test/servers/nginx.ts";
import { buildLayerProbes } from "./layers.ts";
import { median, perfStat, perfWorks } from "./timing.ts";

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf("--rounds") + 1]) || 5;
const fetchx = process.env.FETCHX_BIN ?? binaryPath(hostTarget());
if (!(await Bun.file(fetchx).exists())) await build([hostTarget()]);

const tmp = tempDir("fetchx-bench-warm-");
const www = join(tmp.path, "www");
mkdirSync(join(www, "s"), { recursive: true });
const COUNT = 2000;
for (let i = 0; i < COUNT; i++) writeFileSync(join(www, "s", `f${i}.bin`), randomBytes(32 * 1024, 100 + i));
const nginx = await startNginx({ root: www });
const urls = Array.from({ length: COUNT }, (_, i) => nginx.url(`/s/f${i}.bin`));
const probe = await buildLayerProbes(tmp.path);

// 1. Cold and warm batches.
const batches: number[][] = [];
for (let r = 0; r < rounds; r++) {
  const p = Bun.spawnSync([probe.warm, ...urls], { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`warm probe exited ${p.exitCode}: ${p.stderr.toString().slice(0, 300)}`);
  p.stdout.toString().trim().split("\n").forEach((line, b) => {
    const [user, system] = line.split(" ").map(Number);
    (batches[b] ??= []).push(user! + system!);
  });
}
console.log(`fetchx's exchange, ${COUNT} x 32 KiB in batches of 400 in one process (8 lanes), ${rounds} runs, median CPU per batch:`);
batches.forEach((cpu, b) => console.log(`  batch ${b + 1}: ${median(cpu).toFixed(1).padStart(6)} ms  x${(median(cpu) / median(batches[0]!)).toFixed(2)}`));

// 2. A fresh page: faulted in by a write, or populated in bulk.
const PAGES = 4096;
const { symbols: libc } = dlopen("libc.so.6", {
  mmap: { args: [FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i64], returns: FFIType.ptr },
  munmap: { args: [FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
  madvise: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
});
const PROT_RW = 3;
const MAP_PRIVATE_ANON = 0x22;
const MADV_POPULATE_WRITE = 23;
const touch: number[] = [];
const populate: number[] = [];
for (let r = 0; r < rounds; r++) {
  const a = libc.mmap(null, PAGES * 4096, PROT_RW, MAP_PRIVATE_ANON, -1, 0)!;
  const view = new Uint8Array(toArrayBuffer(a, 0, PAGES * 4096));
  let t = performance.now();
  for (let i = 0; i < PAGES; i++) view[i * 4096] = 1;
  touch.push(((performance.now() - t) * 1000) / PAGES);
  libc.munmap(a, PAGES * 4096);
  const b = libc.mmap(null, PAGES * 4096, PROT_RW, MAP_PRIVATE_ANON, -1, 0)!;
  t = performance.now();
  const rc = libc.madvise(b, PAGES * 4096, MADV_POPULATE_WRITE);
  if (rc === 0) populate.push(((performance.now() - t) * 1000) / PAGES);
  libc.munmap(b, PAGES * 4096);
}
console.log(`a fresh page (${PAGES} pages, ${rounds} runs, median): written ${median(touch).toFixed(2)} us, populated in bulk ${populate.length ? `${median(populate).toFixed(2)} us` : "(MADV_POPULATE_WRITE unsupported)"}`);

// 3. Page faults per run.
if (perfWorks()) {
  const dir = join(tmp.path, "out");
  mkdirSync(dir);
  const list = join(tmp.path, "urls.txt");
  writeFileSync(list, urls.slice(0, 400).map((u) => `url = "${u}"\n`).join(""));
  const rows: [string, string[]][] = [
    ["curl, one file to /dev/null", ["curl", "-sS", "-o", "/dev/null", urls[0]!]],
    ["fetchx, one file to /dev/null", [fetchx, "-sS", "-o", "/dev/null", urls[0]!]],
    ["fetchx --version", [fetchx, "--version"]],
    ["curl, 400 files -Z to /dev/null", ["curl", "-sS", "-Z", "--parallel-max", "8", "-K", list, "-o", "/dev/null"]],
    ["fetchx, 400 files -Z to /dev/null", [fetchx, "-sS", "-Z", "--parallel-max", "8", "-K", list, "-o", "/dev/null"]],
  ];
  console.log(`page faults and CPU (perf stat -r ${rounds * 2}):`);
  for (const [name, argv] of rows) {
    const s = perfStat(argv, { runs: rounds * 2, cwd: dir });
    console.log(`  ${name.padEnd(36)} ${s ? `${String(Math.round(s.faults)).padStart(6)} faults  ${s.cpu.toFixed(1).padStart(7)} ms CPU` : "perf failed"}`);
  }
}
await nginx.stop();
tmp.cleanup();
