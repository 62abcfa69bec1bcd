// A two-path network for MPTCP tests: client and server network namespaces joined by two veth pairs
// ("a" and "b"), each shaped with tbf to a fixed rate in both directions (this kernel has no netem).
// The client's path-b address gets a `subflow` endpoint and a policy route, so an MPTCP connection made
// over path a opens its second subflow over path b. Everything lives inside namespaces this process
// created, with documentation-range addresses; destroy() removes it all.
import { runCli, runCommand, spawnCli, type Running } from "../servers/harness.ts";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Whether this fetchx knows an option yet (other issues add some), judged by its --help. */
export async function fetchxHasOption(option: string): Promise<boolean> {
  const help = new TextDecoder().decode((await runCli(["--help"])).stdout);
  return new RegExp(`(^|[\\s,])${option}([\\s=]|$)`, "m").test(help);
}

/** ip/tc/sysctl through the harness's spawn helper, output as text; a wedged command is killed after 15 s. */
export async function run(argv: string[], opts: { timeoutMs?: number } = {}): Promise<CommandResult> {
  const r = await runCommand(argv, { timeoutMs: opts.timeoutMs ?? 15_000 });
  return { code: r.code ?? -1, stdout: new TextDecoder().decode(r.stdout), stderr: r.stderr };
}

/** Like run() but throws with the command and its stderr when it exits non-zero. */
async function runOk(argv: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await run(argv, opts);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} -> exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

export type PathName = "a" | "b";
export type Side = "client" | "server";

export interface LabPath {
  /** Interface name; the same on both ends (they sit in different namespaces). */
  dev: string;
  client: string;
  server: string;
  client6: string;
  server6: string;
}

export interface LabOptions {
  /** tbf rate of each path, each direction. */
  rateMbit: number;
  /** tbf rate of path b when it differs (unequal paths); path a keeps `rateMbit`. */
  rateMbitB?: number;
  /** Add the client's `subflow` endpoint on path b (default true). Without it MPTCP stays on one path. */
  subflowEndpoint?: boolean;
}

export interface Lab {
  readonly id: string;
  readonly ns: Record<Side, string>;
  readonly paths: Record<PathName, LabPath>;
  readonly rateMbit: number;
  /** argv run inside a namespace; resolves with the exit code and output (no throw on non-zero). */
  exec(side: Side, argv: string[], opts?: { timeoutMs?: number }): ReturnType<typeof run>;
  /** A long-running process inside a namespace; destroy() kills it if still running. */
  spawn(side: Side, argv: string[], opts?: { stdout?: "pipe" | "ignore"; stderr?: "pipe" | "ignore" | "inherit"; cwd?: string }): Bun.Subprocess<"ignore", "pipe" | "ignore", "pipe" | "ignore" | "inherit">;
  /** Bytes received so far on a client interface (/sys/class/net/DEV/statistics/rx_bytes in the namespace). */
  rxBytes(path: PathName, side?: Side): Promise<number>;
  pathDown(path: PathName): Promise<void>;
  pathUp(path: PathName): Promise<void>;
  destroy(): Promise<void>;
}

const PATHS: Record<PathName, LabPath> = {
  a: { dev: "path-a", client: "192.0.2.1", server: "192.0.2.2", client6: "2001:db8:a::1", server6: "2001:db8:a::2" },
  b: { dev: "path-b", client: "198.51.100.1", server: "198.51.100.2", client6: "2001:db8:b::1", server6: "2001:db8:b::2" },
};
const PREFIX = "fxlab";
const POLICY_TABLE = "100";
let counter = 0;

