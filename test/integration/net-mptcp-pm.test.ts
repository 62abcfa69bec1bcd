// The MPTCP path manager read over generic netlink (src/net/mptcp-pm.ts) must say what iproute2 says, in
// the namespace it runs in: endpoints with their flags, port and device, and the limits. Each test sets up
// its own namespace; a fresh one has no endpoints, which is checked too (an empty dump is not an error).
import { expect, test } from "bun:test";
import { REPO_ROOT } from "../servers/harness.ts";
import { bunInNetns, createNetns, netnsUnavailable } from "../servers/netns.ts";

const read = `import { readPathManager } from ${JSON.stringify(`${REPO_ROOT}/src/net/mptcp-pm.ts`)};
import { endpointPaths } from ${JSON.stringify(`${REPO_ROOT}/src/net/paths.ts`)};
report({ pm: readPathManager(), paths: endpointPaths().paths });`;

test.skipIf(netnsUnavailable !== null)("endpoints, flags, port, device and limits, as `ip mptcp` set them", async () => {
  using ns = createNetns("fxpm");
  ns.sh("sysctl", "-q", "-w", "net.mptcp.enabled=1");
  ns.sh("ip", "link", "add", "up0", "type", "veth", "peer", "name", "up1");
  ns.sh("ip", "addr", "add", "198.51.100.1/24", "dev", "up0");
  ns.sh("ip", "addr", "add", "203.0.113.1/24", "dev", "up1");
  ns.sh("ip", "-6", "addr", "add", "2001:db8:b::1/64", "dev", "up0", "nodad");
  ns.sh("ip", "mptcp", "limits", "set", "subflows", "3", "add_addr_accepted", "1");
  ns.sh("ip", "mptcp", "endpoint", "add", "198.51.100.1", "dev", "up0", "subflow");
  ns.sh("ip", "mptcp", "endpoint", "add", "203.0.113.1", "dev", "up1", "subflow", "backup");
  ns.sh("ip", "mptcp", "endpoint", "add", "2001:db8:b::1", "dev", "up0", "signal", "port", "8080");
  const r = await bunInNetns<{ pm: { endpoints: unknown[]; limits: unknown }; paths: unknown[] }>(ns, read);
  expect(r.pm.limits).toEqual({ subflows: 3, addAddrAccepted: 1 });
  expect(r.pm.endpoints).toEqual([
    { address: "198.51.100.1", id: 1, flags: ["subflow"], ifindex: expect.any(Number), dev: "up0" },
    { address: "203.0.113.1", id: 2, flags: ["subflow", "backup"], ifindex: expect.any(Number), dev: "up1" },
    { address: "2001:db8:b::1", id: 3, flags: ["signal"], port: 8080, ifindex: expect.any(Number), dev: "up0" },
  ]);
  // Paths: the kernel's own route, then the subflow endpoints that are not backups.
  expect(r.paths).toEqual([
    { name: "default", addresses: [] },
    { name: "up0", addresses: ["198.51.100.1"] },
  ]);
}, 30_000);

test.skipIf(netnsUnavailable !== null)("a fresh namespace: no endpoints, the default limits, a single path", async () => {
  using ns = createNetns("fxpm");
  const r = await bunInNetns<{ pm: { endpoints: unknown[]; limits: { subflows: number } }; paths: unknown[] }>(ns, read);
  expect(r.pm.endpoints).toEqual([]);
  expect(r.pm.limits.subflows).toBe(Number(ns.sh("ip", "mptcp", "limits", "show").match(/subflows (\d+)/)![1]));
  expect(r.paths).toEqual([{ name: "default", addresses: [] }]);
}, 30_000);

test.skipIf(netnsUnavailable !== null)("fetchx doctor reads them over netlink and says what servers without MPTCP get", async () => {
  using ns = createNetns("fxpm");
  ns.sh("ip", "link", "add", "up0", "type", "veth", "peer", "name", "up1");
  ns.sh("ip", "addr", "add", "198.51.100.1/24", "dev", "up0");
  ns.sh("ip", "mptcp", "endpoint", "add", "198.51.100.1", "dev", "up0", "subflow");
  const r = await ns.run([process.execPath, `${REPO_ROOT}/test/lab/doctor-entry.ts`, "--json"]);
  const report = JSON.parse(r.stdout);
  expect(report.pmSource).toBe("netlink");
  expect(report.endpoints).toEqual([{ address: "198.51.100.1", id: 1, flags: ["subflow"], dev: "up0" }]);
  expect(report.advice.join("\n")).toContain("Servers without MPTCP: fetchx --mptcp spreads range connections over 2 paths");
}, 30_000);
