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

export interface TestChain {
  /** A self-signed root, and an intermediate CA it signed. */
  rootPath: string;
  intermediatePath: string;
  /** The leaf key every leaf below uses. */
  keyPem: string;
  /** Leaves for localhost (and 127.0.0.1) signed by the intermediate. */
  leafPem: string;
  leafPath: string;
  /** The leaf followed by the intermediate: what a server sends. */
  chainPem: string;
  /** A leaf for client authentication only. */
  clientOnlyPem: string;
  /** A leaf whose issuer carries the intermediate's name but was signed by another key. */
  forgedPem: string;
  /** Another intermediate of the same root (it signed none of the leaves). */
  otherIntermediatePath: string;
  /** An intermediate whose names are constrained to allowed.test, and a localhost leaf it signed. */
  constrainedPath: string;
  outsideConstraintsPem: string;
  /** leaf <- CA <- CA with pathlen:0 <- root, as a server sends it: one CA too many below pathlen:0. */
  pathTooLongPem: string;
  /** A leaf signed by the root with no subjectAltName and CN=127.0.0.1; the same with DNS:foo.test. */
  ipCommonNamePem: string;
  ipCommonNameWithDnsPem: string;
}

/** root -> intermediate -> leaves, made with openssl in `dir` (for curl's partial chain). */
export async function makeChain(dir: string): Promise<TestChain> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const caExt = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"];
  await Bun.write(join(dir, "ca.ext"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  const sign = async (csr: string, ca: string, ext: string, out: string) => {
    await Bun.write(join(dir, `${out}.ext`), ext);
    openssl(["x509", "-req", "-in", csr, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-days", "30", "-extfile", `${out}.ext`, "-out", `${out}.pem`], dir);
  };
  openssl(["req", "-x509", ...ec, "-keyout", "root.key", "-out", "root.pem", "-days", "30", "-subj", "/CN=fetchx test root", ...caExt], dir);
  for (const [name, cn] of [["int", "fetchx test intermediate"], ["int2", "fetchx other intermediate"]]) {
    openssl(["req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`], dir);
    await sign(`${name}.csr`, "root", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n", name);
  }
  openssl(["req", ...ec, "-keyout", "nc.key", "-out", "nc.csr", "-subj", "/CN=fetchx constrained intermediate"], dir);
  await sign("nc.csr", "root", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nnameConstraints=critical,permitted;DNS:allowed.test\n", "nc");
  openssl(["req", ...ec, "-keyout", "pl0.key", "-out", "pl0.csr", "-subj", "/CN=fetchx pathlen 0"], dir);
  await sign("pl0.csr", "root", "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n", "pl0");
  openssl(["req", ...ec, "-keyout", "pl1.key", "-out", "pl1.csr", "-subj", "/CN=fetchx under pathlen 0"], dir);
  await sign("pl1.csr", "pl0", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n", "pl1");
  openssl(["req", "-x509", ...ec, "-keyout", "fake.key", "-out", "fake.pem", "-days", "30", "-subj", "/CN=fetchx test intermediate", ...caExt], dir);
  openssl(["req", ...ec, "-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=localhost"], dir);
  const leafExt = (eku: string, alt = "subjectAltName=DNS:localhost,IP:127.0.0.1\n") =>
    `${alt}basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=${eku}\n`;
  await sign("leaf.csr", "int", leafExt("serverAuth"), "leaf");
  await sign("leaf.csr", "int", leafExt("clientAuth"), "client-only");
  await sign("leaf.csr", "fake", leafExt("serverAuth"), "forged");
  await sign("leaf.csr", "nc", leafExt("serverAuth"), "outside");
  await sign("leaf.csr", "pl1", leafExt("serverAuth"), "too-deep");
  openssl(["req", "-key", "key.pem", "-new", "-out", "ip.csr", "-subj", "/CN=127.0.0.1"], dir);
  await sign("ip.csr", "root", leafExt("serverAuth", ""), "ip-cn");
  await sign("ip.csr", "root", leafExt("serverAuth", "subjectAltName=DNS:foo.test\n"), "ip-cn-dns");
  const read = (name: string) => Bun.file(join(dir, name)).text();
  const [leafPem, intPem] = [await read("leaf.pem"), await read("int.pem")];
  return {
    rootPath: join(dir, "root.pem"),
    intermediatePath: join(dir, "int.pem"),
    keyPem: await read("key.pem"),
    leafPem,
    leafPath: join(dir, "leaf.pem"),
    chainPem: leafPem + intPem,
    clientOnlyPem: await read("client-only.pem"),
    forgedPem: await read("forged.pem"),
    otherIntermediatePath: join(dir, "int2.pem"),
    constrainedPath: join(dir, "nc.pem"),
    outsideConstraintsPem: await read("outside.pem"),
    pathTooLongPem: (await read("too-deep.pem")) + (await read("pl1.pem")) + (await read("pl0.pem")),
    ipCommonNamePem: await read("ip-cn.pem"),
    ipCommonNameWithDnsPem: await read("ip-cn-dns.pem"),
  };
}
