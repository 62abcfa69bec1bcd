// `fetchx doctor`: can this host (this network namespace) use Multipath TCP, and will --mptcp get more
// than one path? Reads net.mptcp.* from /proc, tries to open an MPTCP socket per address family, and
// reads the path manager's limits and endpoints over generic netlink (mptcp-pm.ts), asking iproute2
// only when netlink fails (text output: `ip -j mptcp limits` prints no JSON in iproute2 6.1). Where
// neither answers it says what it could not check. Nothing here changes the system; it only suggests commands, or, in a container, the option
// to start the container with (its sysctls are set from outside).
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { networkInterfaces, release } from "node:os";
import * as libc from "./libc.ts";
import { readPathManager } from "./mptcp-pm.ts";

export interface SocketProbe {
  family: 4 | 6;
  ok: boolean;
  /** errno name when socket(..., IPPROTO_MPTCP) failed. */
  errno?: string;
}

export interface MptcpEndpoint {
  address: string;
  id?: number;
  /** signal, subflow, backup, fullmesh, implicit, ... as `ip` prints them. */
  flags: string[];
  dev?: string;
  port?: number;
}

export interface MptcpLimits {
  subflows: number;
  addAddrAccepted: number;
}

export interface HostAddress {
  address: string;
  dev: string;
  family: 4 | 6;
}

export type Verdict = "multipath" | "single-path" | "unusable";

/** Why we think this runs in a container; null on a plain host. */
export interface ContainerInfo {
  /** podman, docker, kubernetes, or whatever the `container` environment variable says. */
  kind: string;
  /** What showed it: a file, an environment variable, or a cgroup path. */
  evidence: string;
}

export interface DoctorReport {
  kernel: string;
  /** Every net.mptcp.* sysctl found, by short name (enabled, path_manager, scheduler, ...). */
  sysctl: Record<string, string>;
  /** net.mptcp.enabled; null when the kernel has no MPTCP sysctls at all. */
  enabled: boolean | null;
  sockets: SocketProbe[];
  /** "kernel" or "userspace" (from path_manager, else pm_type); null when unknown. */
  pathManager: string | null;
  /** Whether the endpoints and limits could be read: "ok" (netlink, or `ip mptcp`), "missing" (netlink failed, no iproute2) or "failed" (see ipError). */
  ip: "ok" | "missing" | "failed";
  /** Where endpoints and limits came from: "netlink" (mptcp_pm, no iproute2 needed) or "ip". */
  pmSource?: "netlink" | "ip";
  ipError?: string;
  limits: MptcpLimits | null;
  endpoints: MptcpEndpoint[] | null;
  /** Non-loopback, non-link-local addresses of this namespace: candidates for subflow endpoints. */
  addresses: HostAddress[];
  usable: boolean;
  verdict: Verdict;
  /** One-line summary. */
  summary: string;
  /** Why, and what to do, in sentences. */
  advice: string[];
  /** Exact commands (run as root) that would make --mptcp use more than one path. */
  commands: string[];
  /** Set when this runs in a container: then the sysctl is set when the container starts, not inside it. */
  container: ContainerInfo | null;
  /** Whether this process may write net.mptcp.enabled (false in most containers: /proc/sys is read-only). */
  sysctlWritable: boolean;
  /** Options for `docker run` / `podman run` that would fix what was found (containers only). */
  runOptions: string[];
  /** What could not be checked, and why (one sentence each). */
  unchecked: string[];
}

export interface ContainerProbe {
  exists(path: string): boolean;
  read(path: string): string | null;
  env: Record<string, string | undefined>;
}

const realProbe: ContainerProbe = {
  exists: existsSync,
  read: (path) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return null;
    }
  },
  env: process.env,
};

/**
 * Signs that this process runs in a container, strongest first: the marker files podman and Docker
 * create, Kubernetes' service variables, the `container` variable (podman, systemd-nspawn, LXC), and
 * container runtimes' names in the cgroup path (cgroup v1, or v2 without a cgroup namespace).
 */
