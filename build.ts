#!/usr/bin/env bun
// One standalone executable per Linux architecture, plus dist/SHA256SUMS.
// The target list is data (opencode's packages/opencode/script/build.ts keeps its build the same way):
// adding an architecture is one row, not new code.
//
//   bun build.ts                      all targets
//   bun build.ts --target x64 [...]   a subset (repeatable; names from the table below)
//   bun build.ts --native             only the host's glibc target (what the tests run)
import { $ } from "bun";
import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import pkg from "./package.json" with { type: "json" };

export interface Target {
  /** Short name used by --target and in the file name: dist/fetchx-linux-<name>. */
  name: string;
  /** Bun's compile target. */
  bun: Bun.Build.CompileTarget;
  /** Node-style arch, to pick the host's target and the container image's file. */
  arch: "x64" | "arm64";
  libc: "glibc" | "musl";
  /** ELF program interpreter the kernel will ask for; tests check it (musl builds cannot run on Debian). */
  interpreter: string;
}

export const TARGETS: readonly Target[] = [
  { name: "x64", bun: "bun-linux-x64", arch: "x64", libc: "glibc", interpreter: "/lib64/ld-linux-x86-64.so.2" },
  { name: "arm64", bun: "bun-linux-arm64", arch: "arm64", libc: "glibc", interpreter: "/lib/ld-linux-aarch64.so.1" },
  { name: "x64-musl", bun: "bun-linux-x64-musl", arch: "x64", libc: "musl", interpreter: "/lib/ld-musl-x86_64.so.1" },
  { name: "arm64-musl", bun: "bun-linux-arm64-musl", arch: "arm64", libc: "musl", interpreter: "/lib/ld-musl-aarch64.so.1" },
];

export const ROOT = import.meta.dir;
export const DIST = path.join(ROOT, "dist");
export const ENTRY = path.join(ROOT, "src/main.ts");

/**
 * Compile options shared by every target. A downloader runs in arbitrary working directories: a stray
 * bunfig.toml (preload!) or .env there must not change what the binary does, so runtime autoloading is off.
 */
export const COMPILE_OPTIONS = {
  autoloadBunfig: false,
  autoloadDotenv: false,
  autoloadTsconfig: false,
  autoloadPackageJson: false,
} as const satisfies Partial<Bun.CompileBuildOptions>;

/**
 * JavaScriptCore's tier-up thresholds times this, for the life of the process. A download spends its CPU
 * in the kernel (recv, write) and native code (hashing, decoding); JavaScript does a few calls per 256 KiB.
 * With the normal policy the DFG and FTL compilers still wake up on that path, and compiling (their code
 * paged in from the binary, their heaps) added 5-10 MB of peak RSS to a 1 GiB download for no measurable
 * speed: bench/README.md has the figures. The runtime's own `Bun.unsafe.setJITPolicy` could lower it again.
 */
export const JIT_POLICY = 1000;

export function binaryPath(t: Target): string {
  return path.join(DIST, `fetchx-linux-${t.name}`);
}

export function hostTarget(): Target {
  const t = TARGETS.find((t) => t.arch === process.arch && t.libc === "glibc");
  if (!t) throw new Error(`no glibc target for host arch ${process.arch}`);
  return t;
}

/** Short commit of the checkout, or "unknown" outside git (a tarball build). */
export async function gitCommit(): Promise<string> {
  const r = await $`git rev-parse --short HEAD`.cwd(ROOT).nothrow().quiet();
  return r.exitCode === 0 ? r.stdout.toString().trim() : "unknown";
}

export interface BuildInfo {
  version: string;
  commit: string;
  bun: string;
}

/**
 * Bun.build's configuration for one executable: fetchx's, and the benches' hello-world (bench/startup.ts),
 * which must be compiled alike for the start-up comparison to mean anything.
 */
