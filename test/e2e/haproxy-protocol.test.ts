// curl's --haproxy-protocol (7.60) and --haproxy-clientip (8.2): a PROXY protocol v1 line opens every
// connection, before TLS. The server is nginx listening with proxy_protocol, which answers what the line
// told it; curl 7.88 runs the same command where it has the option (--haproxy-clientip is curl 8's:
// asserted for fetchx alone).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli, runCommand, tempDir, type TempDir } from "../servers/harness.ts";
import { startNginx, type NginxServer } from "../servers/nginx.ts";
import { makeCert } from "../servers/tls.ts";

const CURL = Bun.which("curl");
let dir: TempDir;
let plain: NginxServer;
let tls: NginxServer;
let ca: string;

beforeAll(async () => {
  dir = tempDir("fetchx-haproxy-");
  const cert = await makeCert(dir.path);
  ca = cert.caPath;
  plain = await startNginx({ root: dir.path, proxyProtocol: true });
  tls = await startNginx({ root: dir.path, proxyProtocol: true, tls: { certPath: cert.certPath, keyPath: cert.keyPath } });
});

afterAll(async () => {
  await plain?.stop();
  await tls?.stop();
  dir?.[Symbol.dispose]();
});

/** nginx's answer: "client-address client-port server-address server-port". */
const fields = (out: Uint8Array) => Buffer.from(out).toString().trim().split(" ");

describe("--haproxy-protocol", () => {
  for (const [name, server] of [["http", () => plain], ["https: the line goes before the TLS handshake", () => tls]] as const) {
    test(`${name}: the connection's own addresses and ports, as curl 7.88 sends them`, async () => {
      const url = server().url("/proxy-protocol");
      const ours = await runCli(["-sS", "--cacert", ca, "--haproxy-protocol", url]);
      expect({ code: ours.code, stderr: ours.stderr }).toEqual({ code: 0, stderr: "" });
      const [addr, port, serverAddr, serverPort] = fields(ours.stdout);
      expect([addr, serverAddr, serverPort]).toEqual(["127.0.0.1", "127.0.0.1", String(server().port)]);
      expect(Number(port)).toBeGreaterThan(0);
      if (CURL) {
        const theirs = await runCommand(["curl", "-sS", "--cacert", ca, "--haproxy-protocol", url]);
        expect(theirs.code).toBe(0);
        const [a, , sa, sp] = fields(theirs.stdout);
        expect([a, sa, sp]).toEqual([addr, serverAddr, serverPort]);
      }
    });
  }

  test.skipIf(!CURL)("without it, a server that wants the line drops the connection: the same exit code as curl's", async () => {
    const url = plain.url("/proxy-protocol");
    const ours = await runCli(["-sS", "--retry", "0", url]);
    const theirs = await runCommand(["curl", "-sS", url]);
    expect(ours.code).toBe(theirs.code!);
    expect([52, 56]).toContain(ours.code!);
  });

  test("--haproxy-clientip: that address as both (curl 8.2), IPv4 and IPv6, and it implies --haproxy-protocol", async () => {
    const a = await runCli(["-sS", "--haproxy-clientip", "203.0.113.7", plain.url("/proxy-protocol")]);
    expect({ code: a.code, f: fields(a.stdout).filter((_, i) => i !== 1) }).toEqual({ code: 0, f: ["203.0.113.7", "203.0.113.7", String(plain.port)] });
    const b = await runCli(["-sS", "--cacert", ca, "--haproxy-clientip", "2001:db8::7", tls.url("/proxy-protocol")]);
    expect({ code: b.code, f: fields(b.stdout).filter((_, i) => i !== 1) }).toEqual({ code: 0, f: ["2001:db8::7", "2001:db8::7", String(tls.port)] });
  });

  test("--haproxy-clientip with a space or a line break: exit 2, nothing sent", async () => {
    for (const bad of ["1.2.3.4 5.6.7.8", "1.2.3.4\r\nGET", ""]) {
      const r = await runCli(["-sS", "--haproxy-clientip", bad, plain.url("/proxy-protocol")]);
      expect({ bad, code: r.code }).toEqual({ bad, code: 2 });
      expect(r.stderr).toContain("--haproxy-clientip wants an address without spaces or control characters");
    }
  });
});
