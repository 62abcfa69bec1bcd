#!/usr/bin/env bun
// Start-up time of the compiled fetchx against curl, and binary sizes.
//
//   bun bench/startup.ts [--rounds 200]
//
// Each round runs every command once, in turn, so a noisy moment hits all of them alike; we report the
// median (and p90) per command. Rows for /bin/true (the cost of spawning anything) and a compiled Bun
// hello-world (the floor for any Bun executable) make the fetchx figures readable.
import { statSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { COMPILE_OPTIONS, ROOT, TARGETS, binaryPath, build, hostTarget } from "../build.ts";

const rounds = Number(process.argv[process.argv.indexOf("--rounds") + 1]) || 200;
const WARMUP = 10;

async function helloWorld(): Promise<string> {
  const dir = path.join(ROOT, ".bench");
  await mkdir(dir, { recursive: true });
  const src = path.join(dir, "hello.ts");
  const out = path.join(dir, "hello");
  await Bun.write(src, 'console.log("hello");\n');
  const r = await Bun.build({ entrypoints: [src], compile: { ...COMPILE_OPTIONS, outfile: out }, throw: false });
  if (!r.success) throw new Error(r.logs.map(String).join("\n"));
  return out;
}

function timeOnce(cmd: string[]): number {
  const t0 = performance.now();
  const r = Bun.spawnSync(cmd, { stdout: "ignore", stderr: "ignore", stdin: "ignore" });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} exited ${r.exitCode}`);
  return ms;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

const fetchx = binaryPath(hostTarget());
if (!(await Bun.file(fetchx).exists())) await build([hostTarget()]);
const curl = Bun.which("curl");

const commands: [string, string[]][] = [
  ["/bin/true (spawn floor)", ["/bin/true"]],
  ["bun hello-world (compiled)", [await helloWorld()]],
  ["fetchx --version", [fetchx, "--version"]],
  ["fetchx --help", [fetchx, "--help"]],
];
if (curl) commands.push(["curl --version", [curl, "--version"]]);

const samples = commands.map(() => [] as number[]);
for (let i = 0; i < WARMUP + rounds; i++) {
  commands.forEach(([, cmd], k) => {
    const ms = timeOnce(cmd);
    if (i >= WARMUP) samples[k]!.push(ms);
  });
}

const pad = (s: string, n: number) => s.padEnd(n);
console.log(`start-up, ${rounds} alternating rounds (+${WARMUP} warm-up), wall time of spawn-to-exit`);
console.log(`${pad("command", 30)} ${"median ms".padStart(10)} ${"p90 ms".padStart(8)}`);
commands.forEach(([name], k) => {
  console.log(`${pad(name, 30)} ${quantile(samples[k]!, 0.5).toFixed(2).padStart(10)} ${quantile(samples[k]!, 0.9).toFixed(2).padStart(8)}`);
});

console.log(`\nbinary sizes`);
const mib = (p: string) => (statSync(p).size / 2 ** 20).toFixed(1);
for (const t of TARGETS) {
  const p = binaryPath(t);
  console.log(`${pad(path.relative(ROOT, p), 30)} ${(await Bun.file(p).exists()) ? `${mib(p)} MiB` : "(not built: bun build.ts)"}`);
}
if (curl) console.log(`${pad(curl, 30)} ${mib(curl)} MiB (plus shared libcurl, OpenSSL, ...)`);
