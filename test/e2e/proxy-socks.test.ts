// SOCKS proxies (curl's -x socks4:// socks4a:// socks5:// socks5h://, --socks4 ... --socks5-hostname,
// all_proxy): a SOCKS server of our own (test/servers/socks.ts) in front of the test HTTP server. Asserted:
// the bytes (sha256), what the proxy was asked for (a name or an address: who resolved it), credentials,
// and the exit code of each failure, against curl 7.88 on the same command where curl is installed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes, runCli, runCommand, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { startSocks, type SocksServer } from "../servers/socks.ts";
import { makeCert } from "../servers/tls.ts";

const data = randomBytes(2 * 1024 * 1024, 77);
const SHA = await sha256(data);
const CURL = Bun.which("curl");
const tmp = tempDir("fetchx-socks-");
let origin: TestServer;
let tlsOrigin: TestServer;
let ca: string;
let socks: SocksServer;
let authed: SocksServer;
let refusing: SocksServer;

beforeAll(async () => {
  origin = await startServer({ routes: { "/data": { body: data } } });
  const cert = await makeCert(tmp.path);
  ca = cert.caPath;
  tlsOrigin = await startServer({ routes: { "/data": { body: data } }, tls: { cert: cert.certPem, key: cert.keyPem } });
  // Only the proxy knows origin.test: a client that resolved it itself would fail (exit 6).
  socks = await startSocks({ names: { "origin.test": "127.0.0.1", localhost: "127.0.0.1" } });
  authed = await startSocks({ names: { "origin.test": "127.0.0.1" }, auth: "alice:s3cret" });
  refusing = await startSocks({ refuse: 5 });
});
afterAll(() => {
  for (const s of [origin, tlsOrigin, socks, authed, refusing]) s?.stop();
  tmp.cleanup();
});

const viaName = () => `http://origin.test:${origin.port}/data`;
let n = 0;
const out = () => tmp.file(`out-${n++}.bin`);

/** fetchx (and curl 7.88 where installed) with `args`: exit code, and the bytes when 0. */
async function both(args: string[], env: Record<string, string> = {}) {
  const ours = out();
  const r = await runCli([...args, "-sS", "-o", ours], { env });
  let curl: number | null = null;
  if (CURL) curl = (await runCommand(["curl", ...args, "-sS", "-o", out()], { env })).code;
  return { code: r.code, stderr: r.stderr, sha: r.code === 0 ? await sha256(ours) : null, curl };
}

