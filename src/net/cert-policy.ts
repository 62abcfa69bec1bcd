// What curl's TLS stack refuses in a server certificate that Bun's (BoringSSL) lets through, checked after
// the handshake on the leaf the server sent (Bun gives no chain): OpenSSL's security level 2, Debian's
// default (a key under 2048 bits, 224 for elliptic curves; a signature made with SHA-1 or MD5), and
// curl's name rules (a wildcard is a whole leftmost label of a name with at least two more: no "f*.x.y",
// no "*.com"). Each answer carries OpenSSL's X509_V_ERR_* number, curl's %{ssl_verify_result}.

/** What a server certificate fails, as OpenSSL words it, or null. */
export interface CertFault {
  text: string;
  verifyResult: number;
}

/** The leaf's facts this needs (node:tls's PeerCertificate has them). */
export interface LeafFacts {
  bits?: number;
  /** Present for an RSA key. */
  modulus?: string;
  /** Present for an elliptic-curve key. */
  asn1Curve?: string;
  subjectaltname?: string;
  subject?: Record<string, unknown>;
  issuer?: Record<string, unknown>;
  raw?: Uint8Array;
}

// DER of the signature algorithms OpenSSL's level 2 refuses: SHA-1 and MD5 (and MD2, MD4) with RSA,
// ECDSA or DSA.
const WEAK_SIGNATURES = new Set([
  "2a864886f70d010102", // md2WithRSAEncryption
  "2a864886f70d010103", // md4WithRSAEncryption
  "2a864886f70d010104", // md5WithRSAEncryption
  "2a864886f70d010105", // sha1WithRSAEncryption
  "2b0e03021d", // sha1WithRSASignature (OIW)
  "2a8648ce3d0401", // ecdsa-with-SHA1
  "2a8648ce380403", // dsa-with-sha1
]);

/** The leaf's key or signature below curl's default security level, or null. */
export function weakness(leaf: LeafFacts): CertFault | null {
  return weakKey(leaf) ?? weakSignature(leaf);
}

/**
 * The leaf's key below the security level (OpenSSL finds it first, even when nothing is verified: -k): an
 * RSA key under 2048 bits, a curve under 224. Other keys (Ed25519, Ed448) are strong enough at any size.
 */
export function weakKey(leaf: LeafFacts): CertFault | null {
  const least = leaf.modulus !== undefined ? 2048 : leaf.asn1Curve !== undefined ? 224 : 0;
  return leaf.bits !== undefined && leaf.bits < least ? { text: "EE certificate key too weak", verifyResult: 66 } : null;
}

function weakSignature(leaf: LeafFacts): CertFault | null {
  // A self-signed leaf is its own trust anchor (given with --cacert): OpenSSL does not judge its signature.
  const selfSigned = JSON.stringify(leaf.subject) === JSON.stringify(leaf.issuer);
  const oid = leaf.raw && !selfSigned ? signatureOid(leaf.raw) : null;
  if (oid && WEAK_SIGNATURES.has(oid)) return { text: "CA signature digest algorithm too weak", verifyResult: 68 };
  return null;
}

/**
 * An IP literal named only by the leaf's common name: curl compares the common name when the leaf has no
 * DNS or IP subjectAltName at all (node:tls's check wants an IP SAN).
 */
export function commonNameIs(ip: string, leaf: LeafFacts): boolean {
  const alt = leaf.subjectaltname ?? "";
  return !/(^|, )(DNS|IP Address):/.test(alt) && leaf.subject?.CN === ip;
}

/**
 * Whether `host` (a DNS name) matches one of the leaf's DNS names by curl's rules, or its common name when
 * it has none: false where Bun's check accepted a partial wildcard ("f*.example.com") or one over a
 * single label ("*.com").
 */
export function nameMatches(host: string, leaf: LeafFacts): boolean {
  const dns = (leaf.subjectaltname ?? "")
    .split(", ")
    .filter((e) => e.startsWith("DNS:"))
    .map((e) => e.slice(4));
  const cn = leaf.subject?.CN;
  const names = dns.length > 0 ? dns : typeof cn === "string" ? [cn] : [];
  const h = host.toLowerCase().replace(/\.$/, "");
  return names.some((n) => matches(h, n.toLowerCase().replace(/\.$/, "")));
}

function matches(host: string, pattern: string): boolean {
  if (!pattern.includes("*")) return host === pattern;
  if (!pattern.startsWith("*.") || pattern.indexOf("*", 1) >= 0) return false;
  const rest = pattern.slice(2);
  if (!rest.includes(".")) return false;
  const dot = host.indexOf(".");
  return dot > 0 && host.slice(dot + 1) === rest;
}

