// curl 8.3's --variable and --expand-OPTION (Debian's curl 7.88 has neither). Each case runs fetchx with
// variables and curl 7.88 with the same command line written out by hand (what curl 8 expands it to), against
// the same server: the same exit code, stdout and request on the wire (method, target, the headers named,
// body). The error cases are fetchx's alone: curl 8's exit codes (2; 26 for a file that cannot be read).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, runCommand, tempDir, type TempDir } from "../servers/harness.ts";
import { startServer, type RecordedRequest, type TestServer } from "../servers/http.ts";

const CURL = Bun.which("curl");
const enc = new TextEncoder();
let server: TestServer;
let url: string;
let dir: TempDir;

beforeAll(async () => {
  dir = tempDir("fetchx-variables-");
  writeFileSync(join(dir.path, "token.txt"), "  s3cr3t-token\n");
  writeFileSync(join(dir.path, "name.txt"), 'Jane "JJ" Doe\n\tthe second\n');
  writeFileSync(join(dir.path, "vars.cfg"), 'variable = "who=world wide"\nexpand-header = "X-Who: {{who}}"\nexpand-data = "w={{who:url}}"\n');
  server = await startServer({
    routes: {
      "/echo": ({ req }) => ({ body: enc.encode(`${req.method} ${req.path}\n`), contentType: "text/plain" }),
    },
  });
  url = server.url("/echo");
});

afterAll(() => {
  server?.stop();
  dir?.[Symbol.dispose]();
});

interface Case {
  name: string;
  /** fetchx's words ("@URL" is the server's /echo). */
  args: string[];
  /** What curl 8 makes of them, for curl 7.88. */
  plain: string[];
  headers?: string[];
  env?: Record<string, string>;
  stdin?: string;
}

const CASES: Case[] = [
  {
    name: "a secret from the environment into a header (%NAME)",
    args: ["-s", "--variable", "%API_TOKEN", "--expand-header", "Authorization: Bearer {{API_TOKEN}}", "@URL"],
    plain: ["-s", "-H", "Authorization: Bearer abc.def", "@URL"],
    headers: ["authorization"],
    env: { API_TOKEN: "abc.def" },
  },
  {
    name: "%NAME=default when the environment lacks NAME, the environment's value when it has it",
    args: ["-s", "--variable", "%FETCHX_UNSET_VAR=fallback", "--variable", "%SET_ONE=unused", "--expand-header", "X-A: {{FETCHX_UNSET_VAR}} {{SET_ONE}}", "@URL"],
    plain: ["-s", "-H", "X-A: fallback from-env", "@URL"],
    headers: ["x-a"],
    env: { SET_ONE: "from-env" },
  },
  {
    name: "a file's content trimmed (@FILE, :trim)",
    args: ["-s", "--variable", "tok@token.txt", "--expand-header", "X-Token: {{tok:trim}}", "@URL"],
    plain: ["-s", "-H", "X-Token: s3cr3t-token", "@URL"],
    headers: ["x-token"],
  },
  {
    name: "JSON built safely (:trim:json) with --expand-json",
    args: ["-s", "--variable", "name@name.txt", "--expand-json", '{"name":"{{name:trim:json}}"}', "@URL"],
    plain: ["-s", "--json", '{"name":"Jane \\"JJ\\" Doe\\n\\tthe second"}', "@URL"],
    headers: ["content-type", "accept"],
  },
  {
    name: "a URL's query percent-encoded (:url) with --expand-url, standard input as the content (@-)",
    args: ["-s", "--variable", "q@-", "--expand-url", "@URL?q={{q:trim:url}}&x=1"],
    plain: ["-s", "@URL?q=a%20b%2Fc%26d%3D%C3%A9~._-&x=1"],
    stdin: "a b/c&d=é~._-\n",
  },
  {
    name: "base64 both ways (:b64, :64dec), and a failed decode",
    args: ["-s", "--variable", "u=user:pass", "--variable", "e=aGVsbG8=", "--variable", "bad=abc", "--expand-header", "X-B: {{u:b64}} {{e:64dec}} {{bad:64dec}}", "@URL"],
    plain: ["-s", "-H", "X-B: dXNlcjpwYXNz hello [64dec-fail]", "@URL"],
    headers: ["x-b"],
  },
  {
    name: "an unknown variable is empty; \\{{ stays {{ when something else was expanded",
    args: ["-s", "--variable", "a=1", "--expand-header", "X-C: [{{nope}}] \\{{a}} {{a}}", "@URL"],
    plain: ["-s", "-H", "X-C: [] {{a}} 1", "@URL"],
    headers: ["x-c"],
  },
  {
    name: "with nothing expanded, the value is left as written (the backslash too)",
    args: ["-s", "--expand-header", "X-D: \\{{a}}", "@URL"],
    plain: ["-s", "-H", "X-D: \\{{a}}", "@URL"],
    headers: ["x-d"],
  },
  {
    name: "a byte range of the content (NAME[N-M], curl 8.12)",
    args: ["-s", "--variable", "r[2-5]=0123456789", "--variable", "t[7-]=0123456789", "--expand-header", "X-R: {{r}} {{t}}", "@URL"],
    plain: ["-s", "-H", "X-R: 2345 789", "@URL"],
    headers: ["x-r"],
  },
  {
    name: "--expand-data, -X and -A with the value after =; a variable set again is replaced",
    args: ["-s", "--variable", "m=PUT", "--variable", "m=PATCH", "--variable", "v=1", "--expand-request=M{{m}}", "--expand-user-agent", "agent/{{v}}", "--expand-data", "v={{v}}&m={{m}}", "@URL"],
    plain: ["-s", "-X", "MPATCH", "-A", "agent/1", "-d", "v=1&m=PATCH", "@URL"],
    headers: ["user-agent", "content-type"],
  },
  {
    name: "variables last across --next; each group expands its own options",
    args: ["-s", "--variable", "p=one", "--expand-url", "@URL/{{p}}", "--next", "--variable", "p=two", "--expand-url", "@URL/{{p}}", "--expand-header", "X-P: {{p}}"],
    plain: ["-s", "@URL/one", "--next", "-H", "X-P: two", "@URL/two"],
    headers: ["x-p"],
  },
  {
    name: "in a -K file: variable and expand-OPTION lines",
    args: ["-s", "-K", "vars.cfg", "@URL"],
    plain: ["-s", "-H", "X-Who: world wide", "-d", "w=world%20wide", "@URL"],
    headers: ["x-who", "content-type"],
  },
];

