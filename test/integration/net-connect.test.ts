// Guards how dial() finds and connects to an address: --resolve overrides, Happy Eyeballs ordering and
// fallback, -4/-6, local binding, and the error kinds (exit codes) of refused, unresolvable, timed-out
// and aborted connects. Timeouts use a namespace whose route leads into a veth with its peer down, so
// SYNs vanish (nothing answers, nothing rejects) and only our own timer can end the attempt.
import { afterEach, describe, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { FetchxError } from "../../src/errors.ts";
import { dial } from "../../src/net/dialer.ts";
import * as libc from "../../src/net/libc.ts";
import { parseSockaddr, sockaddr } from "../../src/net/sockaddr.ts";
import type { DialOptions } from "../../src/net/types.ts";
import { bunInNetns, createNetns, dialAndReport, netnsUnavailable, type Netns } from "../servers/netns.ts";
import { fetchxCommand } from "../servers/harness.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function listener(hostname = "127.0.0.1"): number {
  const server: TCPSocketListener = Bun.listen({ hostname, port: 0, socket: { data() {} } });
  cleanups.push(() => server.stop(true));
  return server.port;
}

/** Makes ip:port refuse connections for the test's duration: bound, never listening. Returns the port. */
function reserveClosedPort(ip: string, port = 0): number {
  const s = libc.socket(ip.includes(":") ? libc.AF_INET6 : libc.AF_INET, libc.SOCK_STREAM | libc.SOCK_CLOEXEC, libc.IPPROTO_TCP);
  if (s.ret < 0) throw new Error(`socket: ${libc.errnoName(s.errno)}`);
  cleanups.push(() => libc.close(s.ret));
  const b = libc.bind(s.ret, sockaddr(ip, port));
  if (b.ret < 0) throw new Error(`bind [${ip}]:${port}: ${libc.errnoName(b.errno)}`);
  return parseSockaddr(libc.getsockname(s.ret)!)!.port;
}

async function dialError(opts: DialOptions): Promise<FetchxError> {
  try {
    const c = await dial(opts);
    c.close();
  } catch (e) {
    expect(e).toBeInstanceOf(FetchxError);
    return e as FetchxError;
  }
  throw new Error("dial succeeded but should have failed");
}

const base = { mptcp: false, connectTimeoutMs: 5000 } as const;

describe("errors", () => {
  test("refused port -> CONNECT (exit 7) naming the address and errno", async () => {
    const closed = reserveClosedPort("127.0.0.1");
    const err = await dialError({ ...base, host: "127.0.0.1", port: closed });
    expect(err.code).toBe("CONNECT");
    expect(err.exitCode).toBe(7);
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(`failed to connect to 127.0.0.1 port ${closed}: connection refused [ECONNREFUSED] (127.0.0.1)`);
  });

  test("no address of the wanted family -> RESOLVE (exit 6)", async () => {
    const err = await dialError({ ...base, host: "only6.test", port: 80, family: 4, resolve: new Map([["only6.test:80", ["::1"]]]) });
    expect(err.code).toBe("RESOLVE");
    expect(err.exitCode).toBe(6);
    expect(err.message).toContain('"only6.test"');
  });

  test("unknown --interface -> INTERFACE (curl's 45), not retryable", async () => {
    const err = await dialError({ ...base, host: "127.0.0.1", port: listener(), interface: "nosuchdev0" });
    expect(err.code).toBe("INTERFACE");
    expect(err.exitCode).toBe(45);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("nosuchdev0");
  });
});

describe("addresses", () => {
  test("--resolve override: IPv6 tried first, refused, IPv4 wins", async () => {
    const port = listener("127.0.0.1");
    reserveClosedPort("::1", port);
    const lines: string[] = [];
    const conn = await dial({ ...base, host: "dual.test", port, resolve: new Map([[`dual.test:${port}`, ["127.0.0.1", "::1"]]]), trace: (l) => lines.push(l) });
    cleanups.push(() => conn.close());
    expect(conn.remoteAddress).toBe("127.0.0.1");
    expect(conn.family).toBe(4);
    expect(lines.slice(0, 3)).toEqual([`Trying [::1]:${port}...`, `Trying 127.0.0.1:${port}...`, `Connected to dual.test (127.0.0.1) port ${port}`]);
  });

  test("family 4 skips IPv6; family 6 tries only IPv6", async () => {
    const port = listener("127.0.0.1");
    reserveClosedPort("::1", port);
    const resolve = new Map([[`dual.test:${port}`, ["::1", "127.0.0.1"]]]);
    const lines: string[] = [];
    const conn = await dial({ ...base, host: "dual.test", port, resolve, family: 4, trace: (l) => lines.push(l) });
    cleanups.push(() => conn.close());
    expect(lines.filter((l) => l.startsWith("Trying"))).toEqual([`Trying 127.0.0.1:${port}...`]);
    const err = await dialError({ ...base, host: "dual.test", port, resolve, family: 6 });
    expect(err.code).toBe("CONNECT");
    expect(err.message).toContain("(::1)");
    expect(err.message).not.toContain("127.0.0.1");
  });

  test("local address binding is used", async () => {
    const port = listener("127.0.0.1");
    const conn = await dial({ ...base, host: "127.0.0.1", port, localAddress: "127.0.0.2" });
    cleanups.push(() => conn.close());
    expect(conn.localAddress).toBe("127.0.0.2");
  });

  test("IPv6 literal connects over IPv6", async () => {
    const port = listener("::1");
    const conn = await dial({ ...base, host: "::1", port });
    cleanups.push(() => conn.close());
    expect(conn.remoteAddress).toBe("::1");
    expect(conn.family).toBe(6);
  });
});

