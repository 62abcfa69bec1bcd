#!/usr/bin/env bun
// Peak RSS (GNU time %M) of the compiled binary where memory could grow: with the number of URLs (1,000
// and 10,000 small files from --input-file, 8 at a time), with 8 connections on one big file, and into a
// pipe whose reader is slower than the network (sha256sum). Several binaries (before/after builds) are run
// alternately, round after round, and medians printed, because this machine is shared and noisy.
//
//   bun bench/memory.ts [--rounds N] [--big SIZE] [--only urls,pipe,conn8] [--bin PATH]...
//
// Without --bin it measures dist/fetchx-linux-x64 (built when missing). Needs nginx, GNU time, sha256sum.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { binaryPath, build, hostTarget } from "../build.ts";
import { randomBytes, tempDir } from "../test/servers/harness.ts";
import { startNginx } from "../test/servers/nginx.ts";
import { arg, args, sizeOf, writeRandomFile } from "./args.ts";

const rounds = Number(arg("--rounds", "3"));
const bigText = arg("--big", "1g");
const big = sizeOf(bigText);
const only = new Set(arg("--only", "urls,pipe,conn8").split(","));
const bins = args("--bin");
if (!bins.length) {
  const b = binaryPath(hostTarget());
  if (!(await Bun.file(b).exists())) await build([hostTarget()]);
  bins.push(b);
}

const tmp = tempDir("fetchx-bench-memory-");
const www = join(tmp.path, "www");
const MANY = 10_000;
mkdirSync(join(www, "u"), { recursive: true });
if (only.has("urls")) {
  const body = randomBytes(4096, 3);
  for (let i = 0; i < MANY; i++) writeFileSync(join(www, "u", `f${i}.bin`), body);
}
if (only.has("pipe") || only.has("conn8")) await writeRandomFile(join(www, "big.bin"), big, 42);
const nginx = await startNginx({ root: www });
const lists: Record<number, string> = {};
for (const n of [1_000, MANY]) {
  lists[n] = join(tmp.path, `urls-${n}.txt`);
  writeFileSync(lists[n], Array.from({ length: n }, (_, i) => nginx.url(`/u/f${i}.bin`)).join("\n") + "\n");
}

interface Sample {
  ms: number;
  rssKiB: number;
  /** User plus system CPU seconds (GNU time). */
  cpu: number;
}
const q = (a: string) => `'${a.replaceAll("'", `'\\''`)}'`;
/**
 * One run of `cmd` in a fresh directory, under GNU time; `pipeTo` is a shell command reading its stdout.
 * The binary's pages are dropped from the page cache first (GNU dd iflag=nocache count=0): the kernel
 * maps cached pages around each fault, so a binary just built or copied (all of it cached) peaked 1-3 MB
 * higher than the same code run from an older file, which would favour whichever binary is older.
 */
function run(cmd: string[], pipeTo?: string): Sample {
  Bun.spawnSync(["dd", `if=${cmd[0]}`, "iflag=nocache", "count=0", "status=none"]);
  const cwd = join(tmp.path, "cwd");
  rmSync(cwd, { recursive: true, force: true });
  mkdirSync(cwd);
  const rss = join(tmp.path, "rss");
  const timed = ["/usr/bin/time", "-f", "%M %U %S", "-o", rss, ...cmd];
  const line = pipeTo ? ["sh", "-c", `${timed.map(q).join(" ")} | ${pipeTo}`] : timed;
  const t0 = performance.now();
  const r = Bun.spawnSync(line, { cwd, stdout: "ignore", stderr: "pipe", stdin: "ignore" });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ").slice(0, 200)} exited ${r.exitCode}: ${r.stderr.toString().slice(0, 500)}`);
  const [kib, user, sys] = readFileSync(rss, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
  return { ms, rssKiB: kib!, cpu: user! + sys! };
}

type Row = { title: string; args: string[]; pipeTo?: string };
const rows: Row[] = [];
if (only.has("urls"))
  for (const n of [1_000, MANY])
    rows.push({ title: `${n.toLocaleString("en")} x 4 KiB, -Z --parallel-max 8 -O --input-file`, args: ["-sS", "-Z", "--parallel-max", "8", "-O", "--input-file", lists[n]!] });
if (only.has("pipe")) rows.push({ title: `${bigText} to a slow pipe (| sha256sum)`, args: ["-sS", nginx.url("/big.bin")], pipeTo: "sha256sum >/dev/null" });
if (only.has("conn8")) rows.push({ title: `${bigText}, --connections 8, to a file`, args: ["-sS", "--connections", "8", "-o", "f", nginx.url("/big.bin")] });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${rounds} alternating rounds, medians: wall time, CPU (user+sys), peak RSS (min-max)`);
for (const row of rows) {
  const samples = bins.map(() => [] as Sample[]);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < bins.length; k++) {
      const i = (k + r) % bins.length;
      samples[i]!.push(run([bins[i]!, ...row.args], row.pipeTo));
    }
  }
  console.log(`\n${row.title}`);
  bins.forEach((b, i) => {
    const kib = samples[i]!.map((s) => s.rssKiB);
    const mib = (k: number) => (k / 1024).toFixed(1);
    console.log(
      `  ${b.padEnd(40)} ${median(samples[i]!.map((s) => s.ms)).toFixed(0).padStart(7)} ms  CPU ${median(samples[i]!.map((s) => s.cpu)).toFixed(2)} s  peak RSS ${mib(median(kib))} MiB (${mib(Math.min(...kib))}-${mib(Math.max(...kib))})`,
    );
  });
}
await nginx.stop();
tmp.cleanup();