export function compileConfig(entry: string, target: Bun.Build.CompileTarget, outfile: string, define: Record<string, string> = {}) {
  return {
    entrypoints: [entry],
    compile: { ...COMPILE_OPTIONS, target, outfile, jitPolicy: JIT_POLICY },
    // Precompiled bytecode skips parsing the bundle at every start: `fetchx --version` went from ~24 ms to
    // ~8 ms of CPU here (bench/startup.ts), for ~2 MiB more per binary. Bytecode wants ESM output.
    bytecode: true,
    format: "esm",
    // One chunk per set of entries (main, each `await import()`), all inside the one executable. Without
    // splitting, the lazy modules' code sat in the entry's module, and so did their `import ... from
    // "node:tls"` (net, crypto, dns, ...): ES imports are linked before the first line runs, so every start
    // loaded those builtins, about 3 ms of the 9 ms of `fetchx --version` (bench/README.md).
    splitting: true,
    define,
    throw: false,
  } as const satisfies Bun.BuildConfig;
}

/** Compile one target into dist/. Throws with Bun's build log on failure. */
export async function buildTarget(t: Target, info: BuildInfo): Promise<string> {
  const outfile = binaryPath(t);
  const result = await Bun.build(
    compileConfig(ENTRY, t.bun, outfile, {
      FETCHX_VERSION: JSON.stringify(info.version),
      FETCHX_COMMIT: JSON.stringify(info.commit),
    }),
  );
  if (!result.success) {
    throw new Error(`build ${t.name} failed:\n${result.logs.map(String).join("\n")}`);
  }
  return outfile;
}

/** sha256sum(1) format, so users can run `sha256sum -c SHA256SUMS --ignore-missing`. */
export async function writeChecksums(): Promise<string> {
  const names = (await readdir(DIST)).filter((n) => n.startsWith("fetchx-linux-")).sort();
  const lines: string[] = [];
  for (const n of names) {
    const hasher = new Bun.CryptoHasher("sha256");
    hasher.update(await Bun.file(path.join(DIST, n)).arrayBuffer());
    lines.push(`${hasher.digest("hex")}  ${n}`);
  }
  const file = path.join(DIST, "SHA256SUMS");
  await Bun.write(file, lines.join("\n") + "\n");
  return file;
}

/** Build the given targets, then rewrite SHA256SUMS and dist/build-info.json (read by the tests). */
export async function build(targets: readonly Target[]): Promise<BuildInfo> {
  const info: BuildInfo = { version: pkg.version, commit: await gitCommit(), bun: Bun.version };
  await mkdir(DIST, { recursive: true });
  for (const t of targets) {
    const started = performance.now();
    const out = await buildTarget(t, info);
    const mib = (Bun.file(out).size / 2 ** 20).toFixed(1);
    console.log(`built ${path.relative(ROOT, out)} (${t.bun}, ${mib} MiB, ${Math.round(performance.now() - started)} ms)`);
  }
  await writeChecksums();
  await Bun.write(path.join(DIST, "build-info.json"), JSON.stringify(info, null, 2) + "\n");
  return info;
}

function selectTargets(argv: string[]): Target[] {
  if (argv.includes("--native")) return [hostTarget()];
  const wanted: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--target") wanted.push(argv[++i] ?? "");
    else if (a.startsWith("--target=")) wanted.push(a.slice("--target=".length));
    else throw new Error(`unknown argument ${a} (use --native or --target <${TARGETS.map((t) => t.name).join("|")}>)`);
  }
  if (wanted.length === 0) return [...TARGETS];
  return wanted.map((w) => {
    const t = TARGETS.find((t) => t.name === w);
    if (!t) throw new Error(`unknown target "${w}" (known: ${TARGETS.map((t) => t.name).join(", ")})`);
    return t;
  });
}

if (import.meta.main) {
  try {
    const info = await build(selectTargets(process.argv.slice(2)));
    console.log(`fetchx ${info.version} (${info.commit}), bun ${info.bun}; checksums in dist/SHA256SUMS`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
