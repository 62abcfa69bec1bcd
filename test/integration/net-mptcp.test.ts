// Guards the headline: dial() opens real MPTCP sockets, tells active / fallback / off apart from the
// kernel's answer, counts subflows including the first one, and refuses (never falls back) when the
// kernel has MPTCP disabled.
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { dial } from "../../src/net/dialer.ts";
import type { Connection } from "../../src/net/types.ts";
import { mptcpAvailable } from "../../src/net/mptcp.ts";
import { REPO_ROOT, randomBytes, sha256 } from "../servers/harness.ts";
import { listenSocket } from "../servers/listen.ts";
import { bunInNetns, createNetns, dialAndReport, netnsUnavailable } from "../servers/netns.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

type Pending = { rest?: Uint8Array };

/** Writes what the kernel takes and keeps the rest for drain, so the echo never drops bytes. */
function send(s: Socket<Pending>, bytes: Uint8Array): void {
  const n = s.write(bytes);
  s.data = n < bytes.byteLength ? { rest: bytes.subarray(Math.max(n, 0)) } : {};
}

/** An echo server on an FFI listening socket (MPTCP or TCP), adopted by Bun. */
function echoServer(mptcp: boolean): number {
  const l = listenSocket({ mptcp });
  const listen = Bun.listen as unknown as (o: unknown) => TCPSocketListener;
  const server = listen({
    fd: l.fd,
    socket: {
      data(s: Socket<Pending>, d: Uint8Array) {
        const rest = s.data?.rest;
        if (rest) s.data = { rest: concat(rest, d) };
        else send(s, d);
      },
      drain(s: Socket<Pending>) {
        if (s.data?.rest) send(s, s.data.rest);
      },
    },
  });
  cleanups.push(() => server.stop(true));
  return l.port;
}

const concat = (a: Uint8Array, b: Uint8Array) => {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
};

async function echoRoundTrip(conn: Connection, bytes: Uint8Array): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  let got = 0;
  const writing = conn.write(bytes);
  while (got < bytes.byteLength) {
    const chunk = await conn.read(5000);
    if (!chunk) throw new Error(`stream ended after ${got} bytes`);
    hasher.update(chunk);
    got += chunk.byteLength;
  }
  await writing;
  return hasher.digest("hex");
}

describe("MPTCP state after dial", () => {
  const payload = randomBytes(3 * 1024 * 1024 + 17, 7);

  test.each([
    { server: true, asked: true, state: "active" },
    { server: false, asked: true, state: "fallback" },
    { server: true, asked: false, state: "off" },
    { server: false, asked: false, state: "off" },
  ])("server MPTCP=$server, asked=$asked -> $state, bytes echo intact", async ({ server, asked, state }) => {
    const port = echoServer(server);
    const lines: string[] = [];
    const conn = await dial({ host: "127.0.0.1", port, mptcp: asked, connectTimeoutMs: 5000, trace: (l) => lines.push(l) });
    cleanups.push(() => conn.close());
    expect(conn.mptcp.state).toBe(state);
    if (state === "active") expect(conn.mptcp.subflows).toBeGreaterThanOrEqual(1);
    else expect(conn.mptcp.subflows).toBe(0);
    expect(await echoRoundTrip(conn, payload)).toBe(await sha256(payload));
    expect(conn.refreshMptcp().state).toBe(state);
    expect(lines[0]).toBe(`Trying 127.0.0.1:${port}${asked ? " (MPTCP)" : ""}...`);
    if (state === "active") expect(lines).toContain("MPTCP active, 1 subflow");
    if (state === "fallback") expect(lines).toContain("server did not accept MPTCP: continuing over plain TCP");
  });

  test("active connection lists its subflow endpoints", async () => {
    const port = echoServer(true);
    const conn = await dial({ host: "127.0.0.1", port, mptcp: true, connectTimeoutMs: 5000 });
    cleanups.push(() => conn.close());
    expect(conn.mptcp.subflowList).toEqual([{ local: `127.0.0.1:${conn.localPort}`, remote: `127.0.0.1:${port}` }]);
  });
});

describe.skipIf(netnsUnavailable !== null)("MPTCP in network namespaces", () => {
  test("net.mptcp.enabled=0 -> MPTCP_UNAVAILABLE with the sysctl hint, not retryable, no fallback", async () => {
    using ns = createNetns();
    ns.sh("sysctl", "-qw", "net.mptcp.enabled=0");
    const r = await bunInNetns<Record<string, unknown>>(
      ns,
      dialAndReport({ host: "127.0.0.1", port: 9, mptcp: true, connectTimeoutMs: 3000 }),
    );
    expect(r).toMatchObject({ ok: false, code: "MPTCP_UNAVAILABLE", exitCode: 7, retryable: false });
    expect(r.message).toContain("sysctl -w net.mptcp.enabled=1");
  });

  test("mptcpAvailable() tells enabled from disabled", async () => {
    expect(mptcpAvailable(4)).toEqual({ ok: true });
    using ns = createNetns();
    ns.sh("sysctl", "-qw", "net.mptcp.enabled=0");
    const r = await bunInNetns(ns, `import { mptcpAvailable } from "${REPO_ROOT}/src/net/mptcp.ts"; report(mptcpAvailable(6));`);
    expect(r).toMatchObject({ ok: false, errno: "ENOPROTOOPT" });
  });

  test("a subflow endpoint adds a second subflow: the count includes the initial one", async () => {
    using ns = createNetns();
    ns.sh("ip", "addr", "add", "192.0.2.1/32", "dev", "lo");
    ns.sh("ip", "addr", "add", "198.51.100.1/32", "dev", "lo");
    ns.sh("ip", "mptcp", "limits", "set", "subflows", "2", "add_addr_accepted", "2");
    ns.sh("ip", "mptcp", "endpoint", "add", "198.51.100.1", "dev", "lo", "subflow");
    const r = await bunInNetns<{ first: number; status: { subflows: number; subflowList: { local: string }[] } }>(
      ns,
      `
      const l = listenSocket({ host: "0.0.0.0", mptcp: true });
      const server = Bun.listen({ fd: l.fd, socket: { data(s, d) { s.write(d); } } });
      const c = await dial({ host: "192.0.2.1", port: l.port, mptcp: true, connectTimeoutMs: 3000 });
      const first = c.mptcp.subflows;
      // The path manager adds subflows once the connection is fully established (after data flowed).
      await c.write("ping");
      await c.read(3000);
      for (let i = 0; i < 300 && c.refreshMptcp().subflows < 2; i++) await Bun.sleep(10);
      report({ first, status: c.refreshMptcp() });
      `,
    );
    expect(r.first).toBe(1);
    expect(r.status.subflows).toBe(2);
    expect(r.status.subflowList.map((s) => s.local.split(":")[0]).sort()).toEqual(["192.0.2.1", "198.51.100.1"]);
  });
});