const wire = (r: RecordedRequest, headers: string[] = []) => ({
  method: r.method,
  path: r.path,
  headers: Object.fromEntries(headers.map((h) => [h, r.headers[h]])),
  body: Buffer.from(r.body).toString("latin1"),
});

async function run(cmd: string[] | null, words: string[], c: Case) {
  const before = server.requests.length;
  const args = words.map((w) => w.replace("@URL", url));
  const opts = { cwd: dir.path, env: { HOME: dir.path, CURL_HOME: dir.path, http_proxy: "", no_proxy: "*", ...c.env }, stdin: c.stdin };
  const r = cmd ? await runCommand([...cmd, ...args], opts) : await runCli(args, opts);
  return { ...r, requests: server.requests.slice(before).map((q) => wire(q, c.headers)) };
}

describe.skipIf(!CURL)("--variable and --expand-OPTION against curl 7.88 given the expanded words", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const ours = await run(null, c.args, c);
      const theirs = await run(["curl"], c.plain, c);
      expect({ code: ours.code, stderr: ours.stderr }).toEqual({ code: theirs.code, stderr: "" });
      expect(Buffer.from(ours.stdout).toString()).toBe(Buffer.from(theirs.stdout).toString());
      expect(ours.requests).toEqual(theirs.requests);
      expect(ours.requests.length).toBeGreaterThan(0);
    });
  }
});

describe("--variable errors and warnings (curl 8's exit codes)", () => {
  const cli = (args: string[], env: Record<string, string> = {}) => runCli(args.map((w) => w.replace("@URL", url)), { cwd: dir.path, env: { HOME: dir.path, ...env } });

  test("%NAME without a default and NAME not set: exit 2, nothing sent", async () => {
    const before = server.requests.length;
    const r = await cli(["-s", "--variable", "%FETCHX_SURELY_UNSET", "@URL"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("FETCHX_SURELY_UNSET is not set");
    expect(server.requests.length).toBe(before);
  });

  test("a file that cannot be read: exit 26 (curl's read error)", async () => {
    const r = await cli(["-s", "--variable", "x@no-such-file", "@URL"]);
    expect(r.code).toBe(26);
    expect(r.stderr).toContain("no-such-file");
  });

  test("an unknown function, a flag with --expand-, --expand-config: exit 2", async () => {
    for (const [args, why] of [
      [["--variable", "a=1", "--expand-header", "X: {{a:upper}}", "@URL"], "unknown variable function in ':upper'"],
      [["--expand-verbose", "@URL"], "--verbose takes no value to expand"],
      [["--expand-config", "vars.cfg", "@URL"], "config files are read before variables are set"],
    ] as const) {
      const r = await cli(["-s", ...args]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
      expect(r.stderr).toContain(why);
    }
  });

  test("a variable holding a NUL byte cannot be expanded: exit 2", async () => {
    writeFileSync(join(dir.path, "nul.bin"), new Uint8Array([0x61, 0, 0x62]));
    const r = await cli(["-s", "--variable", "n@nul.bin", "--expand-header", "X: {{n}}", "@URL"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("null byte");
  });

  test("bad syntax, a bad name and a missing }} are warnings (not with -s); the transfer goes on", async () => {
    const args = ["--variable", "novalue", "--variable", "=x", "--expand-header", "X-E: {{bad-name}} {{open", "-o", "/dev/null", "@URL"];
    const before = server.requests.length;
    const loud = await cli(args);
    expect(loud.code).toBe(0);
    const warnings = loud.stderr.split("\n").filter((l) => l.startsWith("fetchx: warning:"));
    expect(warnings).toHaveLength(4);
    expect(loud.stderr).toContain("bad --variable syntax, skipping: novalue");
    expect(loud.stderr).toContain("bad variable name length (0)");
    expect(loud.stderr).toContain("bad variable name: bad-name");
    expect(loud.stderr).toContain("missing close '}}'");
    // Nothing was replaced: the header went as written.
    expect(server.requests[before]!.headers["x-e"]).toBe("{{bad-name}} {{open");
    const quiet = await cli(["-s", ...args]);
    expect({ code: quiet.code, stderr: quiet.stderr }).toEqual({ code: 0, stderr: "" });
  });
});