/** The signature algorithm's OID (hex of its DER contents) of a DER certificate, or null. */
export function signatureOid(der: Uint8Array): string | null {
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE, signatureAlgorithm SEQUENCE { OID, ... }, ... }
  const outer = header(der, 0, 0x30);
  if (!outer) return null;
  const tbs = header(der, outer.start, 0x30);
  if (!tbs) return null;
  const alg = header(der, tbs.start + tbs.length, 0x30);
  if (!alg) return null;
  const oid = header(der, alg.start, 0x06);
  if (!oid || oid.start + oid.length > der.length) return null;
  return Buffer.from(der.subarray(oid.start, oid.start + oid.length)).toString("hex");
}

/** A DER element's tag check and length at `at`: where its contents start and how long they are. */
function header(der: Uint8Array, at: number, tag: number): { start: number; length: number } | null {
  if (at + 2 > der.length || der[at] !== tag) return null;
  const first = der[at + 1]!;
  if (first < 0x80) return { start: at + 2, length: first };
  const n = first & 0x7f;
  if (n === 0 || n > 4 || at + 2 + n > der.length) return null;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + der[at + 2 + i]!;
  return { start: at + 2 + n, length };
}

/** Bun's verdicts for a chain that does not reach a self-signed root it trusts. */
const UNANCHORED = new Set(["UNABLE_TO_GET_ISSUER_CERT", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN"]);

/** Whether Bun's verify error `code` could be a chain that a partial chain (below) accepts. */
export const unanchored = (code: string | undefined): boolean => UNANCHORED.has(code ?? "");

const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const ANY_PURPOSE = "2.5.29.37.0";
/** DER of the nameConstraints extension's OID (2.5.29.30). */
const NAME_CONSTRAINTS = Uint8Array.of(0x06, 0x03, 0x55, 0x1d, 0x1e);

/** Whether a DER certificate carries the extension whose OID's DER is `oid` (a byte search: OIDs are unique enough). */
const hasExtension = (der: Uint8Array, oid: Uint8Array) => Buffer.from(der.buffer, der.byteOffset, der.byteLength).indexOf(oid) >= 0;
const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * curl's partial chain (OpenSSL's X509_V_FLAG_PARTIAL_CHAIN, curl sets it from 7.68): a certificate given
 * with --cacert or --capath is a trust anchor even when it is not a self-signed root, an intermediate CA
 * or the server's own certificate. BoringSSL trusts only chains that end at a root, and Bun shows none of
 * the chain the server sent, only its leaf: so the leaf itself must be in `caPem`, or be issued by a CA
 * there (the issuing CA given as --cacert). node:crypto checks the issuer (names, key identifiers, key
 * usage) and the leaf's signature with the anchor's key, both validity periods (at `now`), and that the
 * leaf may serve TLS servers. Returns null when the leaf is anchored and sound, a fault curl would report
 * for an anchored leaf (expired, wrong purpose), or "unanchored" (the caller keeps Bun's verdict). A chain
 * through an intermediate the server sent, up to an anchor above it, stays refused.
 */
export function partialChain(leafDer: Uint8Array, caPem: string, now = Date.now()): CertFault | "unanchored" | null {
  // node:crypto only here: its import costs about 1.7 ms of a start (bench/startup.ts).
  const { X509Certificate } = import.meta.require("node:crypto") as typeof import("node:crypto");
  let leaf: InstanceType<typeof X509Certificate>;
  try {
    leaf = new X509Certificate(leafDer);
  } catch {
    return "unanchored";
  }
  let anchor: InstanceType<typeof X509Certificate> | null = null;
  for (const pem of caPem.match(PEM_BLOCK) ?? []) {
    let ca: InstanceType<typeof X509Certificate>;
    try {
      ca = new X509Certificate(pem);
    } catch {
      continue; // a block that does not parse anchors nothing (BoringSSL read the bundle already)
    }
    if (Buffer.compare(ca.raw, leaf.raw) === 0 || (ca.ca && leaf.checkIssued(ca) && leaf.verify(ca.publicKey))) {
      anchor = ca;
      break;
    }
  }
  // An anchor that constrains names (OpenSSL checks them against the leaf) is left to Bun's verdict.
  if (!anchor || hasExtension(anchor.raw, NAME_CONSTRAINTS)) return "unanchored";
  for (const c of [leaf, anchor]) {
    if (now > Date.parse(c.validTo)) return { text: "certificate has expired", verifyResult: 10 };
    if (now < Date.parse(c.validFrom)) return { text: "certificate is not yet valid", verifyResult: 9 };
  }
  const purposes = leaf.keyUsage; // the extended key usage OIDs, when the leaf names any
  if (purposes && purposes.length > 0 && !purposes.includes(SERVER_AUTH) && !purposes.includes(ANY_PURPOSE))
    return { text: "unsuitable certificate purpose", verifyResult: 26 };
  return null;
}
