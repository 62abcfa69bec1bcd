// Shared by the binary-*.test.ts files: makes sure dist/ holds up-to-date compiled executables (building
// the missing or stale ones through build.ts, the same code a release uses) and runs them.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { build, binaryPath, gitCommit, TARGETS, DIST, ROOT, type BuildInfo, type Target } from "../../build.ts";
import { runCommand } from "../servers/harness.ts";

export { TARGETS, binaryPath, type Target };

/** Cross builds download a runtime from the npm registry on first use: allow for that in beforeAll. */
export const BUILD_TIMEOUT_MS = 240_000;

/** qemu-user for the arm64 build, with the arm64 glibc from libc6-arm64-cross as its root. */
export const QEMU = ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu"];

export function target(name: string): Target {
  const t = TARGETS.find((t) => t.name === name);
  if (!t) throw new Error(`no target ${name} in build.ts`);
  return t;
}

function newestSourceMtime(): number {
  let newest = 0;
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const n of readdirSync(p)) visit(path.join(p, n));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ["src", "package.json", "build.ts"]) visit(path.join(ROOT, p));
  return newest;
}

function readBuildInfo(): BuildInfo | null {
  try {
    return JSON.parse(readFileSync(path.join(DIST, "build-info.json"), "utf8")) as BuildInfo;
  } catch {
    return null;
  }
}

/**
 * Rebuild every target when one is missing or older than a source file, or when dist/ was built at
 * another commit (all at once, so build-info.json describes every binary). Returns what was embedded
 * (version, commit) so tests compare the binaries against it.
 */
export async function ensureBuilt(): Promise<BuildInfo> {
  const info = readBuildInfo();
  const newest = newestSourceMtime();
  const fresh =
    info !== null &&
    info.commit === (await gitCommit()) &&
    TARGETS.every((t) => existsSync(binaryPath(t)) && statSync(binaryPath(t)).mtimeMs >= newest);
  return fresh ? info : build(TARGETS);
}

export interface RunResult {
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stdoutBytes: Uint8Array;
  stderr: string;
}

/** Run a command to completion; SIGKILL after timeoutMs so a hung binary fails the test instead of CI. */
export async function run(cmd: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  const r = await runCommand(cmd, { ...opts, timeoutMs: opts.timeoutMs ?? 60_000 });
  return { code: r.code, timedOut: r.timedOut, stdout: new TextDecoder().decode(r.stdout), stdoutBytes: r.stdout, stderr: r.stderr };
}
