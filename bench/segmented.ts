// Segmented download speed against a server that limits each connection (nginx `limit_rate`): fetchx
// --connections N against aria2c -xN -sN and single-connection curl. Runs alternate (the order rotates each
// round) and medians are printed, because this machine is noisy. See bench/README.md.
//
//   bun bench/segmented.ts [SIZE] [--rounds N] [--rate 2m] [--connections 8] [--curl-seconds S] [--only REGEX]
//   SIZE: bytes, or with k/m/g suffix (default 128m)
//
// curl gets one connection, so at limit_rate it needs SIZE/rate seconds (64 s for 128 MiB at 2 MB/s); it is
// sampled for --curl-seconds (default 8) with -m, and its rate comes from the bytes it got in that time.
import { existsSync, mkdtempSync, rmdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatedBody } from "../test/servers/body.ts";
import { fetchxCommand, REPO_ROOT, sha256, tempDir } from "../test/servers/harness.ts";
import { startNginx } from "../test/servers/nginx.ts";

interface Args {
  size: number;
  rounds: number;
  rate: string;
  connections: number;
  curlSeconds: number;
  /** Run only the contenders whose name matches. */
  only?: RegExp;
}

const bytes = (s: string) => {
  const m = /^(\d+)([kmg]?)i?b?$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  return Number(m[1]) * 1024 ** " kmg".indexOf((m[2] || " ").toLowerCase());
};

function parseArgs(argv: string[]): Args {
  const a: Args = { size: 128 << 20, rounds: 3, rate: "2m", connections: 8, curlSeconds: 8 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i]!;
    if (v === "--rounds") a.rounds = Number(argv[++i]);
    else if (v === "--rate") a.rate = argv[++i]!;
    else if (v === "--connections") a.connections = Number(argv[++i]);
    else if (v === "--curl-seconds") a.curlSeconds = Number(argv[++i]);
    else if (v === "--only") a.only = new RegExp(argv[++i]!);
    else a.size = bytes(v);
  }
  return a;
}

/** One tool's run: argv, where its file lands (null: nowhere to check), and whether it is time-capped. */
interface Contender {
  name: string;
  argv(url: string, dir: string): string[];
  output(dir: string): string | null;
  capped: boolean;
}

interface Sample {
  seconds: number;
  /** Body bytes received (the file size, or curl's size_download when capped). */
  bytes: number;
  /** What the tool reported about its connections, when it does. */
  connections?: number;
}

function contenders(a: Args): Contender[] {
  const n = String(a.connections);
  const fetchxBases: [string, string[]][] = [["fetchx", [process.execPath, join(REPO_ROOT, "src/main.ts")]]];
  const binary = join(REPO_ROOT, "dist/fetchx-linux-x64");
  if (process.env.FETCHX_BIN) fetchxBases.push([`fetchx ${process.env.FETCHX_BIN}`, fetchxCommand()]);
  else if (existsSync(binary) && process.arch === "x64") fetchxBases.push(["fetchx binary", [binary]]);

  const list: Contender[] = [];
  for (const [name, base] of fetchxBases) {
    list.push({
      name: `${name} --connections ${n} -o /dev/null`,
      argv: (url) => [...base, "-s", "-S", "--connections", n, "-o", "/dev/null", "-w", "%{num_connects}", url],
      output: () => null,
      capped: false,
    });
    list.push({
      name: `${name} --connections ${n} -o tmpfs`,
      argv: (url, dir) => [...base, "-s", "-S", "--connections", n, "-o", join(dir, "fetchx.bin"), "-w", "%{num_connects}", url],
      output: (dir) => join(dir, "fetchx.bin"),
      capped: false,
    });
  }
  // aria2 needs a directory; -k 1M lets it split a file into pieces smaller than its default 20 MiB, so
  // all N connections are used (with the default, 128 MiB gives it only 6).
  list.push({
    name: `aria2c -x${n} -s${n} -k1M -d tmpfs`,
    argv: (url, dir) => ["aria2c", "-q", `-x${n}`, `-s${n}`, "-k1M", "--allow-overwrite=true", "--auto-file-renaming=false", "--file-allocation=none", "-d", dir, "-o", "aria2.bin", url],
    output: (dir) => join(dir, "aria2.bin"),
    capped: false,
  });
  list.push({
    name: `curl (1 connection, ${a.curlSeconds} s sample)`,
    argv: (url) => ["curl", "-s", "-m", String(a.curlSeconds), "-o", "/dev/null", "-w", "%{size_download}", url],
    output: () => null,
    capped: true,
  });
  return list.filter((c) => !a.only || a.only.test(c.name));
}

