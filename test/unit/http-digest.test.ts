// HTTP Digest (RFC 7616): the challenge as servers write it, and the answer checked against the RFC's own
// example (section 3.9.1, MD5 and SHA-256).
import { describe, expect, test } from "bun:test";
import { digestAuthorization, digestChallenge } from "../../src/http/digest.ts";

const RFC = (algorithm: string) =>
  `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`;
const CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

describe("Digest", () => {
  test("RFC 7616 3.9.1: the responses for MD5 and SHA-256", () => {
    for (const [algorithm, response] of [
      ["MD5", "8ca523f5e9506fed4657c9700eebdbec"],
      ["SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"],
    ]) {
      const c = digestChallenge([RFC(algorithm!)])!;
      const header = digestAuthorization(c, "Mufasa:Circle of Life", "GET", "/dir/index.html", 1, CNONCE);
      expect(header).toBe(
        `Digest username="Mufasa", realm="http-auth@example.org", nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", uri="/dir/index.html", cnonce="${CNONCE}", nc=00000001, qop=auth, response="${response}", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", algorithm=${algorithm}`,
      );
    }
  });

  test("challenges: found among others, quoted commas and escapes, stale; unanswerable ones skipped", () => {
    expect(digestChallenge(['Basic realm="x", Digest realm="r", nonce="n", stale=TRUE'])).toEqual({ realm: "r", nonce: "n", algorithm: "MD5", stale: true });
    expect(digestChallenge(['Digest realm="r, with comma", nonce="n\\"q", qop=auth, Basic realm="b"'])).toEqual({ realm: "r, with comma", nonce: 'n"q', algorithm: "MD5", qop: "auth", stale: false });
    expect(digestChallenge(['Digest realm="r", nonce="n", qop="auth-int"'])).toBeNull(); // only a body hash: not offered
    expect(digestChallenge(['Digest realm="r", nonce="n", algorithm=SHA-1'])).toBeNull();
    expect(digestChallenge(['Digest realm="r"'])).toBeNull(); // no nonce
    expect(digestChallenge(['Basic realm="r"'])).toBeNull();
  });

  test("the nonce count goes in hex, eight digits; without qop (RFC 2069) no cnonce or nc", () => {
    const c = digestChallenge(['Digest realm="r", nonce="n", qop=auth'])!;
    expect(digestAuthorization(c, "u:p", "GET", "/", 26, "c")).toContain("nc=0000001a");
    const old = digestChallenge(['Digest realm="r", nonce="n"'])!;
    const header = digestAuthorization(old, "u:p", "GET", "/", 1, "c");
    expect(header).not.toContain("cnonce");
    expect(header).not.toContain("qop");
  });
});

test("20,000 seeded random challenges: parsed or skipped, never a throw", () => {
  let seed = 777;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const pieces = ["realm", "nonce", "qop", "algorithm", "opaque", "stale", "=", '"', "\\", ",", " ", "auth", "MD5", "SHA-256", "-sess", "x", "Digest", "Basic"];
  let answered = 0;
  for (let i = 0; i < 20_000; i++) {
    let s = "";
    for (let j = Math.floor(rnd() * 14); j > 0; j--) s += pieces[Math.floor(rnd() * pieces.length)];
    const c = digestChallenge([`Digest ${s}`, s]);
    if (c) {
      expect(digestAuthorization(c, "u:p", "GET", "/", 1, "c")).toStartWith("Digest username=");
      answered++;
    }
  }
  expect(answered).toBeGreaterThan(0);
});
