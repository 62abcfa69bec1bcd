// Guards TLS over adopted fds: verification on by default (self-signed -> CERT, exit 60), -k skips
// it, --cacert makes it pass, the server name is checked, and ALPN offers http/1.1. The certificate is
// made at test time with openssl, into the test's own temp dir.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { TCPSocketListener } from "bun";
import { FetchxError } from "../../src/errors.ts";
import { dial } from "../../src/net/dialer.ts";
import type { DialOptions } from "../../src/net/types.ts";
import { tempDir, type TempDir } from "../servers/harness.ts";

const openssl = Bun.which("openssl");
if (!openssl) console.warn("[net-tls] skipping: openssl not found");

let dir: TempDir;
let cert = "";
let key = "";
const cleanups: (() => void)[] = [];

beforeAll(() => {
  if (!openssl) return;
  dir = tempDir("fetchx-tls-");
  const r = Bun.spawnSync([
    openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout", dir.file("key.pem"), "-out", dir.file("cert.pem"),
  ], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl: ${r.stderr.toString()}`);
  cert = readFileSync(dir.file("cert.pem"), "utf8");
  key = readFileSync(dir.file("key.pem"), "utf8");
});
afterAll(() => dir?.cleanup());
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/** A TLS echo server with the self-signed certificate, offering http/1.1 by ALPN. */
function tlsServer(): number {
  const server: TCPSocketListener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert, key, ALPNProtocols: "\x08http/1.1" },
    socket: { data: (s, d) => void s.write(d) },
  });
  cleanups.push(() => server.stop(true));
  return server.port;
}

async function dialTls(port: number, tls: NonNullable<DialOptions["tls"]>, trace?: (l: string) => void) {
  const conn = await dial({ host: "127.0.0.1", port, mptcp: false, connectTimeoutMs: 5000, tls, trace });
  cleanups.push(() => conn.close());
  return conn;
}

async function failure(work: Promise<unknown>): Promise<FetchxError> {
  const e = await work.then(() => null, (err) => err);
  expect(e).toBeInstanceOf(FetchxError);
  return e as FetchxError;
}

describe.skipIf(!openssl)("TLS", () => {
  test("insecure connects, negotiates http/1.1 and echoes bytes", async () => {
    const lines: string[] = [];
    const conn = await dialTls(tlsServer(), { insecure: true, servername: "localhost" }, (l) => lines.push(l));
    expect(conn.tls).toBe(true);
    expect(lines.some((l) => l.startsWith("TLS handshake done") && l.includes("ALPN http/1.1"))).toBe(true);
    await conn.write("over tls");
    expect(new TextDecoder().decode((await conn.read(5000))!)).toBe("over tls");
  });

  test("self-signed without -k -> CERT (exit 60), not retryable", async () => {
    const e = await failure(dialTls(tlsServer(), { insecure: false, servername: "localhost" }));
    expect(e.code).toBe("CERT");
    expect(e.exitCode).toBe(60);
    expect(e.retryable).toBe(false);
    expect(e.message).toContain("SSL certificate problem: self-signed certificate");
    expect(e.message).toContain("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  test("--cacert with the server's certificate verifies", async () => {
    const conn = await dialTls(tlsServer(), { insecure: false, servername: "localhost", ca: cert });
    await conn.write("verified");
    expect(new TextDecoder().decode((await conn.read(5000))!)).toBe("verified");
  });

  test("--cacert but a server name the certificate does not cover -> CERT", async () => {
    const e = await failure(dialTls(tlsServer(), { insecure: false, servername: "wrong.example", ca: cert }));
    expect(e.code).toBe("CERT");
    expect(e.message).toContain("wrong.example");
  });

  test("a plain TCP server -> TLS_HANDSHAKE (exit 35)", async () => {
    const server: TCPSocketListener = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { data: (s) => void s.end("HTTP/1.1 400 Bad Request\r\n\r\n") },
    });
    cleanups.push(() => server.stop(true));
    const e = await failure(dialTls(server.port, { insecure: true }));
    expect(e.code).toBe("TLS_HANDSHAKE");
    expect(e.exitCode).toBe(35);
  });
});
