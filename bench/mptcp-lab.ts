#!/usr/bin/env bun
// In the two-path lab (test/lab/lab.ts, needs root): fetchx --mptcp vs plain fetchx vs curl over MPTCP
// (`curl --mptcp` when curl >= 8.9, else `mptcpize run curl`) vs plain curl, on the same file, output to
// /dev/null. Runs alternate between tools so drift hits all alike; prints medians in Mbit/s and as a
// fraction of the two paths' summed rate.
//   bun bench/mptcp-lab.ts [--rate MBIT] [--size MIB] [--runs N]
import { fetchxHasOption, labUnavailableReason, run, startLab, type Lab } from "../test/lab/lab.ts";
import { startLabServer } from "../test/lab/serve.ts";

const argv = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const RATE = num("--rate", 50);
const SIZE = num("--size", 32) << 20;
const RUNS = num("--runs", 5);
const main = new URL("../src/main.ts", import.meta.url).pathname;

interface Tool {
  name: string;
  argv(url: string): string[];
  /** bytes/s as the tool itself reports it (size / total time). */
  speed(stdout: string): number;
}

async function curlMptcpArgs(): Promise<{ prefix: string[]; flag: string[]; label: string }> {
  const v = (await run(["curl", "--version"])).stdout.match(/^curl (\d+)\.(\d+)/);
  const native = v && (Number(v[1]) > 8 || (Number(v[1]) === 8 && Number(v[2]) >= 9));
  return native ? { prefix: [], flag: ["--mptcp"], label: "curl --mptcp" } : { prefix: ["mptcpize", "run"], flag: [], label: "mptcpize run curl" };
}

function tools(curlMptcp: Awaited<ReturnType<typeof curlMptcpArgs>>, segmented: boolean): Tool[] {
  const fx = (extra: string[]): Tool["argv"] => (url) => [process.execPath, main, "-sS", ...extra, "-o", "/dev/null", "-w", "%{json}", url];
  const fxSpeed = (out: string) => Number(JSON.parse(out).speed_download);
  const curl = (prefix: string[], flag: string[]): Tool["argv"] => (url) => [...prefix, "curl", "-sS", ...flag, "-o", "/dev/null", "-w", "%{speed_download}", url];
  return [
    { name: "fetchx --mptcp", argv: fx(["--mptcp"]), speed: fxSpeed },
    ...(segmented ? [{ name: "fetchx --mptcp -N4", argv: fx(["--mptcp", "--connections", "4"]), speed: fxSpeed }] : []),
    { name: "fetchx (TCP)", argv: fx([]), speed: fxSpeed },
    { name: curlMptcp.label, argv: curl(curlMptcp.prefix, curlMptcp.flag), speed: Number },
    { name: "curl (TCP)", argv: curl([], []), speed: Number },
  ];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function measure(lab: Lab, tool: Tool, url: string): Promise<{ mbit: number; shareB: number }> {
  const a0 = await lab.rxBytes("a");
  const b0 = await lab.rxBytes("b");
  const r = await lab.exec("client", tool.argv(url), { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`${tool.name} exited ${r.code}: ${r.stderr.trim()}`);
  const a = (await lab.rxBytes("a")) - a0;
  const b = (await lab.rxBytes("b")) - b0;
  return { mbit: (tool.speed(r.stdout) * 8) / 1e6, shareB: b / (a + b) };
}

const skip = await labUnavailableReason();
if (skip) {
  console.error(`cannot run the lab: ${skip}`);
  process.exit(1);
}
const lab = await startLab({ rateMbit: RATE });
try {
  const server = await startLabServer(lab, { size: SIZE, seed: 1 });
  const url = server.url("mptcp");
  const list = tools(await curlMptcpArgs(), await fetchxHasOption("--connections"));
  const results = new Map(list.map((t) => [t.name, [] as { mbit: number; shareB: number }[]]));
  await measure(lab, list[0]!, url); // warm-up: page cache, first Bun start
  for (let i = 0; i < RUNS; i++)
    for (const tool of i % 2 ? [...list].reverse() : list) results.get(tool.name)!.push(await measure(lab, tool, url));

  const sum = 2 * RATE;
  console.log(`lab: 2 paths x ${RATE} Mbit/s (tbf, both directions), ${SIZE >> 20} MiB to /dev/null, ${RUNS} alternating runs, kernel ${(await run(["uname", "-r"])).stdout.trim()}`);
  console.log(`${"tool".padEnd(20)} ${"median Mbit/s".padStart(14)} ${"of sum".padStart(8)} ${"on path b".padStart(10)}   runs (Mbit/s)`);
  for (const [name, rs] of results) {
    const m = median(rs.map((r) => r.mbit));
    const share = median(rs.map((r) => r.shareB));
    const runs = rs.map((r) => r.mbit.toFixed(1)).join(" ");
    console.log(`${name.padEnd(20)} ${m.toFixed(1).padStart(14)} ${`${((m / sum) * 100).toFixed(0)}%`.padStart(8)} ${`${(share * 100).toFixed(0)}%`.padStart(10)}   ${runs}`);
  }
  console.log(`(sum of the paths = ${sum} Mbit/s of link rate; TCP/IP headers leave about 95% of it for payload)`);
} finally {
  await lab.destroy();
}