async function runOnce(c: Contender, url: string, dir: string, size: number, digest?: string): Promise<Sample> {
  const out = c.output(dir);
  const t0 = performance.now();
  const p = Bun.spawn(c.argv(url, dir), { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const code = await p.exited;
  const seconds = (performance.now() - t0) / 1000;
  // curl -m ends with 28 after its sample time: that is the expected end of a capped run.
  if (code !== 0 && !(c.capped && code === 28)) throw new Error(`${c.name} exited ${code}: ${stderr.trim()}`);
  let got = c.capped ? Number(stdout.trim()) : size;
  if (out) {
    // Outside the timed part: a fast wrong answer is not a result.
    got = statSync(out).size;
    const hash = digest && (await sha256(out));
    rmSync(out);
    if (got !== size) throw new Error(`${c.name} wrote ${got} bytes, expected ${size}`);
    if (hash && hash !== digest) throw new Error(`${c.name} wrote different bytes (sha256 ${hash})`);
  }
  const connections = c.name.startsWith("fetchx") ? Number(stdout.trim()) : undefined;
  return { seconds, bytes: got, connections };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** A tmpfs big enough for two copies (root), else /dev/shm: aria2 and fetchx write files off the real disk. */
function scratch(size: number) {
  if (process.getuid?.() === 0) {
    const dir = mkdtempSync(join(tmpdir(), "fetchx-bench-tmpfs-"));
    const m = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", `size=${Math.ceil((2 * size) / 2 ** 20) + 64}m`, "tmpfs", dir]);
    if (m.exitCode === 0)
      return {
        dir,
        [Symbol.dispose]() {
          Bun.spawnSync(["umount", "-l", dir]);
          rmdirSync(dir);
        },
      };
    rmdirSync(dir);
  }
  const dir = mkdtempSync("/dev/shm/fetchx-bench-");
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  using root = tempDir("fetchx-bench-seg-");
  using out = scratch(a.size);

  const file = root.file("data.bin");
  const writer = Bun.file(file).writer({ highWaterMark: 1 << 22 });
  const hasher = new Bun.CryptoHasher("sha256");
  for (const piece of generatedBody(a.size, 43).slices(0, a.size)) {
    writer.write(piece);
    hasher.update(piece);
  }
  await writer.end();
  const digest = hasher.digest("hex");

  const nginx = await startNginx({ root: root.path, limitRate: a.rate });
  const url = nginx.url("/data.bin");
  const list = contenders(a);
  const samples = new Map<Contender, Sample[]>(list.map((c) => [c, []]));
  console.log(`${(a.size / 2 ** 20).toFixed(0)} MiB from nginx (limit_rate ${a.rate} per connection) over loopback, ${a.rounds} rounds`);
  try {
    for (let round = 0; round < a.rounds; round++) {
      const order = list.map((_, i) => list[(i + round) % list.length]!);
      for (const c of order) samples.get(c)!.push(await runOnce(c, url, out.dir, a.size, round === 0 ? digest : undefined));
      process.stderr.write(`round ${round + 1}/${a.rounds} done\n`);
    }
  } finally {
    await nginx.stop();
  }

  const rows: string[][] = [["tool", "median s", "MB/s", "connections", "runs (s)"]];
  for (const c of list) {
    const ss = samples.get(c)!;
    const rate = median(ss.map((s) => s.bytes / s.seconds)) / 1e6;
    const t = c.capped ? `(${((a.size / rate) / 1e6).toFixed(1)} est.)` : median(ss.map((s) => s.seconds)).toFixed(2);
    const conns = ss[0]!.connections === undefined ? (c.name.startsWith("curl") ? "1" : "-") : ss.map((s) => s.connections).join("/");
    rows.push([c.name, t, rate.toFixed(1), conns, ss.map((s) => s.seconds.toFixed(2)).join(" ")]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "));
}

await main();
