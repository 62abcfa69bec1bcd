#!/usr/bin/env bun
// Start-up of the compiled fetchx (`--version`, `--help`) against a compiled Bun hello-world built by the
// same Bun with the same options (build.ts's compileConfig: bytecode, splitting, JIT policy, autoload off),
// and against `curl --version`; plus binary sizes.
//
//   bun bench/startup.ts [--rounds 40] [--also PATH ...]      --also: another fetchx binary (e.g. main's)
//
// Each round runs every command once, in turn, so a noisy moment hits all of them alike; we report the
// median wall time (spawn to exit) and its ratio to the hello-world. Where `perf` works, each round also
// runs `perf stat -r 10` per command and the median of its task-clock (CPU time of all threads, in ms,
// exact rather than tick-sampled) and page faults: far steadier than wall time on a shared machine.
// Floor rows: the hello-world that also opens libc through bun:ffi and writes with write(2) (what
// fetchx's stdio does), and one that imports node:fs for writeSync instead.
import { statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { ROOT, TARGETS, binaryPath, compileConfig, hostTarget } from "../build.ts";
import { arg, args, freshBinaries } from "./args.ts";
import { perfStat, perfWorks, printRatioTable } from "./timing.ts";

const rounds = Number(arg("--rounds", "40"));
const WARMUP = 3;

const HELLOS: Record<string, string> = {
  hello: 'console.log("hello");\n',
  "hello-ffi": [
    'import { dlopen, FFIType } from "bun:ffi";',
    "const { i32, u64_fast, i64_fast, ptr } = FFIType;",
    'const libc = dlopen("libc.so.6", { write: { args: [i32, ptr, u64_fast], returns: i64_fast } }).symbols;',
    'const bytes = Buffer.from("hello\\n");',
    "libc.write(1, bytes, bytes.byteLength);",
  ].join("\n"),
  "hello-fs": 'import { writeSync } from "node:fs";\nwriteSync(1, "hello\\n");\n',
};

async function compileHello(name: string): Promise<string> {
  const dir = path.join(ROOT, ".bench");
  await mkdir(dir, { recursive: true });
  const src = path.join(dir, `${name}.ts`);
  const out = path.join(dir, name);
  await Bun.write(src, HELLOS[name]!);
  const r = await Bun.build(compileConfig(src, hostTarget().bun, out));
  if (!r.success) throw new Error(r.logs.map(String).join("\n"));
  return out;
}

function wallOnce(cmd: string[]): number {
  const t0 = performance.now();
  const r = Bun.spawnSync(cmd, { stdout: "ignore", stderr: "ignore", stdin: "ignore" });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${r.exitCode}`);
  return ms;
}

const perfOnce = (cmd: string[]) => perfStat(cmd, { runs: 10 });

const { fetchx, others: also } = await freshBinaries(path.join(ROOT, ".bench"), args("--also"));
const curl = Bun.which("curl");
const perf = perfWorks();

const commands: [string, string[]][] = [
  ["/bin/true (spawn floor)", ["/bin/true"]],
  ["bun hello-world", [await compileHello("hello")]],
  ["  + libc write(2) via bun:ffi", [await compileHello("hello-ffi")]],
  ["  + node:fs writeSync", [await compileHello("hello-fs")]],
  ["fetchx --version", [fetchx, "--version"]],
  ["fetchx --help", [fetchx, "--help"]],
  ...also.flatMap((bin, i): [string, string[]][] => [
    [`also[${i}] --version`, [bin, "--version"]],
    [`also[${i}] --help`, [bin, "--help"]],
  ]),
];
if (curl) commands.push(["curl --version", [curl, "--version"]]);

const wall = commands.map(() => [] as number[]);
const cpu = commands.map(() => [] as number[]);
const faults = commands.map(() => [] as number[]);
for (let i = 0; i < WARMUP + rounds; i++) {
  commands.forEach(([, cmd], k) => {
    const ms = wallOnce(cmd);
    if (i < WARMUP) return;
    wall[k]!.push(ms);
    if (!perf || i >= WARMUP + Math.ceil(rounds / 4)) return; // a quarter of the rounds: 10 runs each
    const p = perfOnce(cmd);
    if (p) cpu[k]!.push(p.cpu), faults[k]!.push(p.faults);
  });
}

const HELLO = 1;
console.log(`start-up, ${rounds} alternating rounds (+${WARMUP} warm-up); wall = spawn to exit${perf ? "; cpu = perf task-clock, all threads" : ""}`);
printRatioTable(commands.map(([name], k) => ({ name, wall: wall[k]!, cpu: cpu[k]!, faults: faults[k]!, ref: HELLO })), { nameWidth: 32, ratio: "x hello", perf });

console.log(`\nbinary sizes`);
const mib = (p: string) => (statSync(p).size / 2 ** 20).toFixed(1);
for (const t of TARGETS) {
  const p = binaryPath(t);
  console.log(`${path.relative(ROOT, p).padEnd(32)} ${(await Bun.file(p).exists()) ? `${mib(p)} MiB` : "(not built: bun build.ts)"}`);
}
console.log(`${"bun hello-world".padEnd(32)} ${mib(commands[HELLO]![1][0]!)} MiB`);
if (curl) console.log(`${curl.padEnd(32)} ${mib(curl)} MiB (plus shared libcurl, OpenSSL, ...)`);