export function detectContainer(probe: ContainerProbe = realProbe): ContainerInfo | null {
  const k8s = probe.env.KUBERNETES_SERVICE_HOST ? { kind: "kubernetes", evidence: "KUBERNETES_SERVICE_HOST is set" } : null;
  if (probe.exists("/run/.containerenv")) return k8s ?? { kind: "podman", evidence: "/run/.containerenv" };
  if (probe.exists("/.dockerenv")) return k8s ?? { kind: "docker", evidence: "/.dockerenv" };
  if (k8s) return k8s;
  const env = probe.env.container;
  if (env) return { kind: env, evidence: `container=${env} in the environment` };
  const cgroup = probe.read("/proc/1/cgroup") ?? "";
  const m = /\b(kubepods|docker|libpod|containerd|lxc)\b/.exec(cgroup);
  if (m) {
    const kind = m[1] === "kubepods" ? "kubernetes" : m[1] === "libpod" ? "podman" : m[1]!;
    return { kind, evidence: `/proc/1/cgroup mentions ${m[1]}` };
  }
  return null;
}

const MPTCP_SYSCTL_DIR = "/proc/sys/net/mptcp";

export function readMptcpSysctls(dir = MPTCP_SYSCTL_DIR): Record<string, string> {
  const out: Record<string, string> = {};
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out; // no MPTCP in this kernel
  }
  for (const name of names) {
    try {
      out[name] = readFileSync(`${dir}/${name}`, "utf8").trim();
    } catch {
      // some entries are write-only or root-only; leave them out rather than fail the report
    }
  }
  return out;
}

export function probeMptcpSocket(family: 4 | 6): SocketProbe {
  const r = libc.socket(family === 4 ? libc.AF_INET : libc.AF_INET6, libc.SOCK_STREAM | libc.SOCK_CLOEXEC, libc.IPPROTO_MPTCP);
  if (r.ret < 0) return { family, ok: false, errno: libc.errnoName(r.errno) };
  libc.close(r.ret);
  return { family, ok: true };
}

/** `ip mptcp endpoint show` lines: "198.51.100.1 id 1 subflow backup dev eth1" (port N optional). */
export function parseEndpoints(text: string): MptcpEndpoint[] {
  const endpoints: MptcpEndpoint[] = [];
  for (const line of text.split("\n")) {
    const tokens = line.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    const ep: MptcpEndpoint = { address: tokens[0]!, flags: [] };
    for (let i = 1; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t === "id") ep.id = Number(tokens[++i]);
      else if (t === "dev") ep.dev = tokens[++i];
      else if (t === "port") ep.port = Number(tokens[++i]);
      else ep.flags.push(t);
    }
    endpoints.push(ep);
  }
  return endpoints;
}

/** `ip mptcp limits show`: "add_addr_accepted 0 subflows 2" (order and extra keys vary by version). */
export function parseLimits(text: string): MptcpLimits | null {
  const tokens = text.trim().split(/\s+/);
  const get = (key: string) => {
    const i = tokens.indexOf(key);
    return i >= 0 && /^\d+$/.test(tokens[i + 1] ?? "") ? Number(tokens[i + 1]) : undefined;
  };
  const subflows = get("subflows");
  const addAddrAccepted = get("add_addr_accepted");
  if (subflows === undefined || addAddrAccepted === undefined) return null;
  return { subflows, addAddrAccepted };
}

export function hostAddresses(): HostAddress[] {
  const out: HostAddress[] = [];
  for (const [dev, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.internal) continue;
      // Link-local addresses cannot reach a server elsewhere, so they make no useful subflow.
      if (a.family === "IPv6" && /^fe[89ab]/i.test(a.address)) continue;
      out.push({ address: a.address, dev, family: a.family === "IPv4" ? 4 : 6 });
    }
  }
  return out;
}

function pathManagerOf(sysctl: Record<string, string>): string | null {
  if (sysctl.path_manager) return sysctl.path_manager;
  if (sysctl.pm_type === "0") return "kernel";
  if (sysctl.pm_type === "1") return "userspace";
  return null;
}

