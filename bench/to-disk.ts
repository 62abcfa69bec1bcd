#!/usr/bin/env bun
// One big file over one connection to a file on a disk, fetchx against curl, where fetchx's promise costs
// most: its final name appears only once the bytes are on the disk (fdatasync, then rename), while curl
// exits with the file still in the page cache. So a third row runs curl and then `sync -d` on its file
// (coreutils' fdatasync): the time until curl's bytes are as durable as fetchx's.
//
//   bun bench/to-disk.ts [--rounds 7] [--big 1g] [--dir DIR] [--also BINARY ...] [--connections N]
//   --dir: where the files are written (a mount of the disk you care about); default a temporary directory
//   --also: another fetchx binary (e.g. main's), for before/after in the same rounds
//
// Each round runs every contender once, in a rotating order; before each run the file system is synced
// (`sync -f DIR`), so no run pays for the dirty pages another one left. Medians of wall time (spawn to
// exit): each row is end to end.
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/servers/harness.ts";
import { startNginx } from "../test/servers/nginx.ts";
import { arg, args, freshBinaries, sizeOf, writeRandomFile } from "./args.ts";

const rounds = Number(arg("--rounds", "7"));
const bigText = arg("--big", "1g");
const big = sizeOf(bigText);
const connections = arg("--connections", "");

using tmp = tempDir("fetchx-bench-disk-");
const { fetchx, others: also } = await freshBinaries(tmp.path, args("--also"));
const www = join(tmp.path, "www");
mkdirSync(www);
await writeRandomFile(join(www, "big.bin"), big, 42);
const nginx = await startNginx({ root: www });
const url = nginx.url("/big.bin");
const dir = join(arg("--dir", join(tmp.path, "out")), `fetchx-bench-disk-${process.pid}`);
mkdirSync(dir, { recursive: true });
const out = join(dir, "f");

const fetchxArgs = (bin: string) => [bin, "-sS", ...(connections ? ["--connections", connections] : []), "-o", out, url];
const contenders: [string, string[]][] = [
  ["curl", ["curl", "-sS", "-o", out, url]],
  ["curl, then sync -d (durable)", ["sh", "-c", `curl -sS -o '${out}' '${url}' && sync -d '${out}'`]],
  [`fetchx${connections ? ` --connections ${connections}` : ""}`, fetchxArgs(fetchx)],
  ...also.map((bin, i): [string, string[]] => [`also[${i}]`, fetchxArgs(bin)]),
];

function runOnce(argv: string[]): number {
  rmSync(out, { force: true });
  Bun.spawnSync(["sync", "-f", dir]);
  const t0 = performance.now();
  const r = Bun.spawnSync(argv, { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ").slice(0, 200)} exited ${r.exitCode}: ${r.stderr.toString().slice(0, 500)}`);
  if (Bun.file(out).size !== big) throw new Error(`${argv[0]} wrote ${Bun.file(out).size} bytes, not ${big}`);
  return ms;
}

const samples = contenders.map(() => [] as number[]);
for (let r = 0; r <= rounds; r++) {
  for (let k = 0; k < contenders.length; k++) {
    const i = (k + r) % contenders.length;
    const ms = runOnce(contenders[i]![1]);
    if (r > 0) samples[i]!.push(ms); // round 0 warms the caches
  }
}
rmSync(dir, { recursive: true, force: true });
await nginx.stop();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ref = median(samples[0]!);
const durable = median(samples[1]!);
console.log(`${bigText}${connections ? ` (fetchx over ${connections} connections)` : " over one connection"} to ${arg("--dir", "a temporary directory")}, ${rounds} rotating rounds (+1 warm-up), medians`);
console.log(`${"command".padEnd(36)} ${"wall ms".padStart(9)}  x curl  x curl+sync`);
contenders.forEach(([name], i) => {
  const ms = median(samples[i]!);
  console.log(`${name.padEnd(36)} ${ms.toFixed(1).padStart(9)}  ${(ms / ref).toFixed(2).padStart(6)}  ${(ms / durable).toFixed(2).padStart(10)}`);
});
