// --mptcp end to end on loopback: an MPTCP server gives "active", a TCP-only one "fallback" with the same
// bytes, and a kernel that refuses MPTCP (sysctl off, in a namespace of the test's own) gives exit 7 with
// the fix named, never a silent fallback.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { randomBytes, REPO_ROOT, runCli, sha256 } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { createNetns, netnsUnavailable } from "../servers/netns.ts";

const data = randomBytes(4 * 1024 * 1024, 11);
let mptcp: TestServer;
let tcp: TestServer;

beforeAll(async () => {
  mptcp = await startServer({ mptcp: true, routes: { "/f": { body: data } } });
  tcp = await startServer({ routes: { "/f": { body: data } } });
});
afterAll(() => {
  mptcp.stop();
  tcp.stop();
});

const json = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b).split("\n").at(-2)!);

describe("--mptcp", () => {
  test("MPTCP server: active, at least one subflow, same bytes, said with -v", async () => {
    const r = await runCli([mptcp.url("/f"), "--mptcp", "-v", "-w", "\n%{json}\n"]);
    expect(r.code).toBe(0);
    const body = r.stdout.subarray(0, data.length);
    expect(await sha256(body)).toBe(await sha256(data));
    const j = json(r.stdout);
    expect(j.mptcp).toBe("active");
    expect(j.mptcp_subflows).toBeGreaterThanOrEqual(1);
    expect(r.stderr).toMatch(/MPTCP active, \d+ subflows?/);
  });

  test("TCP-only server: fallback, same bytes, said with -v", async () => {
    const r = await runCli([tcp.url("/f"), "--mptcp", "-v", "-w", "\n%{json}\n"]);
    expect(r.code).toBe(0);
    expect(await sha256(r.stdout.subarray(0, data.length))).toBe(await sha256(data));
    const j = json(r.stdout);
    expect(j.mptcp).toBe("fallback");
    expect(j.mptcp_subflows).toBe(0);
    expect(r.stderr).toContain("server did not accept MPTCP: continuing over plain TCP");
  });

  test("without --mptcp the socket is plain TCP even to an MPTCP server", async () => {
    const r = await runCli([mptcp.url("/f"), "-o", "/dev/null", "-w", "%{mptcp}"]);
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("off");
  });

  test.skipIf(!!netnsUnavailable)("kernel refusing MPTCP (net.mptcp.enabled=0): exit 7, the sysctl named", async () => {
    using ns = createNetns("fxoff");
    ns.sh("sysctl", "-qw", "net.mptcp.enabled=0");
    const r = await ns.run([process.execPath, join(REPO_ROOT, "src/main.ts"), "--mptcp", "http://127.0.0.1:9/", "-w", "%{exitcode}"]);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain("net.mptcp.enabled");
    expect(r.stderr.trim().split("\n").length).toBe(1);
    // The same command without --mptcp reaches the (closed) port: an ordinary connect failure.
    const plain = await ns.run([process.execPath, join(REPO_ROOT, "src/main.ts"), "http://127.0.0.1:9/"]);
    expect(plain.code).toBe(7);
    expect(plain.stderr).not.toContain("net.mptcp.enabled");
  });
});