describe("through a SOCKS proxy", () => {
  test("socks5h: the proxy resolves the name; exact bytes (curl 7.88: the same)", async () => {
    const before = socks.requests.length;
    const r = await both(["-x", socks.url("socks5h"), viaName()]);
    expect([r.code, r.stderr, r.sha]).toEqual([0, "", SHA]);
    expect(socks.requests[before]).toEqual({ version: 5, type: "name", host: "origin.test", port: origin.port, user: undefined });
    if (CURL) expect(r.curl).toBe(0);
  });

  test("--socks5-hostname HOST:PORT and all_proxy=socks5h:// are the same route", async () => {
    for (const [args, env] of [
      [["--socks5-hostname", `127.0.0.1:${socks.port}`], {}],
      [[], { all_proxy: socks.url("socks5h") }],
    ] as [string[], Record<string, string>][]) {
      const before = socks.requests.length;
      const r = await both([...args, viaName()], env);
      expect([r.code, r.sha]).toEqual([0, SHA]);
      expect(socks.requests.slice(before).map((q) => q.type)).toEqual(CURL ? ["name", "name"] : ["name"]);
    }
  });

  test("socks5 and socks4 resolve the name here (--resolve) and send the address; socks4a sends the name", async () => {
    const resolve = ["--resolve", `origin.test:${origin.port}:127.0.0.1`];
    for (const [scheme, type] of [["socks5", "ipv4"], ["socks4", "ipv4"], ["socks4a", "name"]] as const) {
      const before = socks.requests.length;
      const r = await both(["-x", socks.url(scheme), ...resolve, viaName()]);
      expect({ scheme, code: r.code, sha: r.sha }).toEqual({ scheme, code: 0, sha: SHA });
      const asked = socks.requests[before]!;
      expect({ scheme, version: asked.version, type: asked.type, host: asked.host }).toEqual({
        scheme,
        version: scheme === "socks5" ? 5 : 4,
        type,
        host: type === "name" ? "origin.test" : "127.0.0.1",
      });
      if (CURL) expect({ scheme, curl: r.curl }).toEqual({ scheme, curl: 0 });
    }
  });

  test("socks5 with an IPv6 address: sent as one (address type 4), all 16 bytes right", async () => {
    const origin6 = await startServer({ host: "::1", routes: { "/data": { body: data } } });
    try {
      const before = socks.requests.length;
      const r = await both(["-x", socks.url("socks5"), "--resolve", `origin.test:${origin6.port}:::1`, `http://origin.test:${origin6.port}/data`]);
      expect([r.code, r.sha]).toEqual([0, SHA]);
      expect(socks.requests[before]).toMatchObject({ version: 5, type: "ipv6", host: "0:0:0:0:0:0:0:1", port: origin6.port });
      if (CURL) expect(r.curl).toBe(0);
    } finally {
      origin6.stop();
    }
  });

  test("https through socks5h: TLS inside the tunnel, the certificate checked for the origin's name", async () => {
    const r = await both(["-x", socks.url("socks5h"), "--cacert", ca, `https://localhost:${tlsOrigin.port}/data`]);
    expect([r.code, r.stderr, r.sha]).toEqual([0, "", SHA]);
    if (CURL) expect(r.curl).toBe(0);
  });

  test("SOCKS5 user and password (RFC 1929): from the URL or --proxy-user; refused ones exit 97 (curl 7.88: 97)", async () => {
    const ok = await both(["-x", authed.url("socks5h", "alice:s3cret"), viaName()]);
    expect([ok.code, ok.sha]).toEqual([0, SHA]);
    expect(authed.requests.at(-1)!.user).toBe("alice");
    const viaFlag = await both(["-x", authed.url("socks5h"), "--proxy-user", "alice:s3cret", viaName()]);
    expect([viaFlag.code, viaFlag.sha]).toEqual([0, SHA]);
    for (const [args, text] of [
      [["-x", authed.url("socks5h", "alice:wrong")], "refused the user name and password"],
      [["-x", authed.url("socks5h")], "accepts none of the offered authentication methods"],
    ] as [string[], string][]) {
      const r = await both([...args, viaName()]);
      expect(r.code).toBe(97);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(text);
      if (CURL) expect(r.curl).toBe(97);
    }
  });

  test("a proxy that picks user/password when none was offered: exit 97, no credentials sent (curl 7.88: 97)", async () => {
    const broken = await startSocks({ names: { "origin.test": "127.0.0.1" }, auth: "alice:s3cret", forceMethod: 2 });
    try {
      const r = await both(["-x", broken.url("socks5h"), viaName()]);
      expect(r.code).toBe(97);
      expect(r.stderr.trim()).toBe("fetchx: (97) SOCKS5 proxy chose an authentication method fetchx did not offer (2)");
      expect(broken.requests).toEqual([]); // it never got as far as a CONNECT
      if (CURL) expect(r.curl).toBe(97);
    } finally {
      broken.stop();
    }
  });

  test("the proxy cannot connect (reply 5), or cannot resolve the name: exit 97, one line, no retry (curl 7.88: 97)", async () => {
    const before = refusing.requests.length;
    const refused = await both(["-x", refusing.url("socks5h"), viaName()]);
    expect(refused.code).toBe(97);
    expect(refused.stderr.trim()).toMatch(/^fetchx: \(97\) SOCKS5 proxy could not connect to origin\.test:\d+: connection refused$/);
    expect(refusing.requests.length - before).toBe(CURL ? 2 : 1);
    if (CURL) expect(refused.curl).toBe(97);
    const unknown = await both(["-x", socks.url("socks5h"), `http://nowhere.test:${origin.port}/data`]);
    expect(unknown.code).toBe(97);
    expect(unknown.stderr).toContain("host unreachable");
    if (CURL) expect(unknown.curl).toBe(97);
  });

  test("socks5:// resolves here: a name nobody resolves is the origin's failure, exit 6, and the proxy is never asked", async () => {
    const before = socks.requests.length;
    const r = await runCli(["-sS", "-x", socks.url("socks5"), `http://origin.invalid:${origin.port}/data`, "-o", out()]);
    expect(r.code).toBe(6);
    expect(socks.requests.length).toBe(before);
  });

  test("-x after --socks5-hostname wins, and --noproxy still goes direct", async () => {
    const before = socks.requests.length;
    const r = await runCli(["-sS", "--socks5-hostname", `127.0.0.1:${socks.port}`, "-x", "", origin.url("/data"), "-o", out()]);
    expect(r.code).toBe(0);
    const direct = await runCli(["-sS", "-x", socks.url("socks5h"), "--noproxy", "127.0.0.1", origin.url("/data"), "-o", out()]);
    expect(direct.code).toBe(0);
    expect(socks.requests.length).toBe(before);
  });

  test("a scheme in --socks5's or --socks4's value wins over the option's, and socks:// is SOCKS4 (curl 7.88: the same)", async () => {
    // fetchx dropped the value's scheme: --socks5 socks5h://HOST resolved the name itself; socks:// was refused.
    const resolve = ["--resolve", `origin.test:${origin.port}:127.0.0.1`];
    for (const [args, asked] of [
      [["--socks5", socks.url("socks5h")], { version: 5, type: "name" }],
      [["--socks4", socks.url("socks5h")], { version: 5, type: "name" }],
      [["--socks5-hostname", socks.url("socks4"), ...resolve], { version: 4, type: "ipv4" }],
      [["-x", `socks://127.0.0.1:${socks.port}`, ...resolve], { version: 4, type: "ipv4" }],
    ] as const) {
      const before = socks.requests.length;
      const r = await both([...args, viaName()]);
      expect({ args, code: r.code, sha: r.sha }).toEqual({ args, code: 0, sha: SHA });
      // curl's run, where installed, asked the proxy the same way.
      for (const q of socks.requests.slice(before)) expect(q).toMatchObject(asked);
      if (CURL) expect(r.curl).toBe(0);
    }
  });

  test("a SOCKS proxy's name that does not resolve is exit 6, an HTTP proxy's 5; an unknown scheme is 7 (curl 7.88: the same)", async () => {
    // fetchx ended all three with 5, and an unknown scheme with 1.
    for (const [proxy, code] of [
      ["socks5h://proxy.invalid:1080", 6],
      ["socks4://proxy.invalid:1080", 6],
      ["http://proxy.invalid:3128", 5],
      [`foo://127.0.0.1:${socks.port}`, 7],
    ] as const) {
      const r = await both(["--retry", "0", "-x", proxy, origin.url("/data")]);
      expect({ proxy, code: r.code }).toEqual({ proxy, code });
      if (CURL) expect({ proxy, curl: r.curl }).toEqual({ proxy, curl: code });
    }
  });

  test("socks4:// with an origin name that does not resolve, or an IPv6 address: exit 97, the proxy never asked (curl 7.88: 97)", async () => {
    // fetchx said 6, as for a direct connection; socks5:// stays 6 (curl 7.88 waits there until its 300 s connect timeout).
    const before = socks.requests.length;
    for (const url of [`http://origin.invalid:${origin.port}/data`, `http://[::1]:${origin.port}/data`]) {
      const r = await both(["--retry", "0", "-x", socks.url("socks4"), url]);
      expect({ url, code: r.code }).toEqual({ url, code: 97 });
      if (CURL) expect({ url, curl: r.curl }).toEqual({ url, curl: 97 });
    }
    expect(socks.requests.length).toBe(before);
  });

  test("several URLs through one proxy, -Z: every file exact", async () => {
    const a = out();
    const b = out();
    const r = await runCli(["-sS", "-Z", "-x", socks.url("socks5h"), viaName(), "-o", a, viaName(), "-o", b]);
    expect(r.code).toBe(0);
    expect([await sha256(a), await sha256(b)]).toEqual([SHA, SHA]);
  });
});
