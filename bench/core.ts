// Single-connection download speed and memory: fetchx against curl, both fetching one file from nginx on
// loopback. Runs alternate (the order rotates each round) and medians are printed, because this machine
// varies a lot between runs (shared/PLATFORM.md). See bench/README.md.
//
//   bun bench/core.ts [SIZE] [--rounds N] [--mptcp] [--no-file]
//   SIZE: bytes, or with k/m/g suffix (default 1g)
import { existsSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fetchxCommand, REPO_ROOT, sha256, tempDir } from "../test/servers/harness.ts";
import { generatedBody } from "../test/servers/body.ts";
import { startNginx } from "../test/servers/nginx.ts";

interface Args {
  size: number;
  rounds: number;
  mptcp: boolean;
  file: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { size: 1 << 30, rounds: 5, mptcp: false, file: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--rounds") args.rounds = Number(argv[++i]);
    else if (a === "--mptcp") args.mptcp = true;
    else if (a === "--no-file") args.file = false;
    else {
      const m = /^(\d+)([kmg]?)i?b?$/i.exec(a);
      if (!m) throw new Error(`bad argument ${a}`);
      args.size = Number(m[1]) * 1024 ** " kmg".indexOf((m[2] || " ").toLowerCase());
    }
  }
  return args;
}

/** What one tool does in a run: its argv given the URL and where the body goes. */
interface Contender {
  name: string;
  /** Which group it is compared within (same destination, same transport). */
  group: "null" | "pipe" | "file";
  isCurl: boolean;
  argv(url: string, out: string): string[];
}

interface Sample {
  seconds: number;
  rssKiB: number;
}

const TIME = "/usr/bin/time";

async function ensureTime() {
  if (existsSync(TIME)) return;
  console.error("installing GNU time (apt-get install -y time) for peak RSS");
  const p = Bun.spawn(["apt-get", "install", "-y", "-q", "time"], { stdout: "ignore", stderr: "inherit" });
  if ((await p.exited) !== 0 || !existsSync(TIME)) throw new Error("GNU time is needed: apt-get install time");
}

/**
 * One run under GNU time. Destinations: "null" writes to /dev/null via -o, "pipe" sends stdout through a
 * pipe that `cat` drains into /dev/null, "file" writes a real file (removed afterwards).
 */
