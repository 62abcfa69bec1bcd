// -K files read as curl 7.88 reads them: lines it cannot use are warnings naming the file and line (curl
// goes on; fetchx used to exit 2), an unclosed quote keeps the line's end, a short option glued to a
// quoted value keeps the quotes, "=" and ":" separate only undashed names. Each expectation was checked
// against curl 7.88 (test/e2e/config-curl.test.ts compares the transfers themselves).
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { expandConfig, readConfigText, splitConfigLine } from "../../src/cli/config.ts";
import { tempDir } from "../servers/harness.ts";

const read = (text: string) => readConfigText(text, "cfg");

describe("splitting a line", () => {
  test("undashed names end at a blank, '=' or ':'; dashed ones at a blank only", () => {
    expect(splitConfigLine("url=http://h/a\n")).toEqual({ option: "url", value: "http://h/a", unquotedWhitespace: false });
    expect(splitConfigLine("  url  ==  http://h/a\n")?.value).toBe("http://h/a");
    expect(splitConfigLine("url : http://h/a\n")?.value).toBe("http://h/a");
    expect(splitConfigLine("--url=http://h/a\n")).toEqual({ option: "--url=http://h/a", value: null, unquotedWhitespace: false });
    expect(splitConfigLine("--url\thttp://h/a\n")?.value).toBe("http://h/a");
    expect(splitConfigLine("-o=f\n")).toEqual({ option: "-o=f", value: null, unquotedWhitespace: false });
  });

  test("comments and blank lines: #, / and * first, or only spaces, tabs and a CR", () => {
    for (const line of ["# c\n", "// c\n", "* c\n", "  \t# c\n", " \t \n", "\r\n", "", "\n"]) expect(splitConfigLine(line)).toBeNull();
    // A semicolon is no comment to curl: an option named ";".
    expect(splitConfigLine("; text\n")).toEqual({ option: ";", value: "text", unquotedWhitespace: false });
  });

  test("a quoted value: escapes, the end at the closing quote, an unclosed one keeps the line's end", () => {
    expect(splitConfigLine('header = "X: a\\\\b\\q\\"c\\t" junk\n')?.value).toBe('X: a\\bq"c\t');
    expect(splitConfigLine('url = "http://h/y\n')?.value).toBe("http://h/y\n");
    expect(splitConfigLine('url = "http://h/y\r\n')?.value).toBe("http://h/y\r\n");
    expect(splitConfigLine('url = "http://h/y')?.value).toBe("http://h/y");
    // A backslash at the very end of the file is dropped.
    expect(splitConfigLine('header = "X: a\\')?.value).toBe("X: a");
  });

  test("an unquoted value ends at a blank; more than a comment after it is flagged", () => {
    expect(splitConfigLine("url = http://h/a # comment\n")).toEqual({ option: "url", value: "http://h/a", unquotedWhitespace: false });
    expect(splitConfigLine("url = http://h/a junk\n")).toEqual({ option: "url", value: "http://h/a", unquotedWhitespace: true });
    expect(splitConfigLine("url = 'http://h/a'\r\n")?.value).toBe("'http://h/a'");
    expect(splitConfigLine("output\n")?.value).toBeNull();
  });

  test("blanks are ASCII: a BOM or a no-break space belongs to the word", () => {
    expect(splitConfigLine("\uFEFFurl = http://h/a\n")?.option).toBe("\uFEFFurl");
    expect(splitConfigLine("url\u00A0http://h/a\n")?.option).toBe("url\u00A0http");
  });
});

