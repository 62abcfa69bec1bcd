// Guards what URLs we accept, what reaches the request line, and that names taken from a URL or a
// Content-Disposition can never point outside the output directory.

import { describe, expect, test } from "bun:test";
import { FetchxError } from "../../src/errors.ts";
import { fileNameFromUrl, parseUrl, resolveRedirect, sanitizeFileName } from "../../src/http/url.ts";

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FetchxError);
    return (err as FetchxError).code;
  }
  throw new Error("expected a FetchxError");
}

describe("parseUrl", () => {
  test("http and https with default and explicit ports", () => {
    expect(parseUrl("http://example.test/a/b?x=1#frag")).toMatchObject({
      host: "example.test",
      port: 80,
      target: "/a/b?x=1",
      secure: false,
    });
    expect(parseUrl("HTTPS://Example.TEST:8443")).toMatchObject({ host: "example.test", port: 8443, target: "/", secure: true });
  });

  test("no scheme means http, like curl", () => {
    expect(parseUrl("localhost:8080/file.bin")).toMatchObject({ host: "localhost", port: 8080, target: "/file.bin", secure: false });
    expect(parseUrl("127.0.0.1")).toMatchObject({ host: "127.0.0.1", port: 80, target: "/" });
  });

  test("IPv6 literal host comes without brackets", () => {
    expect(parseUrl("http://[2001:db8::1]:8080/x")).toMatchObject({ host: "2001:db8::1", port: 8080, target: "/x" });
  });

  test("an IPv6 zone id (RFC 6874) is kept beside the URL, as curl 7.88 reads it", () => {
    const u = parseUrl("http://[fe80::1%25eth0]:8080/f?q#h");
    expect(u).toMatchObject({ host: "fe80::1", zone: "eth0", port: 8080, target: "/f?q", href: "http://[fe80::1%25eth0]:8080/f?q#h" });
    // The URL object (Host header, cookies, file names) has no zone: WHATWG cannot hold one.
    expect(u.url.host).toBe("[fe80::1]:8080");
    expect(parseUrl("[fe80::1%253]/x")).toMatchObject({ zone: "3", href: "http://[fe80::1%253]/x" });
    // The older bare "%" form, so "%25" alone is the zone "25" (curl: "[fe80::1%2525]").
    expect(parseUrl("http://[fe80::1%eth0]/").href).toBe("http://[fe80::1%25eth0]/");
    expect(parseUrl("http://[fe80::1%25]/")).toMatchObject({ zone: "25", href: "http://[fe80::1%2525]/" });
    // Taken as given, not percent-decoded (curl neither); credentials still come out.
    expect(parseUrl("http://u:p@[fe80::1%25a%25b]/").zone).toBe("a%25b");
    expect(parseUrl("http://u:p@[fe80::1%25eth0]/")).toMatchObject({ user: "u:p", href: "http://[fe80::1%25eth0]/" });
    expect(parseUrl("http://[2001:db8::1]/").zone).toBeUndefined();
  });

  test("a zone that is empty, too long (IFNAMSIZ) or on an IPv4 literal in brackets -> BAD_URL; on a name -> RESOLVE, as curl", () => {
    for (const bad of ["http://[fe80::1%]/", "http://[fe80::1%250123456789abcdef]/", "http://[192.0.2.1%25eth0]/", "http://[fe80::1%25eth/0]/"])
      expect(codeOf(() => parseUrl(bad)), bad).toBe("BAD_URL");
    expect(parseUrl("http://[fe80::1%25123456789abcdef]/").zone).toBe("123456789abcdef");
    for (const bad of ["http://192.0.2.1%25eth0/", "http://host.test%25eth0:8080/"]) expect(codeOf(() => parseUrl(bad)), bad).toBe("RESOLVE");
  });

  test("userinfo is decoded, returned and removed from the URL", () => {
    const p = parseUrl("http://al%40ice:p%3Ass@host.test/private");
    expect(p.user).toBe("al@ice:p:ss");
    expect(p.url.href).toBe("http://host.test/private");
    expect(p.target).toBe("/private");
    expect(parseUrl("http://bob@host.test/").user).toBe("bob");
    expect(parseUrl("http://host.test/").user).toBeUndefined();
  });

  test("other protocols -> UNSUPPORTED_PROTOCOL naming the protocol", () => {
    expect(() => parseUrl("ftp://host/file")).toThrow('protocol "ftp" not supported');
    expect(codeOf(() => parseUrl("FILE:///etc/passwd"))).toBe("UNSUPPORTED_PROTOCOL");
  });

  test("malformed URLs -> BAD_URL", () => {
    for (const bad of ["", "http://", "http://exa mple.test/", "http://host:99999/", "http://host/\r\nX: y", "http://[::1/"])
      expect(codeOf(() => parseUrl(bad)), JSON.stringify(bad)).toBe("BAD_URL");
  });

  test("the request target is percent-encoded and dot segments are removed", () => {
    expect(parseUrl("http://h/a/../b/./c%20d?q=\u00e9").target).toBe("/b/c%20d?q=%C3%A9");
  });
});

