// curl's TLS options for client certificates and server checks: --pass (and -E FILE:PASSWORD) for an
// encrypted key, --ciphers, --crlfile. Each case runs Debian's curl 7.88 and fetchx against the same
// server: the same exit code and body. The servers are node:tls servers of this process (one that asks
// every client for a certificate signed by the test CA, one that speaks only TLS 1.2 with one cipher
// suite); certificates, the encrypted key and the CRLs are made by openssl.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { runCli, runCommand, tempDir, type TempDir } from "../servers/harness.ts";
import { makeCert, type TestCert } from "../servers/tls.ts";

const CURL = Bun.which("curl");
let dir: TempDir;
let cert: TestCert;
const servers: tls.Server[] = [];
let mtlsUrl: string;
let cipherUrl: string;

function openssl(args: string[]) {
  const p = Bun.spawnSync(["openssl", ...args], { cwd: dir.path, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`openssl ${args.join(" ")}: ${p.stderr.toString()}`);
}

/** A TLS server answering every request with one line: the client certificate's CN, or the cipher. */
async function listen(options: tls.TlsOptions, answer: (s: tls.TLSSocket) => string): Promise<string> {
  const server = tls.createServer(options, (sock) => {
    sock.on("error", () => {});
    sock.once("data", () => {
      const body = `${answer(sock)}\n`;
      sock.end(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    });
  });
  server.on("tlsClientError", () => {});
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

beforeAll(async () => {
  dir = tempDir("fetchx-tls-client-");
  cert = await makeCert(dir.path);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  // A client certificate from the test CA, its key in the clear and encrypted (PKCS#8, AES-256).
  openssl(["req", ...ec, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=fetchx client"]);
  openssl(["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "30", "-out", "client.pem"]);
  openssl(["pkey", "-in", "client.key", "-aes256", "-passout", "pass:hunter2:x", "-out", "client-enc.key"]);
  writeFileSync(join(dir.path, "cli:ent.pem"), readFileSync(join(dir.path, "client.pem")));
  // The same certificate and key as DER (--cert-type DER, --key-type DER): the key as PKCS#8 and as SEC1.
  openssl(["x509", "-in", "client.pem", "-outform", "DER", "-out", "client.der"]);
  openssl(["pkcs8", "-topk8", "-nocrypt", "-in", "client.key", "-outform", "DER", "-out", "client-key.der"]);
  openssl(["ec", "-in", "client.key", "-outform", "DER", "-out", "client-sec1.der"]);
  // CRLs of the test CA: one empty, one revoking the server's certificate.
  writeFileSync(join(dir.path, "index.txt"), "");
  writeFileSync(join(dir.path, "crlnumber"), "01\n");
  writeFileSync(join(dir.path, "ca.cnf"), "[ ca ]\ndefault_ca = d\n[ d ]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n");
  openssl(["ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.pem", "-out", "crl-empty.pem"]);
  openssl(["ca", "-config", "ca.cnf", "-revoke", "cert.pem", "-keyfile", "ca.key", "-cert", "ca.pem"]);
  openssl(["ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.pem", "-out", "crl-revoked.pem"]);

  mtlsUrl = await listen({ key: cert.keyPem, cert: cert.certPem, ca: cert.caPem, requestCert: true, rejectUnauthorized: true }, (s) => String((s.getPeerCertificate() as { subject?: { CN?: string } }).subject?.CN));
  cipherUrl = await listen({ key: cert.keyPem, cert: cert.certPem, maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256" }, (s) => s.getCipher().name);
});

afterAll(() => {
  for (const s of servers) s.close();
  dir?.[Symbol.dispose]();
});

interface Case {
  name: string;
  args: string[];
  /** "@MTLS" or "@CIPHER": the server asked. */
  server: "@MTLS" | "@CIPHER";
  /** The exit code both give (asserted, so the case cannot pass by both failing alike unnoticed). */
  code: number;
  stdout?: string;
}

const CASES: Case[] = [
  { name: "--pass decrypts the --key", server: "@MTLS", args: ["--cert", "client.pem", "--key", "client-enc.key", "--pass", "hunter2:x"], code: 0, stdout: "fetchx client\n" },
  { name: "-E FILE:PASSWORD (the first colon not after a backslash ends the file name)", server: "@MTLS", args: ["--cert", "cli\\:ent.pem:hunter2:x", "--key", "client-enc.key"], code: 0, stdout: "fetchx client\n" },
  { name: "a clear key with its certificate", server: "@MTLS", args: ["--cert", "client.pem", "--key", "client.key"], code: 0, stdout: "fetchx client\n" },
  { name: "--cert-type DER and --key-type DER (a PKCS#8 key; fetchx refused DER, exit 2)", server: "@MTLS", args: ["--cert", "client.der", "--cert-type", "DER", "--key", "client-key.der", "--key-type", "der"], code: 0, stdout: "fetchx client\n" },
  { name: "--key-type DER with a SEC1 key, beside a PEM certificate", server: "@MTLS", args: ["--cert", "client.pem", "--key", "client-sec1.der", "--key-type", "DER"], code: 0, stdout: "fetchx client\n" },
  { name: "--cert-type DER naming a PEM file: exit 58", server: "@MTLS", args: ["--cert", "client.pem", "--cert-type", "DER", "--key", "client.key"], code: 58 },
  { name: "--key-type DER naming a PEM key: exit 58", server: "@MTLS", args: ["--cert", "client.pem", "--key", "client.key", "--key-type", "DER"], code: 58 },
  { name: "--cert-type DER without --key: exit 58", server: "@MTLS", args: ["--cert", "client.der", "--cert-type", "DER"], code: 58 },
  { name: "a wrong --pass: exit 58 before anything is sent", server: "@MTLS", args: ["--cert", "client.pem", "--key", "client-enc.key", "--pass", "wrong"], code: 58 },
  { name: "a key that is not the certificate's: exit 58", server: "@MTLS", args: ["--cert", "client.pem", "--key", "key.pem"], code: 58 },
  { name: "no certificate for a server that wants one: exit 56", server: "@MTLS", args: [], code: 56 },
  { name: "-E whose file holds no key, and no --key: exit 58 before anything is sent", server: "@MTLS", args: ["--cert", "client.pem"], code: 58 },
  { name: "-E naming a file that does not exist: exit 58", server: "@MTLS", args: ["--cert", "no-such.pem", "--key", "client.key"], code: 58 },
  { name: "-k reads no --cacert: one that does not exist is no error", server: "@CIPHER", args: ["-k", "--cacert", "no-such.pem"], code: 0, stdout: "ECDHE-ECDSA-AES128-GCM-SHA256\n" },
  { name: "-k reads no --capath either", server: "@CIPHER", args: ["-k", "--capath", "no-such-dir"], code: 0, stdout: "ECDHE-ECDSA-AES128-GCM-SHA256\n" },
  { name: "a --capath that does not exist adds nothing: the --cacert still trusts the server", server: "@CIPHER", args: ["--capath", "no-such-dir"], code: 0, stdout: "ECDHE-ECDSA-AES128-GCM-SHA256\n" },
  { name: "--ciphers with the server's suite", server: "@CIPHER", args: ["--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"], code: 0, stdout: "ECDHE-ECDSA-AES128-GCM-SHA256\n" },
  { name: "--ciphers without it: handshake failure, exit 35", server: "@CIPHER", args: ["--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305"], code: 35 },
  { name: "--ciphers naming nothing known: exit 59", server: "@CIPHER", args: ["--ciphers", "NO-SUCH-CIPHER"], code: 59 },
  { name: "--crlfile revoking the server's certificate: exit 60", server: "@CIPHER", args: ["--crlfile", "crl-revoked.pem"], code: 60 },
  { name: "--crlfile that revokes nothing", server: "@CIPHER", args: ["--crlfile", "crl-empty.pem"], code: 0, stdout: "ECDHE-ECDSA-AES128-GCM-SHA256\n" },
  { name: "-k with a revoking --crlfile: not verified, so not refused", server: "@CIPHER", args: ["-k", "--crlfile", "crl-revoked.pem"], code: 0, stdout: "ECDHE-ECDSA-AES128-GCM-SHA256\n" },
  { name: "--crlfile that does not exist: exit 82", server: "@CIPHER", args: ["--crlfile", "no-such.pem"], code: 82 },
  { name: "--crlfile holding no CRL: exit 82", server: "@CIPHER", args: ["--crlfile", "ca.pem"], code: 82 },
];

describe.skipIf(!CURL)("TLS client options against curl 7.88", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const url = c.server === "@MTLS" ? mtlsUrl : cipherUrl;
      const args = ["-sS", "--retry", "0", "--cacert", cert.caPath, ...c.args, url];
      const ours = await runCli(args, { cwd: dir.path, env: { HOME: dir.path } });
      const theirs = await runCommand(["curl", ...args.filter((a) => a !== "--retry" && a !== "0"), "--retry", "0"], { cwd: dir.path, env: { HOME: dir.path } });
      expect({ code: ours.code, stderr: ours.code === c.code ? "" : ours.stderr }).toEqual({ code: c.code, stderr: "" });
      expect(theirs.code).toBe(c.code);
      expect(Buffer.from(ours.stdout).toString()).toBe(Buffer.from(theirs.stdout).toString());
      if (c.stdout !== undefined) expect(Buffer.from(ours.stdout).toString()).toBe(c.stdout);
      if (c.code !== 0) expect(ours.stderr.trim().split("\n")).toHaveLength(1);
    });
  }
});

describe("what the failures say", () => {
  const cli = (args: string[], url: string) => runCli(["-sS", "--cacert", cert.caPath, ...args, url], { cwd: dir.path, env: { HOME: dir.path } });

  test("a server's TLS alert (no client certificate) is not retried, even with fetchx's default retries", async () => {
    const r = await cli(["-w", "%{num_connects}"], mtlsUrl);
    expect(r.code).toBe(56);
    expect(r.stderr).toContain("ALERT_CERTIFICATE_REQUIRED");
    expect(Buffer.from(r.stdout).toString()).toBe("1");
  });

  test("an encrypted key without --pass names the fix; no retry is made of it", async () => {
    const r = await cli(["-v", "--cert", "client.pem", "--key", "client-enc.key"], mtlsUrl);
    expect(r.code).toBe(58);
    expect(r.stderr).toContain("give its passphrase with --pass");
    expect(r.stderr).not.toContain("retry");
  });

  test("a revoked server certificate: curl's words; with -k, curl's %{ssl_verify_result} (20: -k loads no CA)", async () => {
    const r = await cli(["--crlfile", "crl-revoked.pem"], cipherUrl);
    expect(r.stderr).toContain("SSL certificate problem: certificate revoked");
    const args = ["-sS", "--cacert", cert.caPath, "-k", "--crlfile", "crl-revoked.pem", "-o", "/dev/null", "-w", "%{ssl_verify_result}", cipherUrl];
    const k = await runCli(args, { cwd: dir.path, env: { HOME: dir.path } });
    expect({ code: k.code, out: Buffer.from(k.stdout).toString() }).toEqual({ code: 0, out: "20" });
    if (CURL) expect(Buffer.from((await runCommand([CURL, ...args], { cwd: dir.path, env: { HOME: dir.path } })).stdout).toString()).toBe("20");
  });

  test("an http:// URL never reads --crlfile (as curl, which reads it for TLS only)", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("plain\n") });
    try {
      const r = await cli(["--crlfile", "no-such.pem"], `http://127.0.0.1:${server.port}/`);
      expect({ code: r.code, out: Buffer.from(r.stdout).toString() }).toEqual({ code: 0, out: "plain\n" });
    } finally {
      server.stop(true);
    }
  });

  test("the encrypted key really is encrypted (the test would prove nothing otherwise)", () => {
    expect(readFileSync(join(dir.path, "client-enc.key"), "utf8")).toContain("BEGIN ENCRYPTED PRIVATE KEY");
  });
});

describe("when and how curl reads -E, --key and --pinnedpubkey, and what -w says of a TLS connection that failed", () => {
  const run = (cmd: string[], args: string[]) =>
    cmd[0] === "curl" ? runCommand([...cmd, ...args], { cwd: dir.path, env: { HOME: dir.path } }) : runCli(args, { cwd: dir.path, env: { HOME: dir.path } });

  test("-E/--key are read for a TLS connection only: an http:// URL ignores one that is missing or keyless; on https -w is still written (58)", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("plain\n") });
    try {
      for (const extra of [["--cert", "no-such.pem"], ["--cert", "client.pem"], ["--cert", "client.pem", "--key", "no-such.key"]]) {
        for (const cmd of CURL ? [["fetchx"], ["curl"]] : [["fetchx"]]) {
          const plain = await run(cmd, ["-sS", "--retry", "0", ...extra, `http://127.0.0.1:${server.port}/`]);
          expect({ cmd: cmd[0], extra, code: plain.code, out: Buffer.from(plain.stdout).toString() }).toEqual({ cmd: cmd[0], extra, code: 0, out: "plain\n" });
          const tls = await run(cmd, ["-s", "--retry", "0", "--cacert", cert.caPath, ...extra, "-o", "/dev/null", "-w", "%{http_code} %{ssl_verify_result}", mtlsUrl]);
          expect({ cmd: cmd[0], extra, code: tls.code, out: Buffer.from(tls.stdout).toString() }).toEqual({ cmd: cmd[0], extra, code: 58, out: "000 1" });
        }
      }
    } finally {
      server.stop(true);
    }
  });

  test("the TLS files are read once the TCP connection is up: with nothing listening, a missing --cacert, -E or --crlfile is 7, as curl's", async () => {
    const gone = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = gone.port;
    gone.stop(true);
    for (const extra of [["--cacert", "no-such.pem"], ["--cert", "no-such.pem"], ["--crlfile", "no-such.pem"], ["--pinnedpubkey", "no-such.pem"], ["--ciphers", ""]]) {
      const args = ["-s", "--retry", "0", ...extra, "-o", "/dev/null", `https://127.0.0.1:${port}/`];
      for (const cmd of CURL ? [["fetchx"], ["curl"]] : [["fetchx"]]) expect({ cmd: cmd[0], extra, code: (await run(cmd, args)).code }).toEqual({ cmd: cmd[0], extra, code: 7 });
    }
  });

  // curl's OpenSSL backend says 1 until it has checked the chain; the pin is checked after the chain.
  const VERIFY_CASES: { args: string[]; server: "@MTLS" | "@CIPHER"; code: number; out: string }[] = [
    { args: ["--ciphers", "NO-SUCH-CIPHER"], server: "@CIPHER", code: 59, out: "1" },
    { args: ["--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384"], server: "@CIPHER", code: 35, out: "1" },
    { args: ["--ciphers", ""], server: "@CIPHER", code: 59, out: "1" },
    { args: ["--cacert", "no-such.pem"], server: "@CIPHER", code: 77, out: "1" },
    { args: ["--crlfile", "no-such.pem"], server: "@CIPHER", code: 82, out: "1" },
    { args: ["--cert", "client.pem", "--key", "client-enc.key", "--pass", "wrong"], server: "@MTLS", code: 58, out: "1" },
    { args: ["--tlsv1.3", "--tls-max", "1.2"], server: "@CIPHER", code: 35, out: "0" },
    { args: ["-k", "--pinnedpubkey", "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="], server: "@CIPHER", code: 90, out: "20" },
    { args: ["--pinnedpubkey", "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="], server: "@CIPHER", code: 90, out: "0" },
  ];
  test("--pinnedpubkey lists are cut at \";sha256//\" only, as curl's: a space after the \";\" or a trailing \";\" matches nothing (90)", async () => {
    const der = Bun.spawnSync(["openssl", "pkey", "-in", join(dir.path, "key.pem"), "-pubout", "-outform", "DER"]).stdout;
    const pin = new Bun.CryptoHasher("sha256").update(der).digest("base64");
    const wrong = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    for (const [value, code] of [[`${wrong};sha256//${pin}`, 0], [`${wrong}; sha256//${pin}`, 90], [`sha256//${pin};`, 90], [`sha256//${pin}`, 0]] as const) {
      const args = ["-s", "--retry", "0", "--cacert", cert.caPath, "--pinnedpubkey", value, "-o", "/dev/null", cipherUrl];
      for (const cmd of CURL ? [["fetchx"], ["curl"]] : [["fetchx"]]) expect({ cmd: cmd[0], value, code: (await run(cmd, args)).code }).toEqual({ cmd: cmd[0], value, code });
    }
  });

  test("%{ssl_verify_result}: 1 when the connection failed before the chain was checked, the chain's result on a wrong pin (as curl 7.88)", async () => {
    for (const c of VERIFY_CASES) {
      const args = ["-s", "--retry", "0", "--cacert", cert.caPath, ...c.args, "-o", "/dev/null", "-w", "%{ssl_verify_result}", c.server === "@MTLS" ? mtlsUrl : cipherUrl];
      for (const cmd of CURL ? [["fetchx"], ["curl"]] : [["fetchx"]]) {
        const r = await run(cmd, args);
        expect({ cmd: cmd[0], args: c.args, code: r.code, out: Buffer.from(r.stdout).toString() }).toEqual({ cmd: cmd[0], args: c.args, code: c.code, out: c.out });
      }
    }
  });
});