/** Why the lab cannot run here, or null when it can. Cheap: creates and deletes one namespace. */
export async function labUnavailableReason(): Promise<string | null> {
  if (process.getuid?.() !== 0) return "the MPTCP lab needs root (network namespaces)";
  if (!Bun.which("ip")) return "the MPTCP lab needs iproute2's `ip`";
  if (!Bun.which("tc")) return "the MPTCP lab needs iproute2's `tc`";
  const probe = `${PREFIX}-probe-${process.pid}`;
  const add = await run(["ip", "netns", "add", probe]);
  if (add.code !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  const mptcp = await run(["ip", "netns", "exec", probe, "cat", "/proc/sys/net/mptcp/enabled"]);
  await run(["ip", "netns", "del", probe]);
  if (mptcp.code !== 0) return "this kernel has no MPTCP (/proc/sys/net/mptcp/enabled missing)";
  return null;
}

export async function startLab(opts: LabOptions): Promise<Lab> {
  // tc takes a negative rate and wraps it to "unlimited": refuse it here rather than test nothing.
  for (const rate of [opts.rateMbit, opts.rateMbitB ?? opts.rateMbit])
    if (!(rate > 0 && Number.isFinite(rate))) throw new Error(`rateMbit must be a positive number, got ${rate}`);
  await removeStaleLabs();
  const id = `${process.pid}-${++counter}`;
  const ns: Record<Side, string> = { client: `${PREFIX}c-${id}`, server: `${PREFIX}s-${id}` };
  const children = new Set<Bun.Subprocess>();
  let destroyed = false;

  const ipIn = (side: Side, args: string[]) => runOk(["ip", "-n", ns[side], ...args]);
  const exec: Lab["exec"] = (side, argv, o) => run(["ip", "netns", "exec", ns[side], ...argv], o);

  const lab: Lab = {
    id,
    ns,
    paths: PATHS,
    rateMbit: opts.rateMbit,
    exec,
    spawn(side, argv, o = {}) {
      const proc = Bun.spawn(["ip", "netns", "exec", ns[side], ...argv], {
        stdin: "ignore",
        stdout: o.stdout ?? "pipe",
        stderr: o.stderr ?? "pipe",
        cwd: o.cwd,
      });
      children.add(proc);
      proc.exited.then(() => children.delete(proc));
      return proc;
    },
    async rxBytes(path, side = "client") {
      const out = await runOk(["ip", "netns", "exec", ns[side], "cat", `/sys/class/net/${PATHS[path].dev}/statistics/rx_bytes`]);
      return Number(out.trim());
    },
    async pathDown(path) {
      // Taking one veth end down drops carrier on its peer too: the path is gone both ways.
      await ipIn("client", ["link", "set", PATHS[path].dev, "down"]);
    },
    async pathUp(path) {
      const p = PATHS[path];
      await ipIn("client", ["link", "set", p.dev, "up"]);
      // IPv6 addresses are flushed when a link goes down (keep_addr_on_down=0); IPv4 ones stay.
      for (const side of ["client", "server"] as const)
        await ipIn(side, ["-6", "addr", "replace", `${side === "client" ? p.client6 : p.server6}/64`, "dev", p.dev, "nodad"]);
      // A link going down flushes the routes through it, including the policy route of path b.
      if (path === "b") await policyRoutes(ipIn);
    },
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      await killAll([...children]);
      for (const side of ["client", "server"] as const) await killNamespace(ns[side]);
    },
  };

  try {
    await runOk(["ip", "netns", "add", ns.client]);
    await runOk(["ip", "netns", "add", ns.server]);
    for (const side of ["client", "server"] as const) {
      await ipIn(side, ["link", "set", "lo", "up"]);
      // Each namespace has its own MPTCP sysctl and limits (the host's are not inherited).
      await runOk(["ip", "netns", "exec", ns[side], "sysctl", "-q", "-w", "net.mptcp.enabled=1"]);
      await ipIn(side, ["mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2"]);
    }
    for (const name of ["a", "b"] as const) await addPath(ns, PATHS[name], name === "b" ? (opts.rateMbitB ?? opts.rateMbit) : opts.rateMbit, ipIn);
    await policyRoutes(ipIn);
    if (opts.subflowEndpoint ?? true) {
      await ipIn("client", ["mptcp", "endpoint", "add", PATHS.b.client, "dev", PATHS.b.dev, "subflow"]);
      await ipIn("client", ["mptcp", "endpoint", "add", PATHS.b.client6, "dev", PATHS.b.dev, "subflow"]);
    }
  } catch (err) {
    await lab.destroy();
    throw err;
  }
  return lab;
}

type IpIn = (side: Side, args: string[]) => Promise<string>;

