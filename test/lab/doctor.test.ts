// `fetchx doctor`: the verdict must follow the namespace it runs in. Each namespace test creates its own
// namespace, so settings like net.mptcp.enabled=0 never touch the host.
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { DoctorReport } from "../../src/net/doctor.ts";
import { detectContainer, judge, parseEndpoints, parseLimits, type ContainerProbe } from "../../src/net/doctor.ts";
import { runCli, runCommand } from "../servers/harness.ts";
import { createNetns, type Netns } from "../servers/netns.ts";
import { labUnavailableReason } from "./lab.ts";

const entry = new URL("./doctor-entry.ts", import.meta.url).pathname;
const doctor = async (args: string[], netns?: string) => {
  const r = await runCommand([process.execPath, entry, ...args], { netns, timeoutMs: 20_000 });
  return { code: r.code, stdout: new TextDecoder().decode(r.stdout) };
};
// Through the real entry point, where a thrown usage error becomes exit 2 and one line on stderr.
const fetchx = async (args: string[]) => {
  const r = await runCli(args, { timeoutMs: 20_000 });
  return { code: r.code, stdout: new TextDecoder().decode(r.stdout), stderr: r.stderr };
};

describe("doctor parsers", () => {
  test("endpoint lines with flags, dev and port", () => {
    const eps = parseEndpoints("198.51.100.1 id 1 subflow backup dev path-b \n2001:db8::1 id 2 signal port 8080 dev eth1\n");
    expect(eps).toEqual([
      { address: "198.51.100.1", id: 1, flags: ["subflow", "backup"], dev: "path-b" },
      { address: "2001:db8::1", id: 2, flags: ["signal"], port: 8080, dev: "eth1" },
    ]);
    expect(parseEndpoints("")).toEqual([]);
  });

  test("limits in either order; garbage gives null", () => {
    expect(parseLimits("add_addr_accepted 0 subflows 2 \n")).toEqual({ subflows: 2, addAddrAccepted: 0 });
    expect(parseLimits("subflows 8 add_addr_accepted 4")).toEqual({ subflows: 8, addAddrAccepted: 4 });
    expect(parseLimits("Error: ...")).toBeNull();
  });

  test("userspace path manager: endpoints are not the advice", () => {
    const r = judge(baseReport({ pathManager: "userspace", endpoints: [] }));
    expect(r.verdict).toBe("multipath");
    expect(r.commands).toEqual([]);
  });

  test("one address: no endpoint command on it (it cannot make a second path); two: one for each", () => {
    const one = judge(baseReport({}));
    expect(one.verdict).toBe("single-path");
    expect(one.commands).toEqual([]);
    expect(one.advice.join("\n")).toContain("This host has one path (192.0.2.9 on eth0)");
    expect(one.advice.join("\n")).toContain("a second interface or address");
    const two = judge(baseReport({ addresses: [{ address: "192.0.2.9", dev: "eth0", family: 4 }, { address: "198.51.100.7", dev: "wlan0", family: 4 }, { address: "2001:db8::9", dev: "eth0", family: 6 }] }));
    expect(two.commands).toEqual(["ip mptcp endpoint add 192.0.2.9 dev eth0 subflow", "ip mptcp endpoint add 198.51.100.7 dev wlan0 subflow"]);
    expect(two.advice.join("\n")).not.toContain("one path (");
  });

  test("iproute2 missing: usable, second path unknown, said what was not checked and why", () => {
    const r = judge(baseReport({ ip: "missing", ipError: "iproute2 `ip` not found", endpoints: null, limits: null }));
    expect(r.usable).toBe(true);
    expect(r.verdict).toBe("single-path");
    expect(r.unchecked).toHaveLength(1);
    expect(r.unchecked[0]).toContain("endpoints and limits");
    expect(r.unchecked[0]).toContain("`ip` command (iproute2) is not installed");
    expect(r.commands).toEqual([]);
  });

  test("iproute2 missing in a container: says how to look from the host", () => {
    const r = judge(baseReport({ ip: "missing", endpoints: null, limits: null, container: { kind: "podman", evidence: "/run/.containerenv" } }));
    expect(r.unchecked.join("\n")).toContain("-n ip mptcp endpoint show");
  });
});

