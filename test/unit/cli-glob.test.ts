// URL globbing as curl does it (src/tool_urlglob.c; each expectation below was checked against curl 7.88's
// -w %{url_effective} and its errors): sets, ranges, their order, padding, steps, escapes, IPv6 literals,
// "#N" in -o names, and how -o names pair with globbed URLs.
import { describe, expect, test } from "bun:test";
import { FetchxError } from "../../src/errors.ts";
import { expandGlobs, fillOutputName, globUrls, MAX_GLOB_URLS } from "../../src/cli/glob.ts";

const urls = (u: string) => globUrls(u).map((g) => g.url);
const failure = (u: string): string => {
  try {
    globUrls(u);
  } catch (err) {
    expect(err).toBeInstanceOf(FetchxError);
    expect((err as FetchxError).exitCode).toBe(3);
    return (err as Error).message;
  }
  throw new Error(`${u} was accepted`);
};

describe("globUrls", () => {
  test("a URL without patterns is itself", () => {
    expect(globUrls("http://h/a?b=c#d")).toEqual([{ url: "http://h/a?b=c#d", values: [] }]);
  });

  test("sets and ranges, the last pattern changing fastest", () => {
    expect(urls("http://h/{a,b}/[1-2]")).toEqual(["http://h/a/1", "http://h/a/2", "http://h/b/1", "http://h/b/2"]);
    expect(urls("http://h/[0-1]?q={x,y}")).toEqual(["http://h/0?q=x", "http://h/0?q=y", "http://h/1?q=x", "http://h/1?q=y"]);
    expect(globUrls("http://h/{a,b}[1-2]")[3]).toEqual({ url: "http://h/b2", values: ["b", "2"] });
  });

  test("ranges: padding from a leading zero, steps, letters", () => {
    expect(urls("h/[008-011]")).toEqual(["h/008", "h/009", "h/010", "h/011"]);
    expect(urls("h/[8-11]")).toEqual(["h/8", "h/9", "h/10", "h/11"]);
    expect(urls("h/[1-10:3]")).toEqual(["h/1", "h/4", "h/7", "h/10"]);
    expect(urls("h/[a-e:2]")).toEqual(["h/a", "h/c", "h/e"]);
    expect(urls("h/[A-C]")).toEqual(["h/A", "h/B", "h/C"]);
    expect(urls("h/[1-1]")).toEqual(["h/1"]);
  });

  test("sets may hold empty items; a backslash makes a bracket, brace or comma literal", () => {
    expect(urls("h/{a,}")).toEqual(["h/a", "h/"]);
    expect(urls("h/{,a}")).toEqual(["h/", "h/a"]);
    expect(urls("h/\\[1-2\\]")).toEqual(["h/[1-2]"]);
    expect(urls("h/\\{a,b\\}")).toEqual(["h/{a,b}"]);
    expect(urls("h/{a\\,b,c}")).toEqual(["h/a,b", "h/c"]);
  });

  test("an IPv6 literal is not a range; a range after it is", () => {
    expect(urls("http://[::1]:8080/x")).toEqual(["http://[::1]:8080/x"]);
    expect(urls("http://[fe80::1%25eth0]/[1-2]")).toEqual(["http://[fe80::1%25eth0]/1", "http://[fe80::1%25eth0]/2"]);
    expect(urls("http://h/[]")).toEqual(["http://h/[]"]);
  });

  test("curl's errors, exit 3, with the position", () => {
    expect(failure("h/{}")).toBe("empty string within braces in URL position 4: h/{}");
    expect(failure("h/{a,{b}}")).toStartWith("nested brace in URL position 6");
    expect(failure("h/a]")).toStartWith("unmatched close brace/bracket in URL position 4");
    expect(failure("h/{a,b}}")).toStartWith("unmatched close brace/bracket");
    expect(failure("h/{a,b")).toStartWith("unmatched brace");
    for (const bad of ["h/[a-Z]", "h/[1-3:0]", "h/[1-3:5]", "h/[3-1]", "h/[1]", "h/[1-2", "h/[1 - 2]", "h/[1-2:x]", "h/[0x1-3]", "h/[a-b:5]"])
      expect(failure(bad)).toStartWith("bad range");
    expect(failure("h/[ 1-2]")).toStartWith("bad range specification");
    // A password in the URL is starred, keeping the position right.
    expect(failure("http://u:secret@h/[3-1]")).toBe("bad range in URL position 19: http://u:******@h/[3-1]");
    expect(failure("h/[+1-3]")).toStartWith("bad range specification");
  });

  test("a glob of more than MAX_GLOB_URLS URLs is refused before any is made", () => {
    expect(failure(`h/[1-${MAX_GLOB_URLS + 1}]`)).toContain(`stands for ${MAX_GLOB_URLS + 1} URLs`);
    expect(failure("h/[1-1000][1-1000]")).toContain("stands for 1000000 URLs");
    expect(urls(`h/[1-${MAX_GLOB_URLS}]`)).toHaveLength(MAX_GLOB_URLS);
  });
});

describe("-o names", () => {
  test("#N is the Nth pattern's text; #0, a number past the last and a lone # stay", () => {
    expect(fillOutputName("o_#0_#1_#2_#3_#x_##2", ["a", "1"])).toBe("o_#0_a_1_#3_#x_#1");
    expect(fillOutputName("a#1", [])).toBe("a#1");
  });

  test("the i-th -o goes with every URL of the i-th glob; later -o names follow on", () => {
    const g = expandGlobs(["h/[1-2]", "h/x", "h/{a,b}"], ["f#1", "x.out"]);
    expect(g).toMatchObject({ urls: ["h/1", "h/2", "h/x", "h/a", "h/b"], outputs: ["f1", "f2", "x.out"] });
    // %{urlnum} counts the URLs given; URLs after them (--input-file's) go on from the last.
    expect([0, 1, 2, 3, 4, 5, 6].map(g.urlnum)).toEqual([0, 0, 1, 2, 2, 3, 4]);
    // -o names beyond the URLs given (for --input-file's URLs) keep their order after the expanded ones.
    expect(expandGlobs(["h/[1-2]"], ["f#1", "from-list"])).toMatchObject({ urls: ["h/1", "h/2"], outputs: ["f1", "f2", "from-list"] });
    const plain = ["h/a", "h/b"];
    expect(expandGlobs(plain, []).urls).toBe(plain);
  });
});

test("20,000 seeded random patterns: a list of URLs or one FetchxError with exit 3, never anything else", () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const alphabet = "[]{},-:\\0123456789azAZ%.#/@\"= ";
  let lists = 0;
  for (let i = 0; i < 20_000; i++) {
    let s = "http://h/";
    for (let j = 1 + Math.floor(rnd() * 16); j > 0; j--) s += alphabet[Math.floor(rnd() * alphabet.length)];
    try {
      expect(globUrls(s).length).toBeLessThanOrEqual(MAX_GLOB_URLS);
      lists++;
    } catch (err) {
      if (!(err instanceof FetchxError) || err.exitCode !== 3) throw new Error(`${JSON.stringify(s)}: ${err}`);
    }
  }
  expect(lists).toBeGreaterThan(1000); // the inputs are not all refused
});
