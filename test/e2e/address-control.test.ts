// Where connections go and come from: --connect-to (Host, SNI and certificate check keep the URL's host)
// and --interface by address, "host!ADDR", device name, and an unknown device.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes, runCli, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { makeCert, type TestCert } from "../servers/tls.ts";

const data = randomBytes(64 * 1024 + 9, 41);
const tmp = tempDir("fetchx-addr-");
let plain: TestServer;
let secure: TestServer;
let cert: TestCert;

beforeAll(async () => {
  cert = await makeCert(tmp.path, { cn: "files.example", altNames: ["DNS:files.example"] });
  plain = await startServer({ routes: { "/d": { body: data } } });
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

  test("malformed rule is a usage error", async () => {
    expect((await runCli([plain.url("/d"), "--connect-to", "nonsense", "-sS"])).code).toBe(2);
  });

  test("--resolve to something that is not an address is a usage error (was a dial ending as 'interrupted', 130)", async () => {
    const r = await runCli(["http://files.example/d", "--resolve", "files.example:80:not-an-address", "-sS"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"not-an-address"');
  });
});

describe("--interface", () => {
  test.each([["127.0.0.2", "127.0.0.2"], ["host!127.0.0.3", "127.0.0.3"]])("local address %s", async (arg, ip) => {
    const r = await runCli([plain.url("/d"), "--interface", arg, "-o", "/dev/null", "-sS", "-w", "%{json}"]);
    expect(r.code).toBe(0);
    expect(json(r).local_ip).toBe(ip);
  });

  test("device name (lo) binds to the device; an unknown device fails to connect", async () => {
    const r = await runCli([plain.url("/d"), "--interface", "lo", "-o", "/dev/null", "-sS", "-w", "%{json}"]);
    expect(r.code).toBe(0);
    expect(json(r).size_download).toBe(data.length);
    const bad = await runCli([plain.url("/d"), "--interface", "nosuchdev0", "-o", "/dev/null", "-sS", "--retry", "0"]);
    expect(bad.code).toBe(7);
    expect(bad.stderr).toContain("nosuchdev0");
  });
});
