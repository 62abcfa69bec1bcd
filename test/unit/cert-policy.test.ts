// net/cert-policy.ts: curl's name rules for wildcards, and the signature algorithm read from a
// certificate's DER (openssl makes one signed with SHA-1 and one with SHA-256).
import { afterAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { mkdirSync } from "node:fs";
import { commonNameIs, nameMatches, partialChain, signatureOid, weakness } from "../../src/net/cert-policy.ts";
import { tempDir } from "../servers/harness.ts";
import { makeCert, makeChain } from "../servers/tls.ts";

const dir = tempDir("fetchx-cert-policy-");
afterAll(() => dir.cleanup());

describe("nameMatches: a wildcard only as a whole leftmost label, over at least two labels", () => {
  const leaf = (...dns: string[]) => ({ subjectaltname: dns.map((d) => `DNS:${d}`).join(", "), subject: { CN: "ignored.example" } });
  test.each([
    ["foo.example.test", ["*.example.test"], true],
    ["FOO.Example.Test.", ["*.example.test"], true],
    ["a.b.example.test", ["*.example.test"], false],
    ["example.test", ["*.example.test"], false],
    ["foo.example.test", ["f*.example.test"], false],
    ["foo.example.test", ["*o.example.test"], false],
    ["foo.test", ["*.test"], false],
    ["foo.example.test", ["foo.*.test"], false],
    ["foo.example.test", ["bar.example.test", "foo.example.test"], true],
  ] as const)("%s against %p: %p", (host, dns, ok) => {
    expect(nameMatches(host, leaf(...dns))).toBe(ok);
  });
  test("the common name counts only without DNS names", () => {
    expect(nameMatches("cn.example", { subject: { CN: "cn.example" } })).toBe(true);
    expect(nameMatches("cn.example", { subjectaltname: "DNS:other.example", subject: { CN: "cn.example" } })).toBe(false);
  });
});

describe("weakness", () => {
  test("the signature algorithm of a SHA-1 and a SHA-256 certificate, from their DER", async () => {
    const sha1 = new X509Certificate((await makeCert(`${dir.path}`, { digest: "sha1" })).certPem);
    expect(signatureOid(new Uint8Array(sha1.raw))).toBe("2a8648ce3d0401"); // ecdsa-with-SHA1
    expect(weakness({ raw: new Uint8Array(sha1.raw), bits: 256, asn1Curve: "prime256v1", subject: { CN: "localhost" }, issuer: { CN: "fetchx test CA" } })?.verifyResult).toBe(68);
    // A self-signed leaf is its own anchor: its signature is not judged.
    expect(weakness({ raw: new Uint8Array(sha1.raw), bits: 256, asn1Curve: "prime256v1", subject: { CN: "x" }, issuer: { CN: "x" } })).toBeNull();
    const sha256 = new X509Certificate((await makeCert(`${dir.path}`)).certPem);
    expect(signatureOid(new Uint8Array(sha256.raw))).toBe("2a8648ce3d040302"); // ecdsa-with-SHA256
  });
  test("key sizes: RSA under 2048 bits, curves under 224; an Ed25519 key at any size", () => {
    expect(weakness({ bits: 1024, modulus: "C0FFEE" })?.verifyResult).toBe(66);
    expect(weakness({ bits: 2048, modulus: "C0FFEE" })).toBeNull();
    expect(weakness({ bits: 253 })).toBeNull();
    expect(weakness({ bits: 192, asn1Curve: "prime192v1" })?.verifyResult).toBe(66);
    expect(weakness({ bits: 256, asn1Curve: "prime256v1" })).toBeNull();
  });
  test("DER that is not a certificate: no algorithm", () => {
    expect(signatureOid(new Uint8Array([1, 2, 3]))).toBeNull();
    expect(signatureOid(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))).toBeNull();
  });
});

describe("partialChain: a leaf anchored by its issuing CA or by itself, as curl's partial chain", () => {
  const DAY = 24 * 3600 * 1000;
  const der = (pem: string) => new Uint8Array(new X509Certificate(pem).raw);
  test("anchored and sound: null; expired or not yet valid at another time: curl's 10 and 9", async () => {
    const d = `${dir.path}/chain`;
    mkdirSync(d);
    const c = await makeChain(d);
    const int = await Bun.file(c.intermediatePath).text();
    const leaf = der(c.leafPem);
    expect(partialChain(leaf, int)).toBeNull();
    expect(partialChain(leaf, c.leafPem)).toBeNull();
    expect(partialChain(leaf, int, Date.now() + 60 * DAY)).toEqual({ text: "certificate has expired", verifyResult: 10 });
    expect(partialChain(leaf, int, Date.now() - 2 * DAY)).toEqual({ text: "certificate is not yet valid", verifyResult: 9 });
    expect(partialChain(der(c.clientOnlyPem), int)).toEqual({ text: "unsuitable certificate purpose", verifyResult: 26 });
    // Not anchored: a bundle without its issuer, a forged issuer name, a leaf that does not parse.
    expect(partialChain(leaf, await Bun.file(c.rootPath).text())).toBe("unanchored");
    expect(partialChain(leaf, await Bun.file(c.otherIntermediatePath).text())).toBe("unanchored");
    expect(partialChain(der(c.forgedPem), int)).toBe("unanchored");
    expect(partialChain(new Uint8Array([0x30, 0x03, 1, 2, 3]), int)).toBe("unanchored");
    // The anchor among others in one bundle, with a block that does not parse before it.
    const junk = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    expect(partialChain(leaf, junk + (await Bun.file(c.rootPath).text()) + int)).toBeNull();
  });
});

describe("commonNameIs: an IP named by the common name only when no DNS or IP subjectAltName is there", () => {
  test.each([
    [{ subject: { CN: "127.0.0.1" } }, true],
    [{ subject: { CN: "127.0.0.1" }, subjectaltname: "email:a@b.test" }, true],
    [{ subject: { CN: "127.0.0.1" }, subjectaltname: "DNS:foo.test" }, false],
    [{ subject: { CN: "127.0.0.1" }, subjectaltname: "IP Address:10.0.0.1" }, false],
    [{ subject: { CN: "127.0.0.2" } }, false],
  ])("%j: %p", (leaf, expected) => {
    expect(commonNameIs("127.0.0.1", leaf)).toBe(expected);
  });
});