describe("lines to words and warnings", () => {
  test("what neither curl nor fetchx knows is a warning, and the line is skipped", () => {
    expect(read("bogus-option\nurl = http://h/a\n; text\n-\n")).toEqual({
      words: ["--url", "http://h/a"],
      warnings: ["cfg:1: 'bogus-option' is unknown", "cfg:3: ';' is unknown", "cfg:4: '-' is unknown"],
    });
    expect(read("\uFEFFurl = http://h/a\nurl = http://h/b\n")).toEqual({ words: ["--url", "http://h/b"], warnings: ["cfg:1: '\uFEFFurl' is unknown"] });
    expect(read("--url=http://h/c\n--url http://h/e\n").words).toEqual(["--url", "http://h/e"]);
  });

  test("a curl option fetchx refuses stays an error, naming the line and why", () => {
    expect(() => read("url http://h/a\nhttp3\n")).toThrow(/^cfg:2: 'http3' is a curl option fetchx does not support \(.*HTTP\/1\.1.*\)/);
    expect(() => read("-sM\n")).toThrow(/^cfg:1: '-sM' is a curl option fetchx does not support/);
  });

  test("curl's other warnings: a missing value, a value for a flag, --no- on a non-flag, unquoted whitespace", () => {
    expect(read("output\ninclude yes\nno-output x\nno-location\nurl = http://h/a junk\n")).toEqual({
      words: ["--include", "--no-location", "--url", "http://h/a"],
      warnings: ["cfg:1: 'output' requires parameter", "cfg:2: 'include' had unsupported trailing garbage", "cfg:3: 'no-output' used '--no-' for option that isn't a boolean", "cfg:5: 'url' uses unquoted whitespace in the line that may cause side-effects!"],
    });
  });

  test("short options: glued values keep their quotes; flags before an unknown letter still count", () => {
    expect(read('-o"out.txt"\n').words).toEqual(["-o", '"out.txt"']);
    expect(read("-o=f\n").words).toEqual(["-o", "=f"]);
    expect(read("-sSo f\n").words).toEqual(["-sSo", "f"]);
    expect(read("-iW\n")).toEqual({ words: ["-i"], warnings: ["cfg:1: '-iW' is unknown"] });
    expect(read("-iH\n")).toEqual({ words: ["-i"], warnings: ["cfg:1: '-iH' requires parameter"] });
    expect(read("-ofile extra\n")).toEqual({ words: ["-o", "file"], warnings: ["cfg:1: '-ofile' had unsupported trailing garbage"] });
    // An empty quoted value is no value to complain of.
    expect(read('silent ""\n-s ""\n')).toEqual({ words: ["--silent", "-s"], warnings: [] });
  });

  test("CRLF lines read as LF ones", () => {
    expect(read('url http://h/a\r\n-H "X-A: 1"\r\nsilent\r\n\r\n')).toEqual({ words: ["--url", "http://h/a", "-H", "X-A: 1", "--silent"], warnings: [] });
  });
});

describe("expandConfig", () => {
  test("warnings name the file, <stdin> for -, and the default config by its path", () => {
    using dir = tempDir("fetchx-config-unit-");
    writeFileSync(dir.file("cfg"), "bogus\nurl http://h/a\n");
    writeFileSync(dir.file(".fetchxrc"), "\n\noutput\n");
    const warnings: string[] = [];
    const words = expandConfig(["-K", dir.file("cfg"), "-K", "-", "-s"], { HOME: dir.path }, warnings, () => "stdin-bogus\n");
    expect(words).toEqual(["--url", "http://h/a", "-s"]);
    expect(warnings).toEqual([`${dir.file(".fetchxrc")}:3: 'output' requires parameter`, `${dir.file("cfg")}:1: 'bogus' is unknown`, "<stdin>:1: 'stdin-bogus' is unknown"]);
  });

  test("~/.fetchxrc keeps exit 2 for a name fetchx does not know; its -K files warn", () => {
    using dir = tempDir("fetchx-config-unit-");
    writeFileSync(dir.file(".fetchxrc"), "# c\n--bogus-option\n");
    expect(() => expandConfig(["http://h/a"], { HOME: dir.path })).toThrow(`${dir.file(".fetchxrc")}:2: unknown option --bogus-option; see fetchx --help`);
    writeFileSync(dir.file(".fetchxrc"), `config = "${dir.file("cfg")}"\n`);
    writeFileSync(dir.file("cfg"), "bogus\n");
    const warnings: string[] = [];
    expect(expandConfig(["http://h/a"], { HOME: dir.path }, warnings)).toEqual(["http://h/a"]);
    expect(warnings).toEqual([`${dir.file("cfg")}:1: 'bogus' is unknown`]);
  });

  test("an unknown option on the command line is left to the parser (exit 2 there, as curl)", () => {
    expect(expandConfig(["-q", "--bogus-option", "http://h/a"], {})).toEqual(["--bogus-option", "http://h/a"]);
  });
});
