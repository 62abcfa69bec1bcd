// Where connections go and come from: --connect-to (Host, SNI and certificate check keep the URL's host)
// and --interface by address, "host!ADDR", device name, and an unknown device; --local-port.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes, runCli, runCommand, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { makeCert, type TestCert } from "../servers/tls.ts";

const data = randomBytes(64 * 1024 + 9, 41);
const big = randomBytes(8 << 20, 43);
const tmp = tempDir("fetchx-addr-");
let plain: TestServer;
let secure: TestServer;
let cert: TestCert;

beforeAll(async () => {
  cert = await makeCert(tmp.path, { cn: "files.example", altNames: ["DNS:files.example"] });
  plain = await startServer({ routes: { "/d": { body: data }, "/big": { body: big } } });
  secure = await startServer({ routes: { "/d": { body: data } }, tls: { cert: cert.certPem, key: cert.keyPem } });
});
afterAll(() => {
  plain.stop();
  secure.stop();
  tmp.cleanup();
});

const json = (r: { stdout: Uint8Array }) => JSON.parse(new TextDecoder().decode(r.stdout).split("\n").at(-1)!);

describe("--connect-to", () => {
  test("http: connects to the given address, sends the URL's Host", async () => {
    const out = tmp.file("c1.bin");
    const r = await runCli(["http://files.example/d", "--connect-to", `files.example:80:127.0.0.1:${plain.port}`, "-o", out, "-sS"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(await sha256(data));
    expect(plain.requests.at(-1)!.headers.host).toBe("files.example");
  });

  test("https: SNI and the certificate check use the URL's host", async () => {
    const out = tmp.file("c2.bin");
    const r = await runCli(["https://files.example/d", "--connect-to", `files.example:443:127.0.0.1:${secure.port}`, "--cacert", cert.caPath, "-o", out, "-sS"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(await sha256(data));
    // A rule for another host does not apply: fetchx goes to files.example:443 itself (pinned by --resolve
    // to loopback, where nothing listens on 443, so no DNS query leaves the machine).
    const other = await runCli(["https://files.example/d", "--connect-to", `else.example:443:127.0.0.1:${secure.port}`, "--resolve", "files.example:443:127.0.0.1", "--cacert", cert.caPath, "-sS", "--retry", "0"]);
    expect(other.code).toBe(7);
    expect(other.stderr).toContain("port 443");
  });

  // curl 7.88 looks at a rule only when its host matches the URL's (then 49; "nonsense" matches nothing and
  // is passed over): fetchx refuses a rule that does not parse before any request, with the same 49.
  test("a malformed rule is curl's option-syntax error 49, before any request", async () => {
    const r = await runCli([plain.url("/d"), "--connect-to", "nonsense", "-sS"]);
    expect(r.code).toBe(49);
    expect(r.stderr.trim().split("\n")).toEqual(['fetchx: (49) --connect-to wants HOST1:PORT1:HOST2:PORT2, got "nonsense"']);
  });

  test("--resolve to something that is not an address is curl's option-syntax error 49 (was a dial ending as 'interrupted', 130)", async () => {
    const r = await runCli(["http://files.example/d", "--resolve", "files.example:80:not-an-address", "-sS"]);
    expect(r.code).toBe(49);
    expect(r.stderr).toContain('"not-an-address"');
  });
});

describe("localhost", () => {
  // curl 7.88 (lib/hostip.c) answers "localhost" and every name under it with 127.0.0.1 and ::1 itself,
  // as RFC 6761 asks; fetchx asked the system resolver, which knows no "app.localhost" (exit 6).
  test("a name under localhost is loopback, asked of no resolver, as curl's", async () => {
    const url = `http://App.Localhost:${plain.port}/d`;
    const curl = Bun.which("curl");
    if (curl) {
      const c = await runCommand([curl, "-sS", "-o", tmp.file("l0.bin"), url]);
      expect(c.code).toBe(0);
      // curl names the host as written.
      expect(plain.requests.at(-1)!.headers.host).toBe(`App.Localhost:${plain.port}`);
    }
    const out = tmp.file("l1.bin");
    const r = await runCli([url, "-o", out, "-sS", "--retry", "0"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(await sha256(data));
    expect(plain.requests.at(-1)!.headers.host).toBe(`App.Localhost:${plain.port}`);
  });
});

describe("--interface", () => {
  test.each([["127.0.0.2", "127.0.0.2"], ["host!127.0.0.3", "127.0.0.3"]])("local address %s", async (arg, ip) => {
    const r = await runCli([plain.url("/d"), "--interface", arg, "-o", "/dev/null", "-sS", "-w", "%{json}"]);
    expect(r.code).toBe(0);
    expect(json(r).local_ip).toBe(ip);
  });

  test("device name (lo) binds to the device; an unknown device is curl's exit 45", async () => {
    const r = await runCli([plain.url("/d"), "--interface", "lo", "-o", "/dev/null", "-sS", "-w", "%{json}"]);
    expect(r.code).toBe(0);
    expect(json(r).size_download).toBe(data.length);
    const bad = await runCli([plain.url("/d"), "--interface", "nosuchdev0", "-o", "/dev/null", "-sS", "--retry", "0"]);
    expect(bad.code).toBe(45); // curl 7.88: 45 (CURLE_INTERFACE_FAILED); fetchx said 7 before
    expect(bad.stderr).toContain("nosuchdev0");
  });
});

describe("--local-port", () => {
  // A port held by a listening socket of this test cannot be bound by fetchx (no SO_REUSEADDR, as curl).
  const held = () => Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });

  test.each([[false], [true]])("a range whose first port is taken: the next free one (mptcp %p)", async (mptcp) => {
    const busy = held();
    try {
      const first = busy.port;
      const args = [plain.url("/d"), "--local-port", `${first}-${first + 30}`, "-o", tmp.file(`lp${mptcp}.bin`), "-sS", "-w", "%{json}"];
      const r = await runCli(mptcp ? [...args, "--mptcp"] : args);
      expect(r.code).toBe(0);
      const port = json(r).local_port as number;
      expect(port).toBeGreaterThan(first);
      expect(port).toBeLessThanOrEqual(first + 30);
      expect(await sha256(await Bun.file(tmp.file(`lp${mptcp}.bin`)).bytes())).toBe(await sha256(data));
    } finally {
      busy.stop(true);
    }
  });

  test("every connection of --connections 4 comes from the range", async () => {
    const busy = held();
    const first = busy.port + 1;
    busy.stop(true);
    const out = tmp.file("lp4.bin");
    const r = await runCli([plain.url("/big"), "--local-port", `${first}-${first + 40}`, "--connections", "4", "-o", out, "-sS", "-w", "%{json}"]);
    expect(r.code).toBe(0);
    const conns = json(r).connections as { local: string }[];
    expect(conns.length).toBeGreaterThan(1);
    for (const c of conns) {
      const port = Number(c.local.slice(c.local.lastIndexOf(":") + 1));
      expect(port).toBeGreaterThanOrEqual(first);
      expect(port).toBeLessThanOrEqual(first + 40);
    }
    expect(await sha256(await Bun.file(out).bytes())).toBe(await sha256(big));
  });

  test("no free port in the range: exit 45 (curl 7.88's) in one line", async () => {
    const busy = held();
    try {
      const r = await runCli([plain.url("/d"), "--local-port", String(busy.port), "-o", tmp.file("lp-none.bin"), "-sS"]);
      expect(r.code).toBe(45);
      expect(r.stderr.trim().split("\n")).toEqual([`fetchx: (45) could not bind to port ${busy.port}: EADDRINUSE`]);
      const curl = Bun.spawnSync(["curl", "-sS", "--local-port", String(busy.port), "-o", "/dev/null", plain.url("/d")]);
      expect(curl.exitCode).toBe(45);
    } finally {
      busy.stop(true);
    }
  });
});