describe("doctor in a container: the fix is a run option", () => {
  const off = { sysctl: { enabled: "0" }, enabled: false, sockets: [{ family: 4 as const, ok: false, errno: "ENOPROTOOPT" }, { family: 6 as const, ok: false, errno: "ENOPROTOOPT" }] };

  test("on a host: sysctl -w, no run option", () => {
    const r = judge(baseReport({ ...off }));
    expect(r.verdict).toBe("unusable");
    expect(r.commands).toEqual(["sysctl -w net.mptcp.enabled=1"]);
    expect(r.runOptions).toEqual([]);
  });

  test("in a container with read-only /proc/sys: --sysctl only, and the orchestrators' way", () => {
    const r = judge(baseReport({ ...off, container: { kind: "docker", evidence: "/.dockerenv" }, sysctlWritable: false }));
    expect(r.runOptions).toEqual(["--sysctl net.mptcp.enabled=1"]);
    expect(r.commands).toEqual([]);
    const advice = r.advice.join(" ");
    expect(advice).toContain("--sysctl net.mptcp.enabled=1");
    expect(advice).toContain("securityContext.sysctls");
  });

  test("in a privileged container (writable /proc/sys): both", () => {
    const r = judge(baseReport({ ...off, container: { kind: "podman", evidence: "/run/.containerenv" }, sysctlWritable: true }));
    expect(r.runOptions).toEqual(["--sysctl net.mptcp.enabled=1"]);
    expect(r.commands).toEqual(["sysctl -w net.mptcp.enabled=1"]);
  });

  test("kubernetes: names the pod spec and the kubelet setting", () => {
    const r = judge(baseReport({ ...off, container: { kind: "kubernetes", evidence: "KUBERNETES_SERVICE_HOST is set" } }));
    expect(r.advice.join(" ")).toContain("--allowed-unsafe-sysctls");
  });

  test("detection: marker files, environment, cgroup; none on a plain host", () => {
    const probe = (files: string[], env: Record<string, string> = {}, cgroup = "0::/\n"): ContainerProbe => ({
      exists: (p) => files.includes(p),
      read: (p) => (p === "/proc/1/cgroup" ? cgroup : null),
      env,
    });
    expect(detectContainer(probe(["/run/.containerenv"]))?.kind).toBe("podman");
    expect(detectContainer(probe(["/.dockerenv"]))?.kind).toBe("docker");
    expect(detectContainer(probe(["/.dockerenv"], { KUBERNETES_SERVICE_HOST: "10.0.0.1" }))?.kind).toBe("kubernetes");
    expect(detectContainer(probe([], { container: "systemd-nspawn" }))?.kind).toBe("systemd-nspawn");
    expect(detectContainer(probe([], {}, "12:pids:/kubepods/besteffort/pod1/abc\n"))?.kind).toBe("kubernetes");
    expect(detectContainer(probe([], {}, "0::/machine.slice/libpod-abc.scope\n"))?.kind).toBe("podman");
    expect(detectContainer(probe([]))).toBeNull();
  });
});

