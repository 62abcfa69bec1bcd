// HTTPS through the CLI: verification on by default (exit 60 for an unknown CA), --cacert trusts a CA,
// -k skips verification, SNI/name checks, a plain server spoken to with TLS fails the handshake (35), and
// --mptcp applies under TLS too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes, runCli, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { makeCert, type TestCert } from "../servers/tls.ts";

const hasOpenssl = !!Bun.which("openssl");
if (!hasOpenssl) console.warn("[cli-tls] skipping: openssl not found");
const data = randomBytes(2 * 1024 * 1024 + 3, 21);
const tmp = tempDir("fetchx-tls-");
let cert: TestCert;
let tls: TestServer;
let tlsMptcp: TestServer;
let plain: TestServer;

beforeAll(async () => {
  if (!hasOpenssl) return;
  cert = await makeCert(tmp.path);
  const routes = { "/f": { body: data } };
  tls = await startServer({ routes, tls: { cert: cert.certPem, key: cert.keyPem } });
  tlsMptcp = await startServer({ routes, mptcp: true, tls: { cert: cert.certPem, key: cert.keyPem } });
  plain = await startServer({ routes });
});
afterAll(() => {
  for (const s of [tls, tlsMptcp, plain]) s?.stop();
  tmp.cleanup();
});

const https = (s: TestServer, host = "localhost") => `https://${host}:${s.port}/f`;

describe.skipIf(!hasOpenssl)("HTTPS", () => {
  test("unknown CA: exit 60 with the reason, nothing written", async () => {
    const r = await runCli([https(tls), "-o", `${tmp.path}/no.bin`]);
    expect(r.code).toBe(60);
    expect(r.stderr).toMatch(/certificate/i);
    expect(r.stderr.trim().split("\n").length).toBe(1);
  });

  test("--cacert: verified, same bytes; with --connections too", async () => {
    const one = await runCli([https(tls), "--cacert", cert.caPath, "-s"]);
    expect(one.code).toBe(0);
    expect(await sha256(one.stdout)).toBe(await sha256(data));
    const out = `${tmp.path}/seg.bin`;
    const seg = await runCli([https(tls), "--cacert", cert.caPath, "--connections", "3", "-o", out, "-s"]);
    expect(seg.code).toBe(0);
    expect(await sha256(await Bun.file(out).bytes())).toBe(await sha256(data));
  });

  test("name not in the certificate: exit 60 even with the right CA (host name, and IP literal)", async () => {
    const byName = await runCli([https(tls, "other.test"), "--cacert", cert.caPath, "--resolve", `other.test:${tls.port}:127.0.0.1`]);
    expect(byName.code).toBe(60);
    expect(byName.stderr).toContain("other.test");
    // The URL names 127.0.0.2 (the connection goes to 127.0.0.1); the certificate names only 127.0.0.1.
    const byIp = await runCli([https(tls, "127.0.0.2"), "--cacert", cert.caPath, "--connect-to", `127.0.0.2:${tls.port}:127.0.0.1:${tls.port}`]);
    expect(byIp.code).toBe(60);
    const rightIp = await runCli([https(tls, "127.0.0.1"), "--cacert", cert.caPath, "-o", "/dev/null"]);
    expect(rightIp.code).toBe(0);
  });

  test("-k skips verification", async () => {
    const r = await runCli([https(tls), "-k", "-s"]);
    expect(r.code).toBe(0);
    expect(await sha256(r.stdout)).toBe(await sha256(data));
  });

  test("TLS to a plain HTTP server: handshake failure, exit 35", async () => {
    // Like nginx, a plain server answers the ClientHello with a 400 and closes.
    const rude = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data(s) { s.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"); } } });
    try {
      const r = await runCli([`https://127.0.0.1:${rude.port}/f`, "-k", "--retry", "0"]);
      expect(r.code).toBe(35);
      expect(r.stderr.trim().split("\n").length).toBe(1);
    } finally {
      rude.stop(true);
    }
  });

  test("a server that never completes the handshake: --connect-timeout covers it (28)", async () => {
    const r = await runCli([https(plain), "-k", "--retry", "0", "--connect-timeout", "1"]);
    expect(r.code).toBe(28);
  });

  test("--mptcp under TLS: active, same bytes", async () => {
    const r = await runCli([https(tlsMptcp), "--cacert", cert.caPath, "--mptcp", "-s", "-o", `${tmp.path}/m.bin`, "-w", "%{mptcp}"]);
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("active");
    expect(await sha256(await Bun.file(`${tmp.path}/m.bin`).bytes())).toBe(await sha256(data));
  });
});