describe("an http:// redirect to https:// whose TLS connection fails", () => {
  // %{num_connects} counts the TLS connection that failed (its TCP connection was made), as curl's.
  test("-L: %{url_effective} is the https:// URL followed to, as curl's (it stayed the first URL); %{num_connects} 2", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("", { status: 302, headers: { location: cipherUrl } }) });
    try {
      // Without --cacert the test CA is unknown (60); with a wrong pin, 90.
      for (const [extra, code] of [[[], 60], [["--cacert", cert.caPath, "--pinnedpubkey", "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="], 90]] as const) {
        const args = ["-s", "--retry", "0", "-L", ...extra, "-o", "/dev/null", "-w", "%{url_effective} %{num_redirects} %{http_code} %{num_connects}", `http://127.0.0.1:${server.port}/`];
        for (const cmd of CURL ? ["fetchx", "curl"] : ["fetchx"]) {
          const r = cmd === "curl" ? await runCommand(["curl", ...args], { cwd: dir.path, env: { HOME: dir.path } }) : await runCli(args, { cwd: dir.path, env: { HOME: dir.path } });
          expect({ cmd, code: r.code, out: Buffer.from(r.stdout).toString() }).toEqual({ cmd, code, out: `${cipherUrl} 1 302 2` });
        }
      }
    } finally {
      server.stop(true);
    }
  });
});

