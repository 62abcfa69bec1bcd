#!/usr/bin/env bun
// Multipath whatever the server (needs root; the two-path lab of test/lab/lab.ts): how much of the two
// paths' summed rate each downloader gets, against the lab's TCP-only server (ranges over paths) and its
// MPTCP server (the kernel's subflows). Each run writes a file in a temp dir (fetchx spreads ranges only
// into a regular file) and is timed around the process; runs alternate between tools; medians printed.
//   bun bench/multipath-lab.ts [--rate MBIT] [--rate-b MBIT] [--size MIB] [--runs N]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labUnavailableReason, run, startLab, type Lab } from "../test/lab/lab.ts";
import { startLabServer, type LabServer } from "../test/lab/serve.ts";

const argv = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const RATE = num("--rate", 50);
const RATE_B = num("--rate-b", RATE);
const SIZE = num("--size", 32) << 20;
const RUNS = num("--runs", 3);
const main = new URL("../src/main.ts", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "fetchx-mpbench-"));
const out = join(dir, "out.bin");

interface Tool {
  name: string;
  server: "tcp" | "mptcp";
  argv(url: string, lab: Lab): string[];
}

async function curlMptcp(): Promise<{ prefix: string[]; flag: string[]; label: string }> {
  const v = (await run(["curl", "--version"])).stdout.match(/^curl (\d+)\.(\d+)/);
  const native = v && (Number(v[1]) > 8 || (Number(v[1]) === 8 && Number(v[2]) >= 9));
  return native ? { prefix: [], flag: ["--mptcp"], label: "curl --mptcp" } : { prefix: ["mptcpize", "run"], flag: [], label: "mptcpize run curl" };
}

function tools(curl: Awaited<ReturnType<typeof curlMptcp>>): Tool[] {
  const fx = (extra: string[]) => (url: string) => [process.execPath, main, "-sS", ...extra, "-o", out, url];
  const c = (url: string) => [...curl.prefix, "curl", "-sS", ...curl.flag, "-o", out, url];
  return [
    { name: "fetchx --mptcp -N4", server: "tcp", argv: fx(["--mptcp", "--connections", "4"]) },
    { name: "fetchx --mptcp", server: "tcp", argv: fx(["--mptcp"]) },
    { name: "fetchx (TCP, 1 path)", server: "tcp", argv: fx([]) },
    {
      name: "aria2c --multiple-if -x4",
      server: "tcp",
      argv: (url, lab) => [
        "aria2c", "-q", "--allow-overwrite=true", "--file-allocation=none", "-x4", "-s4", "-k1M",
        `--multiple-interface=${lab.paths.a.client},${lab.paths.b.client}`, "-d", dir, "-o", "out.bin", url,
      ],
    },
    { name: `${curl.label}`, server: "tcp", argv: c },
    { name: "fetchx --mptcp -N4", server: "mptcp", argv: fx(["--mptcp", "--connections", "4"]) },
    { name: `${curl.label}`, server: "mptcp", argv: c },
  ];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function measure(lab: Lab, server: LabServer, tool: Tool): Promise<{ mbit: number; shareB: number }> {
  rmSync(out, { force: true });
  const a0 = await lab.rxBytes("a");
  const b0 = await lab.rxBytes("b");
  const t0 = performance.now();
  const r = await lab.exec("client", tool.argv(server.url(tool.server), lab), { timeoutMs: 180_000 });
  const s = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`${tool.name} exited ${r.code}: ${r.stderr.trim()}`);
  if (Bun.file(out).size !== SIZE) throw new Error(`${tool.name} wrote ${Bun.file(out).size} bytes, not ${SIZE}`);
  const a = (await lab.rxBytes("a")) - a0;
  const b = (await lab.rxBytes("b")) - b0;
  return { mbit: (SIZE * 8) / s / 1e6, shareB: b / (a + b) };
}

const skip = await labUnavailableReason();
if (skip) {
  console.error(`cannot run the lab: ${skip}`);
  process.exit(1);
}
const lab = await startLab({ rateMbit: RATE, rateMbitB: RATE_B });
try {
  const server = await startLabServer(lab, { size: SIZE, seed: 1 });
  const list = tools(await curlMptcp());
  const key = (t: Tool) => `${t.name} [${t.server} server]`;
  const results = new Map(list.map((t) => [key(t), [] as { mbit: number; shareB: number }[]]));
  await measure(lab, server, list[0]!); // warm-up: page cache, first Bun start
  for (let i = 0; i < RUNS; i++)
    for (const tool of i % 2 ? [...list].reverse() : list) results.get(key(tool))!.push(await measure(lab, server, tool));

  const sum = RATE + RATE_B;
  console.log(`lab: path a ${RATE} + path b ${RATE_B} Mbit/s (tbf, both directions), ${SIZE >> 20} MiB to a file, ${RUNS} alternating runs, wall time, kernel ${(await run(["uname", "-r"])).stdout.trim()}`);
  console.log(`${"tool".padEnd(42)} ${"median Mbit/s".padStart(14)} ${"of sum".padStart(8)} ${"on path b".padStart(10)}   runs (Mbit/s)`);
  for (const [name, rs] of results) {
    const m = median(rs.map((r) => r.mbit));
    const share = median(rs.map((r) => r.shareB));
    const runs = rs.map((r) => r.mbit.toFixed(1)).join(" ");
    console.log(`${name.padEnd(42)} ${m.toFixed(1).padStart(14)} ${`${((m / sum) * 100).toFixed(0)}%`.padStart(8)} ${`${(share * 100).toFixed(0)}%`.padStart(10)}   ${runs}`);
  }
  console.log(`(sum of the paths = ${sum} Mbit/s of link rate; TCP/IP headers leave about 95% of it for payload)`);
} finally {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
}
