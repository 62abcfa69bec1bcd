#!/usr/bin/env bun
// Every fixed cost and the big-file gap in one run, fetchx (the compiled binary) against curl and aria2c,
// printed as ratios of medians over alternating rounds (each round runs every contender once, in turn):
// wall time, CPU time (user + system) and peak RSS.
//
//   bun bench/all.ts [--rounds N] [--big SIZE] [--skip big] [--skip tls] [--also BINARY]    SIZE like 1g (default)
//   --also: another fetchx binary (e.g. main's) in the start-up and 32 KiB rows, for before/after in one run
//
// Needs nginx (Debian nginx-light, built with its ssl module), curl, aria2c, openssl (a test certificate),
// GNU time (/usr/bin/time). Builds dist/fetchx-linux-x64 when missing (or uses FETCHX_BIN). See
// bench/README.md for the latest figures.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { compileConfig, hostTarget } from "../build.ts";
import { randomBytes, tempDir } from "../test/servers/harness.ts";
import { startNginx } from "../test/servers/nginx.ts";
import { makeCert } from "../test/servers/tls.ts";
import { arg, args, freshBinaries, sizeOf, writeRandomFile } from "./args.ts";
import { buildTlsFloor } from "./floor.ts";

const rounds = Number(arg("--rounds", "5"));
const bigText = arg("--big", "1g");
const big = sizeOf(bigText);
const skip = new Set(args("--skip"));
const tmp = tempDir("fetchx-bench-all-");
const { fetchx, others: also, shown } = await freshBinaries(tmp.path, args("--also"));
const www = join(tmp.path, "www");
mkdirSync(join(www, "s"), { recursive: true });
writeFileSync(join(www, "small.bin"), randomBytes(32 * 1024, 7));
for (let i = 0; i < 400; i++) writeFileSync(join(www, "s", `f${i}.bin`), randomBytes(32 * 1024, 100 + i));
if (!skip.has("big")) await writeRandomFile(join(www, "big.bin"), big, 42);
const nginx = await startNginx({ root: www });
// HTTPS from a second nginx: 512 MiB (the issue's size) with a prime256v1 certificate fetchx and curl trust
// through --cacert.
const TLS_SIZE = 512 << 20;
let tls: { url: string; ca: string; floor: string; stop(): Promise<void> } | null = null;
if (!skip.has("tls")) {
  const certDir = join(tmp.path, "cert");
  mkdirSync(certDir);
  const cert = await makeCert(certDir);
  await writeRandomFile(join(www, "tls.bin"), TLS_SIZE, 4242);
  const server = await startNginx({ root: www, tls: { certPath: cert.certPath, keyPath: cert.keyPath } });
  tls = { url: server.url("/tls.bin"), ca: cert.caPath, floor: await buildTlsFloor(tmp.path), stop: () => server.stop() };
}
const url = (p: string) => nginx.url(p);
const urls = Array.from({ length: 400 }, (_, i) => url(`/s/f${i}.bin`));
writeFileSync(join(tmp.path, "urls.txt"), urls.join("\n") + "\n");

const hello = join(tmp.path, "hello");
writeFileSync(`${hello}.ts`, 'console.log("hello");\n');
// Compiled as fetchx is (build.ts: bytecode, splitting, JIT policy, autoload off), so the ratio is fair.
await Bun.build(compileConfig(`${hello}.ts`, hostTarget().bun, hello));

interface Sample {
  ms: number;
  rssKiB: number;
  /** User + system CPU of the command and what it waited for (the rusage of its wait, in microseconds). */
  cpuMs: number;
}
/** One run under GNU time in `cwd`; `shell` runs through sh (pipes). */
function run(cmd: string[], cwd: string, shell = false): Sample {
  const rss = join(tmp.path, "rss");
  const timed = ["/usr/bin/time", "-f", "%M", "-o", rss, ...cmd];
  const argv = shell ? ["sh", "-c", `${timed.map((a) => `'${a}'`).join(" ")} | cat >/dev/null`] : timed;
  const t0 = performance.now();
  const r = Bun.spawnSync(argv, { cwd, stdout: "ignore", stderr: "pipe", stdin: "ignore" });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ").slice(0, 200)} exited ${r.exitCode}: ${r.stderr.toString().slice(0, 500)}`);
  const cpu = r.resourceUsage!.cpuTime; // the time process's wait includes the command it ran (and cat)
  return { ms, rssKiB: Number(readFileSync(rss, "utf8").trim().split("\n").pop()), cpuMs: (Number(cpu.user) + Number(cpu.system)) / 1000 };
}

