// Resuming a cut chunked answer (no Accept-Ranges, Range honoured): what the rerun fetches, and what
// keeping a journal for such answers costs a download that is not cut. Compares this tree with an older
// commit of fetchx (--before REF, built from `git archive`) and with curl -C -. Runs alternate (the order
// rotates each round) and medians are printed: this machine is noisy (see bench/README.md).
//
//   bun bench/resume-chunked.ts [--before REF] [--rounds N] [--size SIZE_MIB]
import { mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchxCommand, REPO_ROOT, runCommand, sha256 } from "../test/servers/harness.ts";
import { startServer } from "../test/servers/http.ts";
import { truncateAfter } from "../test/servers/faults.ts";
import { CountingBody } from "../test/servers/transfer.ts";

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1]! : fallback;
};
const before = opt("--before", "main");
const rounds = Number(opt("--rounds", "5"));
const SIZE = Number(opt("--size", "32")) * 1024 * 1024;
const CUT = Math.floor(SIZE * 0.7);

// The older fetchx: its src from git, run with this tree's node_modules.
const old = mkdtempSync(join(tmpdir(), "fetchx-before-"));
const tar = Bun.spawnSync(["sh", "-c", `git -C "$1" archive "$2" src package.json | tar -x -C "$3"`, "sh", REPO_ROOT, before, old]);
if (tar.exitCode !== 0) throw new Error(`git archive ${before}: ${tar.stderr.toString()}`);
symlinkSync(join(REPO_ROOT, "node_modules"), join(old, "node_modules"));
const contenders: Record<string, string[]> = {
  [`before (${before})`]: [process.execPath, join(old, "src/main.ts")],
  after: fetchxCommand(),
  "curl 7.88": ["curl"],
};

const body = new CountingBody(SIZE, 5);
const SHA = new CountingBody(SIZE, 5).sha256();
const small = new CountingBody(256 * 1024, 6);
// Even requests of /cut are cut at 70%, odd ones are whole (or ranged): run 1 then run 2 of one contender.
const server = await startServer({
  routes: {
    "/cut": ({ count }) => ({ body, framing: "chunked", acceptRanges: false, faults: count % 2 === 0 ? [truncateAfter(CUT)] : [] }),
    "/whole": { body, framing: "chunked", acceptRanges: false },
    "/small": { body: small, framing: "chunked", acceptRanges: false },
  },
});
const dir = mkdtempSync(join(tmpdir(), "fetchx-bench-resume-"));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rerun: Record<string, { bytes: number[]; ms: number[] }> = {};
const fresh: Record<string, { big: number[]; small: number[] }> = {};

async function timed(cmd: string[]): Promise<{ ms: number; code: number | null }> {
  const t = performance.now();
  const r = await runCommand(cmd, { timeoutMs: 120_000, stdout: "ignore" });
  return { ms: performance.now() - t, code: r.code };
}

for (let round = 0; round < rounds; round++) {
  const names = Object.keys(contenders);
  const order = names.map((_, i) => names[(i + round) % names.length]!);
  for (const name of order) {
    const cmd = contenders[name]!;
    const curl = name.startsWith("curl");
    const out = join(dir, "out");
    rmSync(out, { force: true });
    rmSync(out + ".part", { force: true });
    rmSync(out + ".fetchx", { force: true });
    const first = await timed([...cmd, "-sS", "--retry", "0", "-o", out, server.url("/cut")]);
    if (first.code !== 18) throw new Error(`${name}: run 1 exited ${first.code}`);
    const served = body.served;
    const second = await timed([...cmd, "-sS", "-C", "-", "-o", out, server.url("/cut")]);
    if (second.code !== 0 || (await sha256(out)) !== SHA) throw new Error(`${name}: run 2 exited ${second.code} or wrong bytes`);
    (rerun[name] ??= { bytes: [], ms: [] }).bytes.push(body.served - served);
    rerun[name]!.ms.push(second.ms);
    if (curl) continue;
    // Not cut: the cost of the journal now kept for a chunked answer.
    const f = (fresh[name] ??= { big: [], small: [] });
    rmSync(out, { force: true });
    f.big.push((await timed([...cmd, "-sS", "-o", out, server.url("/whole")])).ms);
    if (statSync(out).size !== SIZE) throw new Error(`${name}: wrong size`);
    for (let i = 0; i < 5; i++) {
      rmSync(out, { force: true });
      f.small.push((await timed([...cmd, "-sS", "-o", out, server.url("/small")])).ms);
    }
  }
}

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
console.log(`${mib(SIZE)} chunked, no Accept-Ranges, cut at 70% (${mib(CUT)}); ${rounds} rounds, medians`);
console.log("rerun with -C -:");
const base = median(rerun[`before (${before})`]!.bytes);
for (const [name, r] of Object.entries(rerun))
  console.log(`  ${name.padEnd(18)} fetched ${mib(median(r.bytes)).padStart(9)} (${(median(r.bytes) / base).toFixed(2)}x before)  ${median(r.ms).toFixed(0)} ms`);
console.log("a download that is not cut (a journal is kept now):");
const b = fresh[`before (${before})`]!;
for (const [name, f] of Object.entries(fresh))
  console.log(`  ${name.padEnd(18)} ${mib(SIZE)}: ${median(f.big).toFixed(0)} ms (${(median(f.big) / median(b.big)).toFixed(2)}x)   256 KiB: ${median(f.small).toFixed(1)} ms (${(median(f.small) / median(b.small)).toFixed(2)}x)`);
server.stop();
rmSync(dir, { recursive: true, force: true });
rmSync(old, { recursive: true, force: true });
