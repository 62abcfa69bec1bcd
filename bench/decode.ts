// --compressed: peak RSS and time of fetchx against curl --compressed, per coding and destination.
// Bombs (1 GiB of zeros in gzip, "gzip, gzip", deflate, brotli, zstd) come from the test server in
// test/servers; a normal large body (text, gzip'ed with gzip -6) from nginx with gzip_static; "tiny" is a
// 5-byte gzip'ed body, the floor of each tool. Each round runs every tool once per case and destination,
// the order rotating between rounds; medians. See bench/README.md.
//
//   bun bench/decode.ts [--rounds N] [--cases tiny,text,gzip,gzip2,deflate,br,zstd] [--dest null,pipe,slow,file]
//                       [--text SIZE] [--bin PATH]... [--src]
//
// Destinations: -o /dev/null, stdout | cat, stdout | sha256sum (a reader slower than decoding), -o FILE.
// --bin adds a fetchx executable (repeatable: compare two builds A B A B in one run); without it, the
// binary named by FETCHX_BIN or dist/fetchx-linux-x64. --src adds `bun src/main.ts`. SIZE as 256m, 1g.
import { existsSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import zlib from "node:zlib";
import { REPO_ROOT, sha256, tempDir } from "../test/servers/harness.ts";
import { startServer } from "../test/servers/http.ts";
import { bytesOf, head } from "../test/servers/hostile.ts";
import { startNginx } from "../test/servers/nginx.ts";

const TIME = "/usr/bin/time";
const GiB = 1 << 30;
const DESTS = ["null", "pipe", "slow", "file"] as const;
type Dest = (typeof DESTS)[number];
const ALL_CASES = ["tiny", "text", "gzip", "gzip2", "deflate", "br", "zstd"];

interface Args {
  rounds: number;
  cases: string[];
  dests: Dest[];
  textSize: number;
  bins: string[];
  src: boolean;
}

function parseSize(s: string): number {
  const m = /^(\d+)([kmg]?)i?b?$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  return Number(m[1]) * 1024 ** " kmg".indexOf((m[2] || " ").toLowerCase());
}

function parseArgs(argv: string[]): Args {
  const a: Args = { rounds: 3, cases: ALL_CASES, dests: [...DESTS], textSize: 256 << 20, bins: [], src: false };
  for (let i = 0; i < argv.length; i++) {
    const o = argv[i]!;
    if (o === "--rounds") a.rounds = Number(argv[++i]);
    else if (o === "--cases") a.cases = argv[++i]!.split(",");
    else if (o === "--dest") a.dests = argv[++i]!.split(",") as Dest[];
    else if (o === "--text") a.textSize = parseSize(argv[++i]!);
    else if (o === "--bin") a.bins.push(argv[++i]!);
    else if (o === "--src") a.src = true;
    else throw new Error(`unknown argument ${o}`);
  }
  for (const c of a.cases) if (!ALL_CASES.includes(c)) throw new Error(`unknown case ${c} (${ALL_CASES.join(", ")})`);
  if (!a.bins.length) {
    const bin = process.env.FETCHX_BIN ?? join(REPO_ROOT, "dist/fetchx-linux-x64");
    if (existsSync(bin)) a.bins.push(bin);
  }
  if (!a.bins.length && !a.src) a.src = true;
  return a;
}

interface Case {
  name: string;
  url: string;
  /** Decoded size, checked for every file written; sha256 in the first round. */
  size: number;
  sha256?: string;
  what: string;
}

interface Tool {
  name: string;
  curl: boolean;
  argv: string[];
}

interface Sample {
  seconds: number;
  rssKiB: number;
}

/** Seeded text that gzip shrinks about as much as logs or HTML (about 4x): lines with a few random fields. */
function writeText(path: string, size: number): Promise<string> {
  const words = ["GET", "POST", "index.html", "style.css", "app.js", "image.png", "api", "v1", "users", "items", "fetchx", "curl/7.88", "Mozilla/5.0"];
  let seed = 42;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const pick = () => words[Math.floor(rand() * words.length)]!;
  const writer = Bun.file(path).writer({ highWaterMark: 1 << 22 });
  const hasher = new Bun.CryptoHasher("sha256");
  const enc = new TextEncoder();
  for (let done = 0, line = 0; done < size; ) {
    let s = "";
    while (s.length < 1 << 20) {
      const ip = `198.51.100.${Math.floor(rand() * 256)}`;
      s += `${line++} ${ip} - [01/Dec/2026:13:${String(line % 60).padStart(2, "0")}] "${pick()} /${pick()}/${pick()}/${Math.floor(rand() * 1e6)} HTTP/1.1" 200 ${Math.floor(rand() * 1e5)} "${pick()}"\n`;
    }
    const b = enc.encode(s).subarray(0, Math.min(s.length, size - done));
    writer.write(b);
    hasher.update(b);
    done += b.byteLength;
  }
  return Promise.resolve(writer.end()).then(() => hasher.digest("hex"));
}

/** 1 GiB of zeros, compressed once per case (zstd and brotli with the largest window a client must take). */
function bombs(): Record<string, { encoding: string; body: Uint8Array; what: string }> {
  const zeros = new Uint8Array(GiB);
  const c = zlib.constants as Record<string, number>;
  const gz = zlib.gzipSync(zeros, { level: 9 });
  const zstd = (zlib as unknown as { zstdCompressSync(b: Uint8Array, o: object): Buffer }).zstdCompressSync(zeros, { params: { [c.ZSTD_c_windowLog!]: 23 } });
  return {
    gzip: { encoding: "gzip", body: gz, what: "gzip" },
    gzip2: { encoding: "gzip, gzip", body: zlib.gzipSync(gz, { level: 9 }), what: '"gzip, gzip"' },
    deflate: { encoding: "deflate", body: zlib.deflateSync(zeros, { level: 9 }), what: "deflate (zlib)" },
    br: { encoding: "br", body: zlib.brotliCompressSync(zeros, { params: { [c.BROTLI_PARAM_QUALITY!]: 5, [c.BROTLI_PARAM_LGWIN!]: 24 } }), what: "brotli, 16 MiB window" },
    zstd: { encoding: "zstd", body: zstd, what: "zstd, 8 MiB window" },
  };
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

async function runOnce(tool: Tool, c: Case, dest: Dest, dir: string, check: boolean): Promise<Sample> {
  const rssFile = join(dir, "rss");
  const out = dest === "file" ? join(dir, "out.bin") : "/dev/null";
  const piped = dest === "pipe" || dest === "slow";
  const timed = [TIME, "-f", "%M", "-o", rssFile, ...tool.argv, "-sS", "--compressed", ...(piped ? [] : ["-o", out]), c.url];
  const reader = dest === "slow" ? "sha256sum" : "cat";
  const cmd = piped ? ["bash", "-c", `set -o pipefail; ${timed.map(shellQuote).join(" ")} | ${reader} > /dev/null`] : timed;
  const t0 = performance.now();
  const p = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const stderr = await new Response(p.stderr).text();
  const code = await p.exited;
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`exit ${code}: ${stderr.trim()}`);
  if (dest === "file") {
    // Outside the timed part: a fast wrong answer is not a result.
    const got = statSync(out).size;
    const hash = check && c.sha256 ? await sha256(out) : undefined;
    rmSync(out);
    if (got !== c.size) throw new Error(`wrote ${got} bytes, expected ${c.size}`);
    if (hash && hash !== c.sha256) throw new Error(`wrote different bytes (sha256 ${hash})`);
  }
  return { seconds, rssKiB: Number((await Bun.file(rssFile).text()).trim().split("\n").pop()) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(TIME)) throw new Error("GNU time is needed for peak RSS: apt-get install time");
  using root = tempDir("fetchx-bench-decode-root-");
  using work = tempDir("fetchx-bench-decode-out-");

  const tools: Tool[] = [{ name: "curl", curl: true, argv: ["curl"] }];
  for (const bin of args.bins) tools.push({ name: `fetchx ${bin.replace(REPO_ROOT + "/", "")}`, curl: false, argv: [bin] });
  if (args.src) tools.push({ name: "fetchx bun src/main.ts", curl: false, argv: [process.execPath, join(REPO_ROOT, "src/main.ts")] });

  const cases: Case[] = [];
  let nginx: Awaited<ReturnType<typeof startNginx>> | null = null;
  if (args.cases.includes("text")) {
    process.stderr.write(`writing ${args.textSize >> 20} MiB of text and gzip -6 of it...\n`);
    const file = join(root.path, "log.txt");
    const digest = await writeText(file, args.textSize);
    const gz = Bun.spawnSync(["gzip", "-6", "-k", file]);
    if (gz.exitCode !== 0) throw new Error(`gzip: ${gz.stderr}`);
    rmSync(file); // gzip_static serves log.txt.gz for log.txt
    nginx = await startNginx({ root: root.path, gzipStatic: true });
    const wire = statSync(`${file}.gz`).size;
    cases.push({ name: "text", url: nginx.url("/log.txt"), size: args.textSize, sha256: digest, what: `${args.textSize >> 20} MiB of text, ${(wire / 2 ** 20).toFixed(0)} MiB gzip -6, nginx gzip_static` });
  }
  const routes: Record<string, { raw: Uint8Array }> = {};
  const wanted = args.cases.filter((c) => c !== "text");
  if (wanted.length) {
    const tinyGz = zlib.gzipSync("tiny\n");
    const all = wanted.some((c) => c !== "tiny") ? bombs() : {};
    const list = { tiny: { encoding: "gzip", body: tinyGz, what: "5 bytes, gzip" }, ...all };
    for (const name of wanted) {
      const b = list[name as keyof typeof list]!;
      routes[`/${name}`] = { raw: bytesOf(head("200 OK", [["Content-Encoding", b.encoding], ["Content-Length", String(b.body.length)]]), b.body) };
      const size = name === "tiny" ? 5 : GiB;
      cases.push({ name, url: "", size, what: name === "tiny" ? b.what : `1 GiB of zeros in ${b.body.length} bytes, ${b.what}` });
    }
  }
  const server = wanted.length ? await startServer({ routes }) : null;
  for (const c of cases) if (!c.url) c.url = server!.url(`/${c.name}`);
  writeFileSync(join(work.path, "rss"), "");

  const commit = Bun.spawnSync(["git", "-C", REPO_ROOT, "rev-parse", "--short", "HEAD"]).stdout.toString().trim();
  console.log(`fetchx at ${commit}, bun ${Bun.version}; ${args.rounds} rounds, order rotating; GNU time %M for peak RSS`);
  const samples = new Map<string, Sample[]>();
  const key = (c: Case, d: Dest, t: Tool) => `${c.name}/${d}/${t.name}`;
  const failures: string[] = [];
  try {
    for (let round = 0; round < args.rounds; round++) {
      for (const c of cases) {
        for (const d of args.dests) {
          const order = tools.map((_, i) => tools[(i + round + cases.indexOf(c)) % tools.length]!);
          for (const t of order) {
            try {
              const s = await runOnce(t, c, d, work.path, round === 0);
              const k = key(c, d, t);
              samples.set(k, [...(samples.get(k) ?? []), s]);
            } catch (e) {
              failures.push(`round ${round + 1}, ${t.name}, ${c.name} -> ${d}: ${(e as Error).message}`);
            }
          }
        }
      }
      process.stderr.write(`round ${round + 1}/${args.rounds} done\n`);
    }
  } finally {
    server?.stop();
    await nginx?.stop();
  }

  const label: Record<Dest, string> = { null: "-o /dev/null", pipe: "| cat", slow: "| sha256sum", file: "-o file" };
  for (const c of cases) {
    console.log(`\n${c.name}: ${c.what}`);
    const rows = [["dest", "tool", "median s", "min-max s", "MB/s", "peak RSS MiB (min-max)", "time / curl"]];
    for (const d of args.dests) {
      const curl = samples.get(key(c, d, tools[0]!));
      const curlT = curl?.length ? median(curl.map((s) => s.seconds)) : NaN;
      for (const t of tools) {
        const runs = samples.get(key(c, d, t));
        if (!runs?.length) {
          rows.push([label[d], t.name, "failed", "", "", "", ""]);
          continue;
        }
        const secs = runs.map((s) => s.seconds);
        const rss = runs.map((s) => s.rssKiB / 1024);
        const m = median(secs);
        rows.push([
          label[d],
          t.name,
          m.toFixed(3),
          `${Math.min(...secs).toFixed(2)}-${Math.max(...secs).toFixed(2)}`,
          (c.size / m / 1e6).toFixed(0),
          `${median(rss).toFixed(1)} (${Math.min(...rss).toFixed(0)}-${Math.max(...rss).toFixed(0)})`,
          t.curl ? "1.00" : (m / curlT).toFixed(2),
        ]);
      }
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) console.log(r.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "));
  }
  if (failures.length) console.log(`\n${failures.length} failed run(s):\n  ${failures.join("\n  ")}`);
}

await main();
