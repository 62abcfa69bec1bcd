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
import { makeCert, makeChain, type CertOptions, type TestChain, type TestCert } from "../servers/tls.ts";

const CURL = Bun.which("curl");
let dir: TempDir;
const servers: net.Server[] = [];

/** A TLS server with a certificate made by `opts`, answering "ok"; its port and CA. */
async function serve(name: string, opts: CertOptions): Promise<{ port: number; cert: TestCert }> {
  const d = join(dir.path, name);
  mkdirSync(d);
  const cert = await makeCert(d, opts);
  return { port: await listen(cert.certPem, cert.keyPem), cert };
}

/** A TLS server sending `certPem` (a leaf, maybe followed by its chain) and answering "ok"; its port. */
async function listen(certPem: string, keyPem: string): Promise<number> {
  const server = tls.createServer({ key: keyPem, cert: certPem }, (sock) => {
    sock.on("error", () => {});
    sock.once("data", () => sock.end("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"));
  });
  server.on("tlsClientError", () => {});
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
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

// curl (7.68 on) lets a certificate given with --cacert or --capath anchor a chain even when it is not a
// self-signed root (OpenSSL's partial chain); BoringSSL (Bun) does not, and fetchx checks such an anchor
// itself (src/net/cert-policy.ts). And an IP URL whose certificate has no subjectAltName but CN=IP.
describe.skipIf(!CURL)("an intermediate or the leaf given as the trust anchor, as curl's partial chain", () => {
  let chain: TestChain;
  const port = new Map<string, number>();
  beforeAll(async () => {
    const d = join(dir.path, "chain");
    mkdirSync(d);
    chain = await makeChain(d);
    const pems: [string, string][] = [["chain", chain.chainPem], ["leaf", chain.leafPem], ["client-only", chain.clientOnlyPem], ["forged", chain.forgedPem],
      ["ip-cn", chain.ipCommonNamePem], ["ip-cn-dns", chain.ipCommonNameWithDnsPem], ["outside", chain.outsideConstraintsPem + (await Bun.file(chain.constrainedPath).text())], ["too-deep", chain.pathTooLongPem]];
    for (const [name, certPem] of pems) port.set(name, await listen(certPem, chain.keyPem));
  });

  const CHAIN_CASES: { name: string; server: string; anchor: (c: TestChain) => string; host?: string; code: number; verifyResult: string }[] = [
    { name: "the intermediate, the server sending leaf and intermediate", server: "chain", anchor: (c) => c.intermediatePath, code: 0, verifyResult: "0" },
    { name: "the intermediate, the server sending its leaf only", server: "leaf", anchor: (c) => c.intermediatePath, code: 0, verifyResult: "0" },
    { name: "the server's own leaf", server: "leaf", anchor: (c) => c.leafPath, code: 0, verifyResult: "0" },
    { name: "the root, the server sending its leaf only (refused)", server: "leaf", anchor: (c) => c.rootPath, code: 60, verifyResult: "20" },
    { name: "another intermediate of the same root (refused)", server: "chain", anchor: (c) => c.otherIntermediatePath, code: 60, verifyResult: "20" },
    { name: "the intermediate, for a leaf whose issuer has its name and another key (refused)", server: "forged", anchor: (c) => c.intermediatePath, code: 60, verifyResult: "20" },
    { name: "the intermediate, for a leaf for client authentication only (refused)", server: "client-only", anchor: (c) => c.intermediatePath, code: 60, verifyResult: "26" },
    { name: "the intermediate, for another name (refused)", server: "chain", anchor: (c) => c.intermediatePath, host: "other.test", code: 60, verifyResult: "1" },
    { name: "an intermediate whose name constraints leave the leaf out (refused)", server: "outside", anchor: (c) => c.constrainedPath, code: 60, verifyResult: "47" },
    { name: "the root, for a leaf outside its intermediate's name constraints (refused)", server: "outside", anchor: (c) => c.rootPath, code: 60, verifyResult: "47" },
    { name: "the root, for 127.0.0.1 named only by the common name", server: "ip-cn", anchor: (c) => c.rootPath, host: "127.0.0.1", code: 0, verifyResult: "0" },
    { name: "the root, for 127.0.0.1 as common name beside a DNS name (refused)", server: "ip-cn-dns", anchor: (c) => c.rootPath, host: "127.0.0.1", code: 60, verifyResult: "1" },
  ];
  test("a chain one CA deeper than a pathlen:0 CA allows: 60 and %{ssl_verify_result} 25 as curl; -k: 0 as curl (it was 35 with and without -k)", async () => {
    const p = port.get("too-deep")!;
    const text = (b: Uint8Array) => Buffer.from(b).toString();
    for (const k of [[], ["-k"]]) {
      const args = ["-s", "--retry", "0", "--cacert", chain.rootPath, ...k, "-w", "|%{exitcode}", `https://localhost:${p}/`];
      const [ours, theirs] = await Promise.all([runCli(args), runCommand([CURL!, ...args])]);
      expect({ k, code: ours.code }).toEqual({ k, code: theirs.code });
      expect(text(ours.stdout)).toBe(k.length ? "ok\n|0" : "|60");
    }
    const r = await runCli(["-sS", "--retry", "0", "--cacert", chain.rootPath, "-w", "%{ssl_verify_result}", `https://localhost:${p}/`]);
    expect(text(r.stdout)).toBe("25");
  });

  for (const c of CHAIN_CASES) {
    test(`--cacert ${c.name}: exit ${c.code}, %{ssl_verify_result} ${c.verifyResult}, as curl 7.88`, async () => {
      const host = c.host ?? "localhost";
      const p = port.get(c.server)!;
      const args = ["-sS", "--retry", "0", "--cacert", c.anchor(chain), "--resolve", `${host}:${p}:127.0.0.1`, "-w", "|%{ssl_verify_result}", `https://${host}:${p}/`];
      const text = (b: Uint8Array) => Buffer.from(b).toString();
      const [ours, theirs] = await Promise.all([runCli(args), runCommand([CURL!, ...args])]);
      expect({ code: ours.code, out: text(ours.stdout) }).toEqual({ code: theirs.code, out: text(theirs.stdout) });
      expect({ code: ours.code, out: text(ours.stdout) }).toEqual({ code: c.code, out: c.code === 0 ? `ok\n|${c.verifyResult}` : `|${c.verifyResult}` });
      if (ours.code !== 0) expect(ours.stderr.trim().split("\n")).toHaveLength(1);
    });
  }

  test("--capath with the intermediate (hashed, as curl needs): accepted as curl", async () => {
    const d = join(dir.path, "capath");
    mkdirSync(d);
    const hash = Bun.spawnSync(["openssl", "x509", "-hash", "-noout", "-in", chain.intermediatePath]).stdout.toString().trim();
    await Bun.write(join(d, `${hash}.0`), Bun.file(chain.intermediatePath));
    const p = port.get("chain")!;
    const args = ["-sS", "--retry", "0", "--capath", d, "-w", "|%{ssl_verify_result}", `https://localhost:${p}/`];
    const [ours, theirs] = await Promise.all([runCli(args), runCommand([CURL!, ...args])]);
    expect(ours.code).toBe(theirs.code);
    expect(ours.code).toBe(0);
    expect(Buffer.from(ours.stdout).toString()).toBe("ok\n|0");
  });

  test("--capath with the intermediate under its own name (not hashed): not trusted, 60 as curl (OpenSSL finds CAs by hash)", async () => {
    const d = join(dir.path, "capath-unhashed");
    mkdirSync(d);
    await Bun.write(join(d, "intermediate.pem"), Bun.file(chain.intermediatePath));
    const p = port.get("chain")!;
    const args = ["-sS", "--retry", "0", "--capath", d, "-w", "|%{ssl_verify_result}", `https://localhost:${p}/`];
    const [ours, theirs] = await Promise.all([runCli(args), runCommand([CURL!, ...args])]);
    expect({ code: theirs.code, out: Buffer.from(theirs.stdout).toString() }).toEqual({ code: 60, out: "|20" });
    expect({ code: ours.code, out: Buffer.from(ours.stdout).toString() }).toEqual({ code: 60, out: "|20" });
  });
});

describe.skipIf(!CURL)("--no-alpn: no ALPN in the handshake, as curl's", () => {
  test("the server sees http/1.1 offered, and nothing with --no-alpn", async () => {
    const d = join(dir.path, "alpn");
    mkdirSync(d);
    const cert = await makeCert(d);
    const seen: (string | false)[] = [];
    const server = tls.createServer({ key: cert.keyPem, cert: cert.certPem, ALPNProtocols: ["http/1.1"] }, (sock) => {
      seen.push(sock.alpnProtocol ?? false);
      sock.on("error", () => {});
      sock.once("data", () => sock.end("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `https://localhost:${(server.address() as AddressInfo).port}/`;
    for (const extra of [[], ["--no-alpn"]]) {
      const args = ["-sS", "--cacert", cert.caPath, ...extra, url];
      const ours = await runCli(args);
      const theirs = await runCommand([CURL!, ...args]);
      expect([ours.code, theirs.code]).toEqual([0, 0]);
    }
    expect(seen).toEqual(["http/1.1", "http/1.1", false, false]);
  });
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