describe("resolveRedirect", () => {
  const base = parseUrl("http://host.test/dir/page?x#top");
  test("relative, absolute-path, scheme-relative and absolute locations", () => {
    expect(resolveRedirect(base, "other")).toBe("http://host.test/dir/other#top");
    expect(resolveRedirect(base, "/root#here")).toBe("http://host.test/root#here");
    expect(resolveRedirect(base, "//cdn.test/f")).toBe("http://cdn.test/f#top");
    expect(resolveRedirect(base, "https://secure.test/")).toBe("https://secure.test/#top");
  });
  test("a location without an authority keeps the base's zone; one with an authority has its own or none (as curl)", () => {
    const zoned = parseUrl("http://[fe80::1%25eth0]:8080/d/f");
    expect(resolveRedirect(zoned, "g")).toBe("http://[fe80::1%25eth0]:8080/d/g");
    expect(resolveRedirect(zoned, "/x?y")).toBe("http://[fe80::1%25eth0]:8080/x?y");
    expect(resolveRedirect(zoned, "//[fe80::2%25eth1]/y")).toBe("http://[fe80::2%25eth1]/y");
    expect(resolveRedirect(zoned, "http://[fe80::1]:8080/z")).toBe("http://[fe80::1]:8080/z");
    expect(resolveRedirect(zoned, "http://other.test/")).toBe("http://other.test/");
    expect(codeOf(() => resolveRedirect(zoned, "http://[fe80::1%]/"))).toBe("BAD_URL");
  });
  test("non-HTTP targets and broken locations are refused", () => {
    expect(codeOf(() => resolveRedirect(base, "file:///etc/passwd"))).toBe("UNSUPPORTED_PROTOCOL");
    expect(codeOf(() => resolveRedirect(base, "http://[bad"))).toBe("BAD_URL");
    expect(codeOf(() => resolveRedirect(base, ""))).toBe("BAD_URL");
  });
});

describe("file names", () => {
  test("fileNameFromUrl takes the last segment as written (not percent-decoded, as curl's -O)", () => {
    expect(fileNameFromUrl(new URL("http://h/dir/r%C3%A9sum%C3%A9.pdf?download=1"))).toBe("r%C3%A9sum%C3%A9.pdf");
    expect(fileNameFromUrl(new URL("http://h/dir/a%20b.tgz"))).toBe("a%20b.tgz");
    expect(fileNameFromUrl(new URL("http://h/dir/"))).toBeNull();
    expect(fileNameFromUrl(new URL("http://h/"))).toBeNull();
    // "%2F" is no separator; the leading dots go (no hidden file), where curl keeps them.
    expect(fileNameFromUrl(new URL("http://h/a/..%2F..%2Fetc%2Fpasswd"))).toBe("%2F..%2Fetc%2Fpasswd");
    expect(fileNameFromUrl(new URL("http://h/x%2Fy.bin"))).toBe("x%2Fy.bin");
    expect(fileNameFromUrl(new URL("http://h/a/%2e%2e"))).toBeNull();
    expect(fileNameFromUrl(new URL("http://h/bad%E0%A4%A"))).toBe("bad%E0%A4%A");
  });

  test("sanitizeFileName refuses traversal, hidden names and control characters", () => {
    const cases: [string, string | null][] = [
      ["report.pdf", "report.pdf"],
      ["../../etc/passwd", "passwd"],
      ["..\\..\\windows\\system.ini", "system.ini"],
      ["/etc/shadow", "shadow"],
      ["..", null],
      [".", null],
      ["../", null],
      ["", null],
      ["   ", null],
      [".bashrc", "bashrc"],
      ["...hidden", "hidden"],
      ["a\u0000b\nc\r\u001bd.txt", "abcd.txt"],
      ["evil\u202Etxt.exe", "eviltxt.exe"],
      ["  spaced name.txt  ", "spaced name.txt"],
      ["dir/", null],
    ];
    for (const [input, want] of cases) expect(sanitizeFileName(input), JSON.stringify(input)).toBe(want);
  });

  test("long names are cut to 244 UTF-8 bytes (room for NAME.fetchx.tmp), keeping the extension; 244 stay whole", () => {
    const long = sanitizeFileName(`${"\u00e9".repeat(300)}.tar.gz`)!;
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(244);
    expect(Buffer.byteLength(long)).toBeGreaterThan(240);
    expect(sanitizeFileName("y".repeat(244))).toBe("y".repeat(244));
    expect(long.endsWith(".gz")).toBe(true);
    expect(long.startsWith("\u00e9")).toBe(true);
    expect(sanitizeFileName("x".repeat(1000))!.length).toBe(244);
  });
});