describe("curl 7.88's TLS options that change little or nothing", () => {
  // Each runs over https:// (the server wants a client certificate) and http://: the exit code and
  // %{http_code} of curl and fetchx.
  const CASES: { args: string[]; https: number; http: number }[] = [
    { args: ["-3"], https: 56, http: 0 },
    { args: ["-2", "--sslv3"], https: 56, http: 0 },
    { args: ["--ssl-reqd"], https: 56, http: 0 },
    { args: ["--ssl"], https: 56, http: 0 },
    { args: ["--cert", "client.pem", "--key", "client.key", "--cert-type", "PEM", "--key-type", "pem"], https: 0, http: 0 },
    // Below TLS 1.2 no version is left: the handshake fails (Debian's OpenSSL keeps 1.2 as its floor).
    { args: ["--tls-max", "1.1"], https: 35, http: 0 },
    { args: ["--tls-max", "1.0"], https: 35, http: 0 },
  ];
  test("-2, -3, --ssl, --ssl-reqd, --cert-type PEM, --tls-max 1.1: the exit codes of curl 7.88 (they were exit 2)", async () => {
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("plain\n") });
    try {
      for (const c of CASES) {
        for (const [url, code] of [[mtlsUrl, c.https], [`http://127.0.0.1:${server.port}/`, c.http]] as const) {
          const args = ["-s", "--retry", "0", "--cacert", cert.caPath, ...c.args, "-o", "/dev/null", "-w", "%{http_code}", url];
          const ours = await runCli(args, { cwd: dir.path, env: { HOME: dir.path } });
          const want = code === 0 ? "200" : "000";
          expect({ args: c.args, url, code: ours.code, out: Buffer.from(ours.stdout).toString() }).toEqual({ args: c.args, url, code, out: want });
          if (!CURL) continue; // curl 7.88's half of the comparison
          const theirs = await runCommand(["curl", ...args], { cwd: dir.path, env: { HOME: dir.path } });
          expect({ args: c.args, url, code: theirs.code, out: Buffer.from(theirs.stdout).toString() }).toEqual({ args: c.args, url, code, out: want });
        }
      }
    } finally {
      server.stop(true);
    }
  });

  test("--cert-type of another type than PEM or DER (P12, ENG) is refused before anything is sent", async () => {
    const r = await runCli(["-sS", "--cert", "client.pem", "--cert-type", "P12", "http://127.0.0.1:9/"], { cwd: dir.path, env: { HOME: dir.path } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("PEM and DER");
  });
});