/** A row: contenders by name; the first is the reference of the ratios. */
type Row = { title: string; contenders: [string, (dir: string) => Sample][] };
// A new directory for every run, all removed at the end: removing the last run's 400 files right before
// the next run made ext4's inode allocator skip the recently deleted inodes one by one, which showed in
// every contender's time (perf: find_inode_bit / recently_deleted in the creating thread).
// The big-file rows still reuse theirs (a GiB left per run would fill the disk).
let runs = 0;
const fresh = (name: string, reuse = false) => {
  const d = join(tmp.path, "out", reuse ? name : `${name}-${runs++}`);
  if (reuse) rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  return d;
};
const rows: Row[] = [
  {
    title: "start-up: --version",
    contenders: [
      ["bun hello-world (compiled)", (d) => run([hello], d)],
      ["curl --version", (d) => run(["curl", "--version"], d)],
      ["fetchx --version", (d) => run([fetchx, "--version"], d)],
      ["fetchx --help", (d) => run([fetchx, "--help"], d)],
      ...also.map((bin, i): [string, (d: string) => Sample] => [`also[${i}] --version`, (d) => run([bin, "--version"], d)]),
    ],
  },
  {
    title: "one 32 KiB file (-fsS -o f)",
    contenders: [
      ["curl", (d) => run(["curl", "-fsS", "-o", "f", url("/small.bin")], d)],
      ["fetchx", (d) => run([fetchx, "-fsS", "-o", "f", url("/small.bin")], d)],
      ...also.map((bin, i): [string, (d: string) => Sample] => [`also[${i}]`, (d) => run([bin, "-fsS", "-o", "f", url("/small.bin")], d)]),
    ],
  },
  {
    title: "400 x 32 KiB, 8 at a time, remote names",
    contenders: [
      ["curl -Z --parallel-max 8 --remote-name-all", () => run(["curl", "-sS", "-Z", "--parallel-max", "8", "--remote-name-all", ...urls], fresh("c"))],
      ["fetchx -Z --parallel-max 8 -O", () => run([fetchx, "-sS", "-Z", "--parallel-max", "8", "-O", ...urls], fresh("f"))],
      ["aria2c -j8 -i", () => run(["aria2c", "-q", "-j8", "-i", join(tmp.path, "urls.txt")], fresh("a"))],
    ],
  },
];
if (!skip.has("big")) {
  const b = url("/big.bin");
  rows.push(
    {
      title: `${bigText}, one connection, to /dev/null`,
      contenders: [
        ["curl", (d) => run(["curl", "-sS", "-o", "/dev/null", b], d)],
        ["fetchx", (d) => run([fetchx, "-sS", "-o", "/dev/null", b], d)],
      ],
    },
    {
      title: `${bigText}, one connection, to a file`,
      contenders: [
        ["curl", () => run(["curl", "-sS", "-o", "f", b], fresh("bc", true))],
        ["fetchx", () => run([fetchx, "-sS", "-o", "f", b], fresh("bf", true))],
      ],
    },
    {
      title: `${bigText} to stdout (| cat)`,
      contenders: [
        ["curl", (d) => run(["curl", "-sS", b], d, true)],
        ["fetchx", (d) => run([fetchx, "-sS", b], d, true)],
      ],
    },
    {
      title: `${bigText}, 8 connections, to a file`,
      contenders: [
        ["aria2c -x8 -s8", () => run(["aria2c", "-q", "-x8", "-s8", "-k1M", "-o", "f", b], fresh("a8", true))],
        ["fetchx --connections 8", () => run([fetchx, "-sS", "--connections", "8", "-o", "f", b], fresh("f8", true))],
      ],
    },
  );
}

if (tls) {
  const { url: u, ca, floor } = tls;
  rows.push({
    title: "512 MiB over TLS, one connection, to /dev/null",
    contenders: [
      ["curl", (d) => run(["curl", "-sS", "--cacert", ca, "-o", "/dev/null", u], d)],
      ["fetchx", (d) => run([fetchx, "-sS", "--cacert", ca, "-o", "/dev/null", u], d)],
      // What any Bun program pays for the same bytes: Bun's TLS socket, a write(2) per data event.
      ["floor: bare Bun TLS, write(2) per chunk", (d) => run([floor, u, ca], d)],
    ],
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`fetchx ${shown}, ${rounds} alternating rounds (+1 warm-up), medians; ratios to the first row's time and CPU`);
for (const row of rows) {
  const samples = row.contenders.map(() => [] as Sample[]);
  for (let r = 0; r <= rounds; r++) {
    const order = row.contenders.map((_, i) => (i + r) % row.contenders.length);
    for (const i of order) {
      const s = row.contenders[i]![1](fresh("cwd"));
      if (r > 0) samples[i]!.push(s);
    }
  }
  console.log(`\n${row.title}`);
  const ref = median(samples[0]!.map((s) => s.ms));
  const refCpu = median(samples[0]!.map((s) => s.cpuMs));
  row.contenders.forEach(([name], i) => {
    const ms = median(samples[i]!.map((s) => s.ms));
    const cpu = median(samples[i]!.map((s) => s.cpuMs));
    const rss = median(samples[i]!.map((s) => s.rssKiB)) / 1024;
    const cpuRatio = refCpu > 0 ? `x${(cpu / refCpu).toFixed(2).padStart(5)}` : "      ";
    console.log(`  ${name.padEnd(44)} ${ms.toFixed(1).padStart(9)} ms  x${(ms / ref).toFixed(2).padStart(5)}  CPU ${cpu.toFixed(0).padStart(6)} ms ${cpuRatio}  peak RSS ${rss.toFixed(0).padStart(4)} MiB`);
  });
}

// --connections 8: how many connections one download opens (the probe's is reused by a worker).
const nc = [] as number[];
for (let r = 0; r < rounds && !skip.has("big"); r++) {
  const p = Bun.spawnSync([fetchx, "-sS", "--connections", "8", "-o", "f", "-w", "%{num_connects}", url("/big.bin")], { cwd: fresh("nc", true) });
  nc.push(Number(p.stdout.toString()));
}
if (nc.length) console.log(`\n--connections 8, num_connects per run: ${nc.join(" ")} (9 = probe + 8)`);
await nginx.stop();
await tls?.stop();
tmp.cleanup();
