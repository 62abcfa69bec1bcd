// --variable and --expand-OPTION (cli/variables.ts) as curl 8's src/var.c reads them; the command lines are
// compared with curl 7.88 given the expanded words in test/e2e/variables.test.ts.
import { describe, expect, test } from "bun:test";
import { parseArgv, splitNext } from "../../src/cli/parse.ts";
import { MAX_CONTENT, Variables } from "../../src/cli/variables.ts";

const files: Record<string, Uint8Array> = {
  "f.txt": new TextEncoder().encode("0123456789"),
  "-": new TextEncoder().encode("from stdin\n"),
  big: new Uint8Array(MAX_CONTENT + 1),
};
const make = (env: Record<string, string> = {}) =>
  new Variables({
    env,
    readFile: (p) => {
      const f = files[p];
      if (!f) throw Object.assign(new Error("nope"), { code: "ENOENT" });
      return f;
    },
  });
const expanded = (v: Variables, s: string) => v.expand(s, "header");

describe("--variable", () => {
  test("TEXT, @FILE, @- and byte ranges (inclusive; past the end is empty)", () => {
    const v = make();
    for (const s of ["a=x y", "f@f.txt", "s@-", "r[3-5]@f.txt", "o[8-]@f.txt", "p[20-30]@f.txt", "t[1-2]=abc", "u[9-99]=abc"]) v.set(s);
    expect(expanded(v, "{{a}}|{{f}}|{{s}}|{{r}}|{{o}}|{{p}}|{{t}}|{{u}}")).toBe("x y|0123456789|from stdin\n|345|89||bc|");
  });

  test("%NAME from the environment; =TEXT and @FILE only when it is not set", () => {
    const v = make({ HOMEISH: "/home/x", EMPTY: "" });
    v.set("%HOMEISH");
    v.set("%EMPTY=unused");
    v.set("%MISSING=dflt");
    v.set("%MISSING2@f.txt");
    expect(expanded(v, "{{HOMEISH}}|{{EMPTY}}|{{MISSING}}|{{MISSING2}}")).toBe("/home/x||dflt|0123456789");
    expect(() => v.set("%NOT_THERE")).toThrow("NOT_THERE is not set");
  });

  test("errors: an unreadable file (26), a bad range, too much content (2)", () => {
    const v = make();
    expect(() => v.set("x@nothing")).toThrow(expect.objectContaining({ exitCode: 26 }));
    expect(() => v.set("x[5-2]=abc")).toThrow("ends before it starts");
    expect(() => v.set("x[5-a]=abc")).toThrow("syntax error");
    expect(() => v.set("x@big")).toThrow(`more than ${MAX_CONTENT} bytes`);
  });

  test("a bad name or no = / @ is a warning, and nothing is set", () => {
    const v = make();
    v.set("=x");
    v.set(`${"n".repeat(128)}=x`);
    v.set("name");
    v.set("na-me=x");
    expect(v.warnings).toEqual([
      "bad variable name length (0), skipping: --variable =x",
      `bad variable name length (128), skipping: --variable ${"n".repeat(128)}=x`,
      "bad --variable syntax, skipping: name",
      "bad --variable syntax, skipping: na-me=x",
    ]);
  });
});

describe("{{NAME:functions}}", () => {
  const v = make();
  v.set("sp= \t\v\f\r\n mid dle \n");
  v.set("ctl=a\"b\\c\x01\x1f\x7f é");
  v.set("res=a-b_c.d~e f/g?h&i=j+k%");
  v.set("b=aGk=");

  test("trim, json, url, b64 and 64dec, left to right", () => {
    expect(expanded(v, "[{{sp:trim}}]")).toBe("[mid dle]");
    expect(expanded(v, "{{ctl:json}}")).toBe('a\\"b\\\\c\\u0001\\u001f\x7f é');
    expect(expanded(v, "{{res:url}}")).toBe("a-b_c.d~e%20f%2Fg%3Fh%26i%3Dj%2Bk%25");
    expect(expanded(v, "{{sp:trim:b64}}")).toBe(Buffer.from("mid dle").toString("base64"));
    expect(expanded(v, "{{b:64dec}}|{{sp:trim:b64:64dec}}")).toBe("hi|mid dle");
    expect(expanded(v, "{{sp:trim:json:url}}")).toBe("mid%20dle");
  });

  test("64dec is strict: a length not a multiple of 4, a bad character or = inside fail", () => {
    const w = make();
    for (const [k, s] of [["a", "aGk"], ["b", "aG=k"], ["c", "aG!k"], ["d", "a==="], ["e", "aGk="]] as const) w.set(`${k}=${s}`);
    expect(expanded(w, "{{a:64dec}}|{{b:64dec}}|{{c:64dec}}|{{d:64dec}}|{{e:64dec}}")).toBe("[64dec-fail]|[64dec-fail]|[64dec-fail]|[64dec-fail]|hi");
  });

  test("an empty value stays empty through every function (64dec does not fail on it)", () => {
    expect(expanded(v, "[{{nothing:64dec}}{{nothing:b64:json:url:trim}}]")).toBe("[]");
  });

  test("an unknown function or a NUL byte after the functions is an error", () => {
    expect(() => expanded(v, "{{b:trim:lower}}")).toThrow("unknown variable function in ':trim:lower'");
    const w = make();
    w.set("z=AA==");
    expect(() => expanded(w, "{{z:64dec}}")).toThrow("null byte");
    expect(expanded(w, "{{z:64dec:b64}}")).toBe("AA==");
  });
});

describe("the parser", () => {
  test("--expand-NAME and --expand-NAME=VALUE take NAME's value expanded; --variable is not an option value", () => {
    const raw = parseArgv(["--variable", "h=X-A: 1", "--expand-header", "{{h}}", "--expand-url=http://h/{{h:url}}", "-H", "{{h}}"]);
    expect(raw.values.get("header")).toEqual(["X-A: 1", "{{h}}"]);
    expect(raw.positionals).toEqual(["http://h/X-A%3A%201"]);
    expect(raw.values.has("variable")).toBe(false);
  });

  test("the groups of --next share the run's variables, each seeing those set before its words; warnings stay with their group", () => {
    const vars = make();
    const raws = splitNext(["--variable", "a=1", "--expand-url", "u/{{a}}", "--next", "--variable", "a=2", "--variable", "bad", "--expand-url", "u/{{a}}"]).map((w) => parseArgv(w, vars));
    expect(raws.map((r) => r.positionals)).toEqual([["u/1"], ["u/2"]]);
    expect(raws.map((r) => r.warnings)).toEqual([undefined, ["bad --variable syntax, skipping: bad"]]);
  });

  test("a variable set after an option is not seen by it", () => {
    const raw = parseArgv(["--expand-header", "X: [{{late}}]", "--variable", "late=1"]);
    expect(raw.values.get("header")).toEqual(["X: []"]);
  });
});
