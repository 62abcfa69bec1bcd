// -K files read as Debian's curl 7.88 reads them, case by case against the same local server: the same
// exit code, stdout, files left behind (names included: an unclosed quote keeps the line's end, -o"f"
// keeps the quotes) and requests on the wire; and fetchx's stderr carries curl's warnings for the lines
// it skips (fetchx used to exit 2 on a name it did not know, where curl warns and goes on).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, runCommand, tempDir } from "../servers/harness.ts";
import { startServer, type RecordedRequest, type TestServer } from "../servers/http.ts";

const CURL = Bun.which("curl");
const enc = new TextEncoder();
let server: TestServer;
let base: string;

beforeAll(async () => {
  const echo = ({ req }: { req: RecordedRequest }) => ({ body: enc.encode(`${req.method} ${req.path} ${req.headers["x-a"] ?? "-"}\n`), contentType: "text/plain" });
  server = await startServer({ routes: Object.fromEntries(["a", "b", "c", "d", "e", "f", "g", "y"].map((p) => [`/${p}`, echo])) });
  base = server.url("").replace(/\/$/, "");
});

afterAll(() => server?.stop());

interface Case {
  name: string;
  /** The -K file's text; "@URL" is the server's base URL. */
  config: string;
  /** Words after -K cfg. */
  args?: string[];
  /** What fetchx must warn of, each after "fetchx: warning: "; with -s, an empty stderr is asserted. */
  warns?: string[];
  /** Where fetchx differs from curl on purpose: why, and fetchx's exit code and error line alone. */
  only?: { why: string; code: number; stderr: string };
}

const CASES: Case[] = [
  { name: "an unknown option's line is a warning; the lines after it still count", config: "bogus-option\nurl = @URL/a\n", warns: ["cfg:1: 'bogus-option' is unknown"] },
  {
    name: "'; text' names an unknown option; //, * and blank lines of spaces and tabs are comments",
    config: "; text\n// c\n* c\n \t \n\t\nurl @URL/a\n",
    warns: ["cfg:1: ';' is unknown"],
  },
  { name: "-s: the warnings are not printed", config: "bogus-option\nurl = @URL/a\n", args: ["-s"] },
  { name: "an unclosed quote keeps the line's end: the URL fails (exit 3)", config: 'url = "@URL/y\n' },
  { name: "an unclosed quote in a CRLF file: the file's name ends in CR LF", config: 'output = "o.txt\r\nurl @URL/a\r\n-H "X-A: 1"\r\n' },
  { name: '-o"out.txt" writes a file named with the quotes; -o=f a file named =f', config: '-o"out.txt"\nurl @URL/a\n-o=f\nurl @URL/b\n' },
  {
    name: "--url=X and --url:X are unknown names; --url TAB X, url = X, url==X and url:X are URLs, in order",
    config: "--url @URL/a\nurl = @URL/b\n--url=@URL/c\n--url:@URL/d\n--url\t@URL/e\nurl==@URL/f\nurl:@URL/g\n",
    warns: ["cfg:3: '--url=@URL/c' is unknown", "cfg:4: '--url:@URL/d' is unknown"],
  },
  { name: "a BOM is part of the first line's option name: that line is unknown", config: "\uFEFFurl = @URL/a\nurl = @URL/b\n", warns: ["cfg:1: '\uFEFFurl' is unknown"] },
  {
    name: "a comment after a value, a single-quoted value (quotes kept), a no-break space (no blank)",
    config: "url = @URL/a # comment\noutput = 'x.txt'\nurl\u00A0@URL/b\nurl @URL/c\n",
    warns: ["cfg:3: 'url\u00A0http' is unknown"],
  },
  {
    name: "an option without its value, --no- on a non-flag, an unknown letter after a flag: warnings, the flag set",
    config: "output\nno-output x\n-iW\nurl @URL/a\n",
    warns: ["cfg:1: 'output' requires parameter", "cfg:2: 'no-output' used '--no-' for option that isn't a boolean", "cfg:3: '-iW' is unknown"],
  },
  {
    name: "a flag given a value, words after an unquoted value: warnings, both lines used",
    config: "include yes\nurl = @URL/a junk\n",
    warns: ["cfg:1: 'include' had unsupported trailing garbage", "cfg:2: 'url' uses unquoted whitespace in the line that may cause side-effects!"],
  },
  { name: "escapes in a quoted value; a backslash at the end of the file is dropped", config: 'url @URL/a\nheader = "X-A: a\\\\b\\q\\"c\\' },
  {
    name: "a curl option fetchx refuses stays an error, naming the line and why",
    config: "url @URL/a\nhttp3\n",
    only: { why: "curl 7.88 without HTTP/3 warns and goes on; fetchx would not speak what the file asks for", code: 2, stderr: "cfg:2: 'http3' is a curl option fetchx does not support (fetchx speaks HTTP/1.1 only; fetchx help curl)" },
  },
];

const withUrl = (s: string) => s.replaceAll("@URL", base);
const maskDate = (s: string) => s.replace(/^Date: .*$/gim, "Date: *");

/** The files a run left (the config and directories such as HOME/.bun excluded), by name, with their bytes as text. */
function filesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) if (name !== "cfg" && statSync(join(dir, name)).isFile()) out[name] = maskDate(readFileSync(join(dir, name), "latin1"));
  return out;
}

async function run(curl: boolean, c: Case) {
  using dir = tempDir("fetchx-config-curl-");
  writeFileSync(join(dir.path, "cfg"), withUrl(c.config));
  const before = server.requests.length;
  const env = { HOME: dir.path, CURL_HOME: dir.path, http_proxy: "", no_proxy: "*", FETCHX_PROGRESS: undefined };
  const args = ["-K", "cfg", ...(c.args ?? [])];
  const r = curl ? await runCommand(["curl", "--no-progress-meter", ...args], { cwd: dir.path, env }) : await runCli(args, { cwd: dir.path, env });
  const requests = server.requests.slice(before).map((q) => ({ method: q.method, path: q.path, xa: q.headers["x-a"] }));
  return { code: r.code, stdout: maskDate(new TextDecoder().decode(r.stdout)), stderr: r.stderr, files: filesOf(dir.path), requests };
}

describe.skipIf(!CURL)("-K files against curl 7.88", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const ours = await run(false, c);
      if (c.only) {
        expect({ code: ours.code, stderr: ours.stderr }).toEqual({ code: c.only.code, stderr: `fetchx: (${c.only.code}) ${c.only.stderr}\n` });
        expect(ours.requests).toEqual([]);
        return;
      }
      const theirs = await run(true, c);
      const context = `curl stderr: ${theirs.stderr}\nfetchx stderr: ${ours.stderr}`;
      expect({ code: ours.code, context: ours.code === theirs.code ? "" : context }).toEqual({ code: theirs.code, context: "" });
      expect(ours.stdout).toBe(theirs.stdout);
      expect(ours.files).toEqual(theirs.files);
      expect(ours.requests).toEqual(theirs.requests);
      const warnings = ours.stderr.split("\n").filter((l) => l.startsWith("fetchx: warning: "));
      expect(warnings).toEqual((c.warns ?? []).map((w) => `fetchx: warning: ${withUrl(w)}`));
      if (c.args?.includes("-s")) expect(ours.stderr).toBe("");
    });
  }
});