async function askIp(args: string[]): Promise<{ ok: true; text: string } | { ok: false; missing: boolean; error: string }> {
  // root's PATH has /usr/sbin; other users' may not, and `ip mptcp ... show` needs no privilege.
  const ip = Bun.which("ip", { PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin:/usr/bin:/bin` });
  if (!ip) return { ok: false, missing: true, error: "iproute2 `ip` not found" };
  const proc = Bun.spawn([ip, ...args], { stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [text, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) return { ok: false, missing: false, error: `ip ${args.join(" ")}: ${err.trim() || `exit ${code}`}` };
  return { ok: true, text };
}

function sysctlWritable(): boolean {
  try {
    accessSync(`${MPTCP_SYSCTL_DIR}/enabled`, constants.W_OK);
    return true;
  } catch {
    return false; // EROFS in a container, EACCES for a user, ENOENT without MPTCP
  }
}

/** Endpoints and limits over netlink, or null when netlink cannot tell (then `ip` is asked). */
function pathManagerOverNetlink(): { limits: MptcpLimits; endpoints: MptcpEndpoint[] } | null {
  try {
    const pm = readPathManager();
    if (!pm) return null;
    return { limits: pm.limits, endpoints: pm.endpoints.map(({ address, id, flags, dev, port }) => ({ address, id, flags, ...(dev ? { dev } : {}), ...(port ? { port } : {}) })) };
  } catch {
    return null;
  }
}

export async function diagnoseMptcp(): Promise<DoctorReport> {
  const sysctl = readMptcpSysctls();
  const enabled = sysctl.enabled === undefined ? null : sysctl.enabled !== "0";
  const sockets = [probeMptcpSocket(4), probeMptcpSocket(6)];
  const pathManager = pathManagerOf(sysctl);
  const pm = pathManagerOverNetlink();
  const [limitsOut, endpointsOut] = pm
    ? [{ ok: true as const, text: "" }, { ok: true as const, text: "" }]
    : await Promise.all([askIp(["mptcp", "limits", "show"]), askIp(["mptcp", "endpoint", "show"])]);
  const ipFailure = !limitsOut.ok ? limitsOut : !endpointsOut.ok ? endpointsOut : null;
  const report: DoctorReport = {
    kernel: release(),
    sysctl,
    enabled,
    sockets,
    pathManager,
    ip: ipFailure ? (ipFailure.missing ? "missing" : "failed") : "ok",
    ...(ipFailure ? { ipError: ipFailure.error } : {}),
    pmSource: pm ? "netlink" : "ip",
    limits: pm ? pm.limits : limitsOut.ok ? parseLimits(limitsOut.text) : null,
    endpoints: pm ? pm.endpoints : endpointsOut.ok ? parseEndpoints(endpointsOut.text) : null,
    addresses: hostAddresses(),
    usable: false,
    verdict: "unusable",
    summary: "",
    advice: [],
    commands: [],
    container: detectContainer(),
    sysctlWritable: sysctlWritable(),
    runOptions: [],
    unchecked: [],
  };
  return judge(report);
}

/** Fills usable/verdict/summary/advice/commands from the facts gathered. Pure, for tests. */
export function judge(r: DoctorReport): DoctorReport {
  const advice: string[] = [];
  const commands: string[] = [];
  const runOptions: string[] = [];
  const unchecked: string[] = [];
  const usable = r.sockets.some((s) => s.ok);
  const container = r.container;
  const done = (verdict: Verdict, summary: string): DoctorReport => ({
    ...r,
    usable,
    verdict,
    summary,
    advice,
    commands,
    runOptions,
    unchecked,
  });

  if (!usable) {
    const why = r.sockets.map((s) => `IPv${s.family}: ${s.errno}`).join(", ");
    if (r.enabled === false) {
      advice.push("net.mptcp.enabled is 0 in this network namespace (the sysctl is per namespace, e.g. per container).");
      if (container) {
        // Inside a container /proc/sys is usually read-only: the value is set when the container is created.
        // A privileged container (or a namespace made inside one) can still set it itself.
        if (r.sysctlWritable) commands.push("sysctl -w net.mptcp.enabled=1");
        advice.push(
          `This runs in a container (${container.kind}: ${container.evidence}): start it with --sysctl net.mptcp.enabled=1.`,
          container.kind === "kubernetes"
            ? "In Kubernetes: set net.mptcp.enabled=1 in the pod's securityContext.sysctls, and allow it on the kubelet (--allowed-unsafe-sysctls='net.mptcp.*')."
            : "Compose: `sysctls: [net.mptcp.enabled=1]`; Kubernetes: the pod's securityContext.sysctls (allowed on the kubelet with --allowed-unsafe-sysctls='net.mptcp.*').",
        );
        runOptions.push("--sysctl net.mptcp.enabled=1");
      } else commands.push("sysctl -w net.mptcp.enabled=1");
    } else if (r.enabled === null) {
      advice.push("This kernel has no MPTCP (Linux >= 5.6 built with CONFIG_MPTCP=y is needed).");
    }
    return done("unusable", `MPTCP is not usable here: socket(IPPROTO_MPTCP) fails (${why}).`);
  }

  const v6 = r.sockets.find((s) => s.family === 6);
  if (v6 && !v6.ok) advice.push(`MPTCP over IPv6 is not available (${v6.errno}); IPv4 works.`);

  if (r.pathManager === "userspace") {
    advice.push("The userspace path manager is active: a daemon (e.g. mptcpd) decides the subflows, not `ip mptcp endpoint`.");
    return done("multipath", "MPTCP is usable; subflows are managed by a userspace path manager.");
  }
  if (r.ip !== "ok" || !r.endpoints || !r.limits) {
    // fetchx asks iproute2 for these; reading them over netlink itself is not done yet.
    const why = r.ip === "missing" ? "the `ip` command (iproute2) is not installed here" : `\`ip\` failed (${r.ipError ?? "no output"})`;
    unchecked.push(`MPTCP endpoints and limits (so whether --mptcp can open a second subflow): ${why}.`);
    if (container)
      unchecked.push(
        "Check them from the host, in this container's network namespace: nsenter -t \"$(podman inspect -f '{{.State.Pid}}' CONTAINER)\" -n ip mptcp endpoint show (docker inspect likewise).",
      );
    return done("single-path", "MPTCP is usable; whether a second path is configured is unknown.");
  }

  const subflowEndpoints = r.endpoints.filter((e) => e.flags.includes("subflow"));
  if (r.limits.subflows === 0) {
    advice.push("The subflow limit is 0, so no additional subflow can be opened.");
    commands.push("ip mptcp limits set subflows 2 add_addr_accepted 2");
  }
  if (r.limits.addAddrAccepted === 0)
    advice.push("add_addr_accepted is 0: addresses that servers announce (ADD_ADDR) are ignored.");

  // Servers without MPTCP: fetchx --mptcp spreads range connections over the kernel's route plus these.
  const rangePaths = subflowEndpoints.filter((e) => !e.flags.includes("backup"));
  if (rangePaths.length > 0)
    advice.push(
      `Servers without MPTCP: fetchx --mptcp spreads range connections over ${rangePaths.length + 1} paths (the default route, ${rangePaths.map((e) => e.address).join(", ")}); each address needs its own route out (policy routing).`,
    );
  if (subflowEndpoints.length > 0 && r.limits.subflows > 0) {
    const list = subflowEndpoints.map((e) => e.address + (e.dev ? ` dev ${e.dev}` : "")).join(", ");
    return done("multipath", `MPTCP is usable with extra subflows from: ${list}.`);
  }

  advice.push("No `subflow` endpoint is configured, so --mptcp will use one path only (plus any the server announces, if accepted).");
  const configured = new Set(r.endpoints.map((e) => e.address));
  // A connection's subflows share its address family, so two paths need two addresses of one family. With
  // one, an endpoint on it only repeats the path the first subflow already takes: suggest none.
  const v4 = r.addresses.filter((a) => a.family === 4).length;
  const v6n = r.addresses.length - v4;
  const candidates = r.addresses.filter((a) => !configured.has(a.address) && (a.family === 4 ? v4 : v6n) >= 2);
  if (v4 < 2 && v6n < 2) {
    const only = r.addresses.map((a) => `${a.address} on ${a.dev}`).join(", ");
    advice.push(
      `This host has one path${only ? ` (${only})` : ""}: a subflow endpoint on it would add nothing. A second path needs a second interface or address (another NIC, Wi-Fi beside Ethernet, a second uplink); add the endpoint on that one.`,
    );
  }
  for (const a of candidates) commands.push(`ip mptcp endpoint add ${a.address} dev ${a.dev} subflow`);
  if (candidates.length > 0)
    advice.push("Add a subflow endpoint on each address that leads over a different path (the commands below list them all).");
  return done("single-path", "MPTCP is usable, but --mptcp will use one path only (no subflow endpoint).");
}