async function addPath(ns: Record<Side, string>, p: LabPath, rateMbit: number, ipIn: IpIn) {
  // Created inside the client namespace with its peer placed straight into the server's: the same
  // device name never appears in the host namespace, so parallel labs cannot collide.
  await ipIn("client", ["link", "add", p.dev, "type", "veth", "peer", "name", p.dev, "netns", ns.server]);
  for (const side of ["client", "server"] as const) {
    await ipIn(side, ["addr", "add", `${p[side]}/24`, "dev", p.dev]);
    await ipIn(side, ["-6", "addr", "add", `${side === "client" ? p.client6 : p.server6}/64`, "dev", p.dev, "nodad"]);
    await ipIn(side, ["link", "set", p.dev, "up"]);
    await runOk(["tc", "-n", ns[side], "qdisc", "add", "dev", p.dev, "root", ...tbfArgs(rateMbit)]);
  }
}

/** tbf: burst of a few ms at the rate (at least 32 KiB, so GSO bursts are not starved), 50 ms of queue. */
export function tbfArgs(rateMbit: number): string[] {
  const burstBytes = Math.max(32 * 1024, Math.ceil((rateMbit * 1e6) / 8 / 250));
  return ["tbf", "rate", `${rateMbit}mbit`, "burst", String(burstBytes), "latency", "50ms"];
}

/** Traffic from the client's path-b address to the server's path-a address leaves over path b. */
async function policyRoutes(ipIn: IpIn) {
  const { a, b } = PATHS;
  for (const [v, from, to, via] of [
    ["-4", b.client, `${a.server}/32`, b.server],
    ["-6", b.client6, `${a.server6}/128`, b.server6],
  ] as const) {
    const rules = await ipIn("client", [v, "rule", "show", "from", from, "table", POLICY_TABLE]);
    if (!rules.trim()) await ipIn("client", [v, "rule", "add", "from", from, "table", POLICY_TABLE]);
    await ipIn("client", [v, "route", "replace", to, "via", via, "dev", b.dev, "table", POLICY_TABLE]);
  }
}

async function killAll(procs: Bun.Subprocess[]) {
  for (const p of procs) p.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.exited));
}

/** Kill what still runs inside a namespace of ours (only our children can be there), then delete it. */
async function killNamespace(name: string) {
  const pids = await run(["ip", "netns", "pids", name]);
  for (const pid of pids.stdout.split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  await run(["ip", "netns", "del", name]);
}

/** Namespaces left by a lab whose process died (killed test run): ours by prefix, owner pid gone. */
async function removeStaleLabs() {
  const list = await run(["ip", "netns", "list"]);
  for (const line of list.stdout.split("\n")) {
    const m = line.match(new RegExp(`^(${PREFIX}[cs]-(\\d+)-\\d+)`));
    if (!m || alive(Number(m[2]))) continue;
    await killNamespace(m[1]!);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface LabFetchxResult {
  code: number | null;
  stderr: string;
  /** The %{json} write-out (the last stdout line that parses as a JSON object), if any. */
  json: Record<string, unknown> | null;
}

/**
 * `fetchx -sS ARGS -w '%{json}\n'` in the client namespace, through the harness's spawn helper (its netns
 * option); stdout carries only the write-out (use -o). destroy() kills it if it still runs.
 */
export function spawnFetchx(lab: Lab, args: string[]): { done: Promise<LabFetchxResult>; kill(): void; running: Running } {
  const running = spawnCli(["-sS", ...args, "-w", "%{json}\n"], { netns: lab.ns.client, timeoutMs: 120_000 });
  const done = running.done.then((r) => ({ code: r.code, stderr: r.stderr, json: lastJson(new TextDecoder().decode(r.stdout)) }));
  return { done, kill: () => running.kill(), running };
}

export const runFetchx = (lab: Lab, args: string[]) => spawnFetchx(lab, args).done;

function lastJson(text: string): Record<string, unknown> | null {
  for (const line of text.trim().split("\n").reverse()) {
    try {
      const v = JSON.parse(line);
      if (v && typeof v === "object") return v as Record<string, unknown>;
    } catch {}
  }
  return null;
}