describe("doctor's command line is strict", () => {
  for (const bad of ["--bogus", "--jsn", "extra"]) {
    test(`doctor ${bad}: usage error, exit 2, one line, no diagnosis`, async () => {
      const r = await fetchx(["doctor", bad]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(bad);
    });
  }

  test("doctor --help prints help and does not diagnose", async () => {
    for (const flag of ["--help", "-h"]) {
      const r = await fetchx(["doctor", flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toStartWith("Usage: fetchx doctor [--json]");
      expect(r.stdout).not.toContain("MPTCP socket");
      expect(r.stderr).toBe("");
    }
  });
});

describe("doctor in this namespace", () => {
  test("verdict follows net.mptcp.enabled; --json parses and agrees with the exit status", async () => {
    let enabled: string | null = null;
    try {
      enabled = readFileSync("/proc/sys/net/mptcp/enabled", "utf8").trim();
    } catch {}
    const r = await doctor(["--json"]);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.usable).toBe(enabled === "1");
    expect(r.code).toBe(report.usable ? 0 : 1);
    const human = await doctor([]);
    expect(human.code).toBe(r.code);
    expect(human.stdout).toContain(report.usable ? "MPTCP is usable" : "MPTCP is not usable");
    // Not a TTY here, so no escape codes.
    expect(human.stdout).not.toContain("\x1b[");
  });
});

const labSkip = await labUnavailableReason();
if (labSkip) console.log(`skipping doctor namespace tests: ${labSkip}`);

describe.skipIf(labSkip !== null)("doctor in a namespace of its own", () => {
  let ns: Netns | undefined;
  afterEach(() => {
    ns?.destroy();
    ns = undefined;
  });
  const inNs = (args: string[]) => doctor(args, ns!.name);

  test("net.mptcp.enabled=0: not usable, exit 1, tells the sysctl to set", async () => {
    ns = createNetns("fxdoctor");
    ns.sh("sysctl", "-q", "-w", "net.mptcp.enabled=0");
    const r = await inNs(["--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.enabled).toBe(false);
    expect(report.usable).toBe(false);
    expect(report.verdict).toBe("unusable");
    expect(report.sockets.map((s) => s.errno)).toEqual(["ENOPROTOOPT", "ENOPROTOOPT"]);
    expect(report.commands).toContain("sysctl -w net.mptcp.enabled=1");
    const human = await inNs([]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain("MPTCP is not usable here");
  });

  test("no subflow endpoint, one address: single path, no endpoint command on it, asks for a second interface", async () => {
    ns = createNetns("fxdoctor");
    addAddress(ns, "203.0.113.5");
    const r = await inNs([]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("will use one path only");
    expect(r.stdout).toContain("a second interface or address");
    expect(r.stdout).not.toContain("ip mptcp endpoint add");
  });

  test("a configured subflow endpoint is listed and makes the verdict multipath", async () => {
    ns = createNetns("fxdoctor");
    addAddress(ns, "203.0.113.5");
    ns.sh("ip", "mptcp", "endpoint", "add", "203.0.113.5", "dev", "v0", "subflow", "backup");
    const r = await inNs(["--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.verdict).toBe("multipath");
    expect(report.endpoints).toEqual([{ address: "203.0.113.5", id: 1, flags: ["subflow", "backup"], dev: "v0" }]);
    expect(report.commands).toEqual([]);
    const human = await inNs([]);
    expect(human.stdout).toMatch(/endpoints\s+203\.0\.113\.5\s+dev v0\s+subflow,backup/);
  });
});

function addAddress(ns: Netns, addr: string) {
  // No dummy driver in this kernel: a veth pair inside the namespace gives it a non-loopback device.
  ns.sh("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1");
  ns.sh("ip", "addr", "add", `${addr}/24`, "dev", "v0");
  ns.sh("ip", "link", "set", "v0", "up");
  ns.sh("ip", "link", "set", "v1", "up");
}

function baseReport(over: Partial<DoctorReport>): DoctorReport {
  return {
    kernel: "test",
    sysctl: { enabled: "1" },
    enabled: true,
    sockets: [
      { family: 4, ok: true },
      { family: 6, ok: true },
    ],
    pathManager: "kernel",
    ip: "ok",
    limits: { subflows: 2, addAddrAccepted: 0 },
    endpoints: [],
    addresses: [{ address: "192.0.2.9", dev: "eth0", family: 4 }],
    usable: false,
    verdict: "unusable",
    summary: "",
    advice: [],
    commands: [],
    container: null,
    sysctlWritable: false,
    runOptions: [],
    unchecked: [],
    ...over,
  };
}
