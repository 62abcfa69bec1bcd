// Guards the header-value parsers the transfer layer trusts for resume, naming and retry decisions.

import { describe, expect, test } from "bun:test";
import {
  Headers,
  isStrongEtag,
  parseContentDisposition,
  parseContentRange,
  parseRetryAfter,
  parseUnsatisfiedRange,
} from "../../src/http/headers.ts";

describe("Headers", () => {
  test("keeps arrival order and spelling, looks up case-insensitively", () => {
    const h = new Headers([
      ["Content-Type", "text/plain"],
      ["X-Multi", "a"],
      ["x-multi", "b"],
    ]);
    expect(h.entries()).toEqual([
      ["Content-Type", "text/plain"],
      ["X-Multi", "a"],
      ["x-multi", "b"],
    ]);
    expect(h.get("content-type")).toBe("text/plain");
    expect(h.get("X-MULTI")).toBe("a, b");
    expect(h.getAll("x-multi")).toEqual(["a", "b"]);
    expect(h.has("missing")).toBe(false);
    expect(h.get("missing")).toBeUndefined();
  });
  test("hasToken reads comma lists", () => {
    const h = new Headers([["Connection", "Keep-Alive, Upgrade"]]);
    expect(h.hasToken("connection", "upgrade")).toBe(true);
    expect(h.hasToken("connection", "close")).toBe(false);
  });
});

describe("parseContentRange", () => {
  test("valid forms", () => {
    expect(parseContentRange("bytes 0-499/1234")).toEqual({ start: 0, end: 499, total: 1234 });
    expect(parseContentRange("Bytes 500-1233/*")).toEqual({ start: 500, end: 1233, total: null });
  });
  test("inconsistent or foreign forms are null", () => {
    for (const v of ["bytes 5-4/10", "bytes 0-10/10", "bytes */10", "items 0-1/2", "bytes 0-/10", "bytes -1-5/10", undefined])
      expect(parseContentRange(v), String(v)).toBeNull();
  });
  test("416's complete length", () => {
    expect(parseUnsatisfiedRange("bytes */1234")).toBe(1234);
    expect(parseUnsatisfiedRange("bytes 0-1/2")).toBeNull();
  });
});

describe("parseContentDisposition", () => {
  test("filename* (RFC 5987) wins and is UTF-8 decoded", () => {
    expect(parseContentDisposition(`attachment; filename="fallback.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20v2.pdf`)).toBe(
      "résumé v2.pdf",
    );
    expect(parseContentDisposition("attachment; filename*=iso-8859-1'en'caf%E9.txt")).toBe("café.txt");
  });
  test("quoted and token filename=", () => {
    expect(parseContentDisposition('attachment; filename="a \\"quoted\\" name; with semicolon.txt"')).toBe(
      'a "quoted" name; with semicolon.txt',
    );
    expect(parseContentDisposition("inline; FILENAME=plain.bin")).toBe("plain.bin");
    // Raw UTF-8 bytes arrive as Latin-1 text from the parser.
    expect(parseContentDisposition(`attachment; filename="${Buffer.from("日本.txt").toString("latin1")}"`)).toBe("日本.txt");
  });
  test("the raw (unsanitised) name is returned", () => {
    expect(parseContentDisposition('attachment; filename="../../etc/passwd"')).toBe("../../etc/passwd");
  });
  test("broken filename* falls back to filename; nothing usable is null", () => {
    expect(parseContentDisposition(`attachment; filename*=UTF-8''%ZZ; filename=ok.txt`)).toBe("ok.txt");
    expect(parseContentDisposition("attachment")).toBeNull();
    expect(parseContentDisposition('attachment; filename=""')).toBeNull();
    expect(parseContentDisposition(undefined)).toBeNull();
  });
});

describe("parseRetryAfter", () => {
  const now = Date.UTC(2015, 9, 21, 7, 28, 0);
  test("delta-seconds and HTTP-date", () => {
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:29:00 GMT", now)).toBe(60);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now)).toBe(0);
  });
  test("garbage is null", () => {
    for (const v of ["soon", "-5", "1.5", "", undefined]) expect(parseRetryAfter(v, now), String(v)).toBeNull();
  });
});

test("isStrongEtag", () => {
  expect(isStrongEtag('"abc123"')).toBe(true);
  expect(isStrongEtag('""')).toBe(true);
  expect(isStrongEtag('W/"abc123"')).toBe(false);
  expect(isStrongEtag("abc123")).toBe(false);
  expect(isStrongEtag('"a"b"')).toBe(false);
  expect(isStrongEtag(undefined)).toBe(false);
});