async function runOnce(c: Contender, url: string, dir: string, expect: { size: number; sha256?: string }): Promise<Sample> {
  const rssFile = join(dir, "rss");
  const out = c.group === "file" ? join(dir, "out.bin") : "/dev/null";
  const timed = [TIME, "-f", "%M", "-o", rssFile, ...c.argv(url, c.group === "pipe" ? "-" : out)];
  const cmd = c.group === "pipe" ? ["sh", "-c", `${timed.map(shellQuote).join(" ")} | cat > /dev/null`] : timed;
  const t0 = performance.now();
  const p = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const stderr = await new Response(p.stderr).text();
  const code = await p.exited;
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${c.name} exited ${code}: ${stderr.trim()}`);
  if (c.group === "file") {
    // Outside the timed part: a fast wrong answer is not a result.
    const got = statSync(out).size;
    const hash = expect.sha256 && (await sha256(out));
    rmSync(out);
    if (got !== expect.size) throw new Error(`${c.name} wrote ${got} bytes, expected ${expect.size}`);
    if (hash && hash !== expect.sha256) throw new Error(`${c.name} wrote different bytes (sha256 ${hash})`);
  }
  const rssKiB = Number((await Bun.file(rssFile).text()).trim().split("\n").pop());
  return { seconds, rssKiB };
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

function contenders(args: Args): Contender[] {
  const mptcpize = args.mptcp ? ["mptcpize", "run"] : [];
  // out "-" means stdout: no -o at all.
  const output = (out: string) => (out === "-" ? [] : ["-o", out]);
  const curl = (url: string, out: string) => [...mptcpize, "curl", "-s", "-S", ...output(out), url];
  const fetchx = (base: string[]) => (url: string, out: string) =>
    [...base, "-s", "-S", ...(args.mptcp ? ["--mptcp"] : []), ...output(out), url];
  const list: [string, string[]][] = [["fetchx (bun src/main.ts)", [process.execPath, join(REPO_ROOT, "src/main.ts")]]];
  const binary = join(REPO_ROOT, "dist/fetchx-linux-x64");
  if (process.env.FETCHX_BIN) list.push([`fetchx (${process.env.FETCHX_BIN})`, fetchxCommand()]);
  else if (existsSync(binary) && process.arch === "x64") list.push(["fetchx (dist binary)", [binary]]);

  const groups: Contender["group"][] = args.file ? ["null", "pipe", "file"] : ["null", "pipe"];
  const all: Contender[] = [];
  for (const group of groups) {
    all.push({ name: "curl", group, isCurl: true, argv: curl });
    for (const [name, base] of list) all.push({ name, group, isCurl: false, argv: fetchx(base) });
  }
  return all;
}

const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  const args = parseArgs(process.argv.slice(2));
  await ensureTime();
  using root = tempDir("fetchx-bench-root-");
  using work = tempDir("fetchx-bench-out-");

  // Random content (so no layer can compress or dedupe it), written once.
  const file = root.file("data.bin");
  const writer = Bun.file(file).writer({ highWaterMark: 1 << 22 });
  const hasher = new Bun.CryptoHasher("sha256");
  for (const piece of generatedBody(args.size, 42).slices(0, args.size)) {
    writer.write(piece);
    hasher.update(piece);
  }
  await writer.end();
  const digest = hasher.digest("hex");

  const nginx = await startNginx({ root: root.path, mptcp: args.mptcp });
  const url = nginx.url("/data.bin");
  const list = contenders(args);
  const samples = new Map<Contender, Sample[]>(list.map((c) => [c, []]));
  const failures: string[] = [];
  const commit = Bun.spawnSync(["git", "-C", REPO_ROOT, "rev-parse", "--short", "HEAD"]).stdout.toString().trim();
  console.log(`fetchx at ${commit}, bun ${Bun.version}`);
  console.log(`${(args.size / 2 ** 20).toFixed(0)} MiB from nginx${args.mptcp ? " under mptcpize (MPTCP both sides)" : ""} over loopback, ${args.rounds} rounds of ${list.length} runs`);
  try {
    // Warm the page cache and the tools once, unmeasured.
    // The file runs of the first round also check the bytes (sha256, untimed).
    for (const c of list.filter((c) => c.group === "null")) await runOnce(c, url, work.path, { size: args.size });
    for (let round = 0; round < args.rounds; round++) {
      const order = list.map((_, i) => list[(i + round) % list.length]!);
      const expect = { size: args.size, sha256: round === 0 ? digest : undefined };
      for (const c of order) {
        // A failed run is a finding, not a reason to lose the others: count it and report it.
        try {
          samples.get(c)!.push(await runOnce(c, url, work.path, expect));
        } catch (e) {
          failures.push(`round ${round + 1}, ${c.name} (${c.group}): ${(e as Error).message}`);
        }
      }
      process.stderr.write(`round ${round + 1}/${args.rounds} done\n`);
    }
  } finally {
    await nginx.stop();
  }
  report(list, samples, args.size);
  if (failures.length) console.log(`\n${failures.length} failed run(s):\n  ${failures.join("\n  ")}`);
}

function report(list: Contender[], samples: Map<Contender, Sample[]>, size: number) {
  const label = { null: "-o /dev/null", pipe: "stdout | cat >/dev/null", file: "-o file (tmp dir)" };
  const rows: string[][] = [["destination", "tool", "median s", "min-max s", "MB/s", "peak RSS MiB", "time / curl"]];
  for (const group of ["null", "pipe", "file"] as const) {
    const inGroup = list.filter((c) => c.group === group);
    if (!inGroup.length) continue;
    const curlTime = median(samples.get(inGroup.find((c) => c.isCurl)!)!.map((s) => s.seconds));
    for (const c of inGroup) {
      const runs = samples.get(c)!;
      if (!runs.length) {
        rows.push([label[group], c.name, "failed", "", "", "", ""]);
        continue;
      }
      const t = median(runs.map((s) => s.seconds));
      const rss = median(runs.map((s) => s.rssKiB)) / 1024;
      const spread = `${Math.min(...runs.map((s) => s.seconds)).toFixed(2)}-${Math.max(...runs.map((s) => s.seconds)).toFixed(2)}`;
      rows.push([label[group], c.name, t.toFixed(3), spread, (size / t / 1e6).toFixed(0), rss.toFixed(1), c.isCurl ? "1.00" : (t / curlTime).toFixed(2)]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "));
}

await main();
