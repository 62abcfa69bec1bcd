// Network namespaces for tests that need a network the host does not have: a blackhole that swallows
// SYNs (connect timeout), MPTCP disabled by sysctl, extra addresses for MPTCP subflows. Each namespace
// has a unique name and is deleted by destroy(), by `using`, and at process exit as a last resort.
import { spawnSync } from "node:child_process";
import { REPO_ROOT, runCommand } from "./harness.ts";

const live = new Set<string>();
let counter = 0;

process.on("exit", () => {
  for (const name of live) spawnSync("ip", ["netns", "del", name]);
});

function probe(): string | null {
  if (process.getuid?.() !== 0) return "network namespace tests need root";
  const name = `fxprobe-${process.pid}`;
  const add = spawnSync("ip", ["netns", "add", name], { encoding: "utf8" });
  if (add.error || add.status !== 0) return `'ip netns add' unavailable: ${add.error?.message ?? add.stderr.trim()}`;
  spawnSync("ip", ["netns", "del", name]);
  return null;
}

/** Why namespace tests cannot run here, or null when they can. Use with test.skipIf(). */
export const netnsUnavailable: string | null = probe();
if (netnsUnavailable) console.warn(`[netns] skipping namespace tests: ${netnsUnavailable}`);

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Netns {
  name: string;
  /** Runs a command inside the namespace and throws if it fails (setup steps). */
  sh(...cmd: string[]): string;
  /** Runs a command inside the namespace, killed after timeoutMs. */
  run(cmd: string[], timeoutMs?: number): Promise<RunResult>;
  destroy(): void;
  [Symbol.dispose](): void;
}

/** A fresh namespace with loopback up. */
export function createNetns(prefix = "fx"): Netns {
  const name = `${prefix}-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 6)}`;
  const add = spawnSync("ip", ["netns", "add", name], { encoding: "utf8" });
  if (add.status !== 0) throw new Error(`ip netns add ${name}: ${add.stderr}`);
  live.add(name);
  const sh = (...cmd: string[]) => {
    const r = spawnSync("ip", ["netns", "exec", name, ...cmd], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`in ${name}: ${cmd.join(" ")}: ${r.stderr || r.error?.message}`);
    return r.stdout;
  };
  const destroy = () => {
    if (!live.delete(name)) return;
    spawnSync("ip", ["netns", "del", name]);
  };
  const run = async (cmd: string[], timeoutMs = 20_000): Promise<RunResult> => {
    const r = await runCommand(cmd, { netns: name, cwd: REPO_ROOT, timeoutMs });
    return { code: r.code, stdout: new TextDecoder().decode(r.stdout), stderr: r.stderr };
  };
  sh("ip", "link", "set", "lo", "up");
  return { name, sh, run, destroy, [Symbol.dispose]: destroy };
}

/**
 * Runs `body` (TypeScript, top-level await allowed, `dial` and `listenSocket` in scope) with Bun inside
 * the namespace and returns the JSON it passes to `report(value)`.
 */
export async function bunInNetns<T = unknown>(ns: Netns, body: string, timeoutMs = 20_000): Promise<T> {
  const script = [
    `import { dial } from ${JSON.stringify(`${REPO_ROOT}/src/net/dialer.ts`)};`,
    `import { listenSocket } from ${JSON.stringify(`${REPO_ROOT}/test/servers/listen.ts`)};`,
    `const report = (v) => { console.log("@@" + JSON.stringify(v)); };`,
    body,
    `process.exit(0);`,
  ].join("\n");
  const r = await ns.run([process.execPath, "-e", script], timeoutMs);
  const line = r.stdout.split("\n").find((l) => l.startsWith("@@"));
  if (!line) throw new Error(`no report from bun in ${ns.name} (exit ${r.code}): ${r.stderr}`);
  return JSON.parse(line.slice(2)) as T;
}

/** Body snippet: dial with these options and report the outcome or the FetchxError's fields. */
export const dialAndReport = (opts: Record<string, unknown>) => `
try {
  const started = performance.now();
  const c = await dial(${JSON.stringify(opts)});
  report({ ok: true, remoteAddress: c.remoteAddress, mptcp: c.refreshMptcp(), ms: performance.now() - started });
  c.close();
} catch (e) {
  report({ ok: false, code: e.code, exitCode: e.exitCode, retryable: e.retryable, message: e.message });
}`;
