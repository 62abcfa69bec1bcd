// Certificates for TLS tests, made with openssl: a self-signed CA and a leaf signed by it, so a test can
// trust the server through --cacert (and see verification fail without it).
import { join } from "node:path";

export interface TestCert {
  caPem: string;
  certPem: string;
  keyPem: string;
  caPath: string;
  certPath: string;
  keyPath: string;
}

export interface CertOptions {
  /** Leaf common name (default "localhost"). */
  cn?: string;
  /** subjectAltName entries in openssl syntax (default DNS:localhost, IP:127.0.0.1, IP:::1). */
  altNames?: string[];
  /** The leaf's key: an EC P-256 key (default) or RSA of this many bits. */
  leafRsaBits?: number;
  /** The digest the CA signs the leaf with (default sha256; "sha1" for a certificate curl refuses). */
  digest?: string;
  /** The leaf's extendedKeyUsage (default serverAuth). */
  extendedKeyUsage?: string;
}

function openssl(args: string[], cwd: string) {
  const p = Bun.spawnSync(["openssl", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${p.stderr.toString()}`);
}

/** Write ca.pem, cert.pem (the leaf only) and key.pem into dir and return their contents and paths. */
export async function makeCert(dir: string, opts: CertOptions = {}): Promise<TestCert> {
  const cn = opts.cn ?? "localhost";
  const altNames = opts.altNames ?? ["DNS:localhost", "IP:127.0.0.1", "IP:::1"];
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "30", "-subj", "/CN=fetchx test CA",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], dir);
  const leafKey = opts.leafRsaBits ? ["-newkey", `rsa:${opts.leafRsaBits}`, "-nodes"] : ec;
  openssl(["req", ...leafKey, "-keyout", "key.pem", "-out", "leaf.csr", "-subj", `/CN=${cn}`], dir);
  await Bun.write(join(dir, "leaf.ext"),
    `subjectAltName=${altNames.join(",")}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=${opts.extendedKeyUsage ?? "serverAuth"}\n`);
  openssl(["x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "30",
    `-${opts.digest ?? "sha256"}`, "-extfile", "leaf.ext", "-out", "cert.pem"], dir);
  const read = (name: string) => Bun.file(join(dir, name)).text();
  return {
    caPem: await read("ca.pem"),
    certPem: await read("cert.pem"),
    keyPem: await read("key.pem"),
    caPath: join(dir, "ca.pem"),
    certPath: join(dir, "cert.pem"),
    keyPath: join(dir, "key.pem"),
  };
}