/** A namespace where 192.0.2.2 and 2001:db8::2 swallow SYNs: routed into a veth whose peer is down. */
function blackholeNetns(): Netns {
  const ns = createNetns();
  ns.sh("ip", "link", "add", "bh0", "type", "veth", "peer", "name", "bh1");
  ns.sh("ip", "addr", "add", "192.0.2.1/24", "dev", "bh0");
  ns.sh("ip", "addr", "add", "2001:db8::1/64", "dev", "bh0", "nodad");
  // Permanent neighbours: no ARP/ND, so no "host unreachable" ever comes back.
  ns.sh("ip", "neigh", "add", "192.0.2.2", "lladdr", "02:00:00:00:00:02", "dev", "bh0", "nud", "permanent");
  ns.sh("ip", "-6", "neigh", "add", "2001:db8::2", "lladdr", "02:00:00:00:00:02", "dev", "bh0", "nud", "permanent");
  ns.sh("ip", "link", "set", "bh0", "up");
  return ns;
}

describe.skipIf(netnsUnavailable !== null)("in a namespace with a blackhole", () => {
  test("connect timeout -> TIMEOUT (exit 28), retryable", async () => {
    using ns = blackholeNetns();
    const r = await bunInNetns(ns, dialAndReport({ host: "192.0.2.2", port: 80, mptcp: false, connectTimeoutMs: 300 }));
    expect(r).toEqual({ ok: false, code: "TIMEOUT", exitCode: 28, retryable: true, message: "connection timed out after 300 ms" });
  });

  test("MPTCP connect timeout -> TIMEOUT too", async () => {
    using ns = blackholeNetns();
    const r = await bunInNetns(ns, dialAndReport({ host: "192.0.2.2", port: 80, mptcp: true, connectTimeoutMs: 300 }));
    expect(r).toMatchObject({ ok: false, code: "TIMEOUT", exitCode: 28 });
  });

  test("Happy Eyeballs: a silent IPv6 address does not hold up a working IPv4 one", async () => {
    using ns = blackholeNetns();
    const r = await bunInNetns<{ ok: boolean; remoteAddress: string }>(
      ns,
      `
      const l = listenSocket({ host: "127.0.0.1", mptcp: false });
      Bun.listen({ fd: l.fd, socket: { data() {} } });
      const resolve = new Map([["dual.test:" + l.port, ["2001:db8::2", "127.0.0.1"]]]);
      const c = await dial({ host: "dual.test", port: l.port, resolve, mptcp: false, connectTimeoutMs: 10000 });
      report({ ok: true, remoteAddress: c.remoteAddress });
      `,
    );
    expect(r).toMatchObject({ ok: true, remoteAddress: "127.0.0.1" });
  });

  // curl's --happy-eyeballs-timeout-ms through the command line: the working IPv4 address is tried only
  // once the silent IPv6 one had that long (a lower bound the clock cannot beat), and sooner with less.
  test("fetchx --happy-eyeballs-timeout-ms: the next address after that many ms (default 250)", async () => {
    using ns = blackholeNetns();
    const r = await bunInNetns<{ runs: { ms: number; connect: number; code: number | null; body: string }[] }>(
      ns,
      `
      const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
      const runs = [];
      for (const ms of ["1000", "50", null]) {
        const args = ["-sS", "--resolve", "dual.test:" + server.port + ":[2001:db8::2],127.0.0.1", "-w", "|%{time_connect}", "http://dual.test:" + server.port + "/"];
        if (ms) args.unshift("--happy-eyeballs-timeout-ms", ms);
        // Not spawnSync: the server answers on this process's event loop.
        const p = Bun.spawn([...${JSON.stringify(fetchxCommand())}, ...args], { stdout: "pipe", stderr: "inherit" });
        const [body, connect] = (await new Response(p.stdout).text()).split("|");
        await p.exited;
        runs.push({ ms: Number(ms ?? 250), connect: Number(connect) * 1000, code: p.exitCode, body });
      }
      server.stop(true);
      report({ runs });
      `,
      30_000,
    );
    for (const run of r.runs) {
      expect({ ms: run.ms, code: run.code, body: run.body }).toEqual({ ms: run.ms, code: 0, body: "ok" });
      expect(run.connect).toBeGreaterThanOrEqual(run.ms);
    }
    const [slow, fast, dflt] = r.runs;
    expect(fast!.connect).toBeLessThan(dflt!.ms);
    expect(dflt!.connect).toBeLessThan(slow!.ms);
  }, 30_000);

  test("abort signal ends a hanging connect", async () => {
    using ns = blackholeNetns();
    const r = await bunInNetns(
      ns,
      `
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      try { await dial({ host: "192.0.2.2", port: 80, mptcp: false, connectTimeoutMs: 0, signal: ac.signal }); report({ ok: true }); }
      catch (e) { report({ ok: false, code: e.code }); }
      `,
    );
    expect(r).toEqual({ ok: false, code: "INTERRUPTED" });
  });
});
