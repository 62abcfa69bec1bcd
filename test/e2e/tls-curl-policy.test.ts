// What curl 7.88 (OpenSSL, Debian's security level 2) refuses in a server's certificate and Bun's TLS
// stack (BoringSSL) lets through, and what fetchx now refuses as curl: a leaf signed with SHA-1, an RSA
// key of 1024 bits, a partial wildcard ("f*.example.test") and one over a single label ("*.test"). Each
// case runs curl and fetchx against the same node:tls server: the same exit code and %{ssl_verify_result};
// -k accepts all of them in both. And a TLS server that never answers the handshake: --connect-timeout
// ends it at once (fetchx's unasked retries do not retry a connection that timed out; --retry does).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import net from "node:net";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { runCli, runCommand, tempDir, type TempDir } from "../servers/harness.ts";
import { makeCert, type CertOptions, type TestCert } from "../servers/tls.ts";

const CURL = Bun.which("curl");
let dir: TempDir;
const servers: net.Server[] = [];

/** A TLS server with a certificate made by `opts`, answering "ok"; its port and CA. */
async function serve(name: string, opts: CertOptions): Promise<{ port: number; cert: TestCert }> {
  const d = join(dir.path, name);
  mkdirSync(d);
  const cert = await makeCert(d, opts);
  const server = tls.createServer({ key: cert.keyPem, cert: cert.certPem }, (sock) => {
    sock.on("error", () => {});
    sock.once("data", () => sock.end("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"));
  });
  server.on("tlsClientError", () => {});
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, cert };
}

interface Case {
  name: string;
  opts: CertOptions;
  /** The host name asked for (resolved to 127.0.0.1 with --resolve). */
  host: string;
  code: number;
  verifyResult: string;
}

const CASES: Case[] = [
  { name: "a leaf signed with SHA-1", opts: { digest: "sha1" }, host: "localhost", code: 60, verifyResult: "68" },
  { name: "an RSA key of 1024 bits", opts: { leafRsaBits: 1024 }, host: "localhost", code: 60, verifyResult: "66" },
  { name: "an RSA key of 2048 bits, signed with SHA-256 (accepted)", opts: { leafRsaBits: 2048 }, host: "localhost", code: 0, verifyResult: "0" },
  { name: "a partial wildcard, f*.example.test, for foo.example.test", opts: { altNames: ["DNS:f*.example.test"] }, host: "foo.example.test", code: 60, verifyResult: "1" },
  { name: "a wildcard over one label, *.test, for foo.test", opts: { altNames: ["DNS:*.test"] }, host: "foo.test", code: 60, verifyResult: "1" },
  { name: "a whole-label wildcard, *.example.test, for foo.example.test (accepted)", opts: { altNames: ["DNS:*.example.test"] }, host: "foo.example.test", code: 0, verifyResult: "0" },
  { name: "a leaf for client authentication only", opts: { extendedKeyUsage: "clientAuth" }, host: "localhost", code: 60, verifyResult: "26" },
];

const ports = new Map<string, { port: number; cert: TestCert }>();

beforeAll(async () => {
  dir = tempDir("fetchx-tls-policy-");
  for (const [i, c] of CASES.entries()) ports.set(c.name, await serve(`s${i}`, c.opts));
});

afterAll(() => {
  for (const s of servers) s.close();
  dir?.[Symbol.dispose]();
});

describe.skipIf(!CURL)("server certificates curl refuses", () => {
  for (const c of CASES) {
    test(`${c.name}: exit ${c.code}, %{ssl_verify_result} ${c.verifyResult}, as curl 7.88; -k: 0`, async () => {
      const { port, cert } = ports.get(c.name)!;
      for (const k of [[], ["-k"]]) {
        const args = ["-sS", "--retry", "0", "--cacert", cert.caPath, "--resolve", `${c.host}:${port}:127.0.0.1`, "-w", "|%{ssl_verify_result}", ...k, `https://${c.host}:${port}/`];
        const ours = await runCli(args);
        const theirs = await runCommand([CURL!, ...args]);
        const text = (b: Uint8Array) => Buffer.from(b).toString();
        expect({ k, code: ours.code, out: text(ours.stdout) }).toEqual({ k, code: theirs.code, out: text(theirs.stdout) });
        if (k.length === 0) expect({ code: ours.code, out: text(ours.stdout) }).toEqual({ code: c.code, out: c.code === 0 ? `ok\n|${c.verifyResult}` : `|${c.verifyResult}` });
        else expect(ours.code).toBe(0);
        if (ours.code !== 0) expect(ours.stderr.trim().split("\n")).toHaveLength(1);
      }
    });
  }
});

describe("a TLS server that never answers the handshake", () => {
  let silent: net.Server;
  let url: string;
  beforeAll(async () => {
    silent = net.createServer((sock) => sock.on("error", () => {})); // accepts, reads, never writes
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}/`;
  });
  afterAll(() => silent.close());

  test("--connect-timeout 1: exit 28 after one try (fetchx's unasked retries leave a connection that timed out alone)", async () => {
    const t0 = performance.now();
    const r = await runCli(["-sS", "-k", "--connect-timeout", "1", "-w", "%{num_connects}", url]);
    const ms = performance.now() - t0;
    expect(r.code).toBe(28);
    expect(ms).toBeLessThan(1900);
    if (CURL) expect((await runCommand([CURL, "-sS", "-k", "--connect-timeout", "1", url])).code).toBe(28);
  });

  test("--connect-timeout 1 --retry 1: two tries, as curl's", async () => {
    const t0 = performance.now();
    const r = await runCli(["-sS", "-k", "--connect-timeout", "1", "--retry", "1", "--retry-delay", "0.1", url]);
    const ms = performance.now() - t0;
    expect(r.code).toBe(28);
    expect(ms).toBeGreaterThan(2000);
  });
});
