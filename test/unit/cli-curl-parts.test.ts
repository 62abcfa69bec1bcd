// The pure parts behind curl's options: the cookie jar, netrc lookup, -K config words, --proto sets and
// the body joiner, --next groups. The wire behaviour is in test/e2e/curl-compat.test.ts, against curl itself.
import { describe, expect, test } from "bun:test";
import { joinData, urlEncode } from "../../src/cli/body.ts";
import { parseProto } from "../../src/cli/compat-options.ts";
import { configWords } from "../../src/cli/config.ts";
import { netrcLookup } from "../../src/cli/netrc.ts";
import { parseArgv, shareGlobals, splitNext } from "../../src/cli/parse.ts";
import { CookieJar } from "../../src/http/cookies.ts";

test("cookie jar: domain, host-only, path, secure, expiry, and the Netscape round trip", () => {
  let now = 1000;
  const jar = new CookieJar(() => now);
  jar.receive("a=1; Path=/app", new URL("http://example.com/app/x"));
  jar.receive("b=2; Domain=example.com; Secure", new URL("https://www.example.com/"));
  jar.receive("c=3; Max-Age=10", new URL("http://example.com/"));
  jar.receive("evil=1; Domain=other.org", new URL("http://example.com/"));
  expect(jar.header(new URL("http://example.com/app/y"))).toBe("a=1; c=3");
  expect(jar.header(new URL("http://example.com/application"))).toBe("c=3");
  expect(jar.header(new URL("https://sub.example.com/"))).toBe("b=2");
  expect(jar.header(new URL("http://sub.example.com/"))).toBe("");
  now = 2000;
  expect(jar.header(new URL("http://example.com/"))).toBe("");
  const copy = new CookieJar(() => now);
  copy.load(jar.toNetscape());
  expect(copy.list()).toEqual(jar.list());
  jar.receive("a=gone; Path=/app; Max-Age=0", new URL("http://example.com/app/"));
  expect(jar.header(new URL("http://example.com/app/y"))).toBe("");
});

test("cookie jar: plain http never replaces a Secure cookie of that name (RFC 6265bis, as curl 7.88)", () => {
  const jar = new CookieJar(() => 1000);
  jar.receive("s=sec; Secure; Path=/", new URL("https://a.example.com/"));
  jar.receive("s=insecure; Path=/", new URL("http://a.example.com/"));
  jar.receive("s=sub; Domain=example.com; Path=/", new URL("http://b.example.com/"));
  jar.receive("t=plain; Path=/", new URL("http://a.example.com/"));
  expect(jar.header(new URL("https://a.example.com/q"))).toBe("t=plain; s=sec"); // newest first
  expect(jar.list().filter((c) => c.name === "s").map((c) => [c.value, c.secure])).toEqual([["sec", true]]);
  // Over https the same name replaces it.
  jar.receive("s=new; Secure; Path=/", new URL("https://a.example.com/"));
  expect(jar.header(new URL("https://a.example.com/q"))).toBe("t=plain; s=new"); // replaced in its place
});

test("netrc: the machine's entry, else default; quoted tokens and macdef skipped", () => {
  const text = 'machine a.example login alice password "p w"\nmacdef init\ncd /\n\ndefault login anon password x\n';
  expect(netrcLookup(text, "A.example")).toEqual({ login: "alice", password: "p w" });
  expect(netrcLookup(text, "b.example")).toEqual({ login: "anon", password: "x" });
  expect(netrcLookup("machine a login u password p\n", "b")).toBeNull();
});

test("config words: curlrc's separators, quotes, escapes, short options and comments", () => {
  const words = configWords('# c\n--silent\nurl = "http://h/a b"\noutput: out\n-o x\n-H "X: \\"q\\""\nheader=Y: 1\nlocation\n');
  expect(words).toEqual(["--silent", "--url", "http://h/a b", "--output", "out", "-o", "x", "-H", 'X: "q"', "--header", "Y:", "--location"]);
});

test("--proto: + adds, - removes, = sets, all and unknown names", () => {
  expect(parseProto("=https", "proto")).toEqual(["https"]);
  expect(parseProto("-all,+http", "proto")).toEqual(["http"]);
  expect(parseProto("-http", "proto")).toEqual(["https", "file"]);
  expect(parseProto("https", "proto")).toEqual(["http", "https", "file"]);
  expect(parseProto("=ftp", "proto")).toEqual([]);
  expect(parseProto("-file", "proto")).toEqual(["http", "https"]);
});

test("-d pieces join with &, never before a --json piece (curl 7.88's join); urlencode as curl", () => {
  const d = (kind: "data" | "json", value: string) => ({ kind, value });
  expect(new TextDecoder().decode(joinData([d("data", "a=1"), d("json", "{"), d("json", "}"), d("data", "b")], () => {}))).toBe("a=1{}&b");
  expect(urlEncode("a b/é~", "+")).toBe("a+b%2F%C3%A9~");
});

describe("--next", () => {
  test("the words split at --next and -:, never after --", () => {
    expect(splitNext(["-s", "A", "--next", "-o", "f", "B", "-:", "C"])).toEqual([["-s", "A"], ["-o", "f", "B"], ["C"]]);
    expect(splitNext(["A", "--", "--next", "-:"])).toEqual([["A", "--", "--next", "-:"]]);
    expect(splitNext([])).toEqual([[]]);
  });

  test("global options (-v, -Z, -S, --fail-early, --stderr) reach every group; the others stay in theirs", () => {
    const raws = splitNext(["-v", "-f", "A", "--next", "-Z", "--parallel-max", "3", "B"]).map((w) => parseArgv(w));
    shareGlobals(raws);
    expect(raws.map((r) => [r.values.get("verbose"), r.values.get("parallel"), r.values.get("parallel-max"), r.values.get("fail")])).toEqual([
      [true, true, "3", true],
      [true, true, "3", undefined],
    ]);
  });
});
