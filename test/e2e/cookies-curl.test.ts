// Cookies as curl 7.88 sends and keeps them: -b files (several, standard input, Set-Cookie header lines)
// with -b NAME=VALUE pairs, a -H Cookie beside them, Secure cookies over http to loopback hosts, and a
// Domain that is an IP address. Each case runs Debian's curl 7.88 and fetchx, each in its own empty
// directory, against the same servers (127.0.0.1 and ::1). Asserted: the same exit code, the same Cookie
// header lines of every request (in order, each line apart: two Cookie headers are not one), and the same
// -c jar (its comment lines, which name the tool, and its line order aside).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, runCommand, tempDir } from "../servers/harness.ts";
import { bytesOf, head } from "../servers/hostile.ts";
import { startServer, type RecordedRequest, type Route, type TestServer } from "../servers/http.ts";

const CURL = Bun.which("curl");
let v4: TestServer;
let v6: TestServer;

/** An answer setting `cookies`, a 302 to `to` when given. */
function setting(cookies: string[], to?: string): Route {
  const location: [string, string][] = to ? [["Location", to]] : [];
  const lines = cookies.map((c): [string, string] => ["Set-Cookie", c]);
  return { raw: bytesOf(head(to ? "302 Found" : "200 OK", [...location, ...lines, ["Content-Length", "3"]]), "ok\n"), rawEnd: "keep" };
}

const ROUTES: Record<string, Route> = {
  "/echo": { body: "ok\n" },
  "/sub/echo": { body: "ok\n" },
  // The default path of a cookie set at /sub/login is "/sub/" (curl keeps the last slash).
  "/sub/login": setting(["sid=9"], "/sub/echo"),
  "/secure": setting(["s=1; Secure; Path=/", "p=2; Path=/"], "/echo"),
  // What curl 7.88 refuses to keep: a name prefix without its conditions, a tab or a control character, more
  // than 4096 bytes, a Domain of one label; and one it keeps beside them.
  "/refused": setting(["__Secure-a=1; Path=/", "__Host-b=1; Path=/", "__Host-c=1; Secure; Path=/; Domain=localhost", "tv=a\tb; Path=/", `big=${"x".repeat(4100)}; Path=/`, "dom=1; Domain=com; Path=/", "kept=1; Path=/"], "/echo"),
  // Expires in forms curl's date reader and Date.parse read differently: a zone name (past), YYYYMMDD
  // (future), an ISO date (curl finds none: a session cookie), and plain dates either way.
  "/expires": setting(["e1=1; Path=/; Expires=Sun, 14 Jan 2024 10:00:00 CET", "e2=2; Path=/; Expires=20300114 10:00:00 GMT", "e3=3; Path=/; Expires=2030-01-14", "e4=4; Path=/; Expires=Mon, 14 Jan 2030 10:00:00 GMT", "e5=5; Path=/; Expires=Sun, 14 Jan 2024 10:00:00 GMT"], "/echo"),
  "/ip-domain": setting(["d1=1; Domain=127.0.0.1", "d2=2; Domain=.127.0.0.1; Path=/", "d3=3; Domain=127.0.0.2"], "/echo"),
};

beforeAll(async () => {
  v4 = await startServer({ routes: ROUTES });
  v6 = await startServer({ host: "::1", routes: ROUTES });
});

afterAll(() => {
  v4?.stop();
  v6?.stop();
});

const tab = (...fields: string[]) => `${fields.join("\t")}\n`;
const JAR = tab("127.0.0.1", "FALSE", "/", "FALSE", "0", "f", "1");

/** What `curl -D` wrote for an answer setting cookies: the file curl -b reads as cookies too. */
const DUMPED_HEAD = [
  "HTTP/1.1 200 OK",
  "Server: example",
  "Set-Cookie: h=1; Path=/",
  "Set-Cookie: h2=2; Path=/sub",
  "Set-Cookie: h3=3; Domain=example.com",
  "Set-Cookie: h4=4; Secure",
  "set-cookie: h5=5",
  "Content-Length: 0",
  "",
  "",
].join("\r\n");

interface Case {
  name: string;
  /** @URL is http://127.0.0.1:PORT, @LOCALHOST http://localhost:PORT, @V6 http://[::1]:PORT6, @PORT the first's port. */
  args: string[];
  files?: Record<string, string>;
  stdin?: string;
}

const CASES: Case[] = [
  { name: "Expires read as curl reads dates: a zone name and YYYYMMDD are dates, an ISO date is none (a session cookie)", args: ["-L", "-c", "out.txt", "@URL/expires"] },
  { name: "cookies curl refuses: __Secure- and __Host- without their conditions, a tab, over 4096 bytes, Domain=com (fetchx kept them)", args: ["-c", "out.txt", "@LOCALHOST/refused"] },
  { name: "-b FILE and -b NAME=VALUE pairs: the file's cookies, then the pairs joined by ';'", args: ["-b", "jar.txt", "-b", "a=1", "-b", "b=2; c=3", "@URL/echo"], files: { "jar.txt": JAR } },
  { name: "the pairs before the file: the same one header", args: ["-b", "a=1", "-b", "jar.txt", "@URL/echo"], files: { "jar.txt": JAR } },
  {
    name: "several -b files: each read, a later file's cookie replacing an earlier one in its place; longer names, then newer ones first",
    args: ["-b", "one.txt", "-b", "two.txt", "-c", "out.txt", "@URL/echo"],
    files: {
      "one.txt": JAR + tab("127.0.0.1", "FALSE", "/", "FALSE", "0", "k", "1"),
      "two.txt": tab("127.0.0.1", "FALSE", "/", "FALSE", "0", "g", "2") + tab("127.0.0.1", "FALSE", "/", "FALSE", "0", "f", "new") + tab("127.0.0.1", "FALSE", "/", "FALSE", "0", "long", "3"),
    },
  },
  {
    // curl reads them with no host: no domain, no path; Secure allowed. A cookie without a domain is found
    // in curl's hash bucket 0 only: IP addresses, not localhost. It is never written to the jar.
    name: "a -b file of Set-Cookie lines as curl -D writes them: sent to an IP address, not to localhost",
    args: ["-b", "head.txt", "-c", "out.txt", "@URL/sub/echo", "@URL/echo", "@LOCALHOST/echo"],
    files: { "head.txt": DUMPED_HEAD },
  },
  { name: "-b - reads the cookie file from standard input", args: ["-b", "-", "-b", "a=1", "@URL/echo"], stdin: JAR },
  { name: "-H Cookie replaces the -b pairs", args: ["-H", "Cookie: h=1", "-b", "a=1", "@URL/echo"] },
  {
    name: "-H Cookie beside a -b file: the file's cookies in a header of their own, then the user's",
    args: ["-H", "Cookie: h=1", "-b", "jar.txt", "-b", "a=1", "@URL/echo"],
    files: { "jar.txt": JAR },
  },
  { name: "-H 'Cookie:' sends none of the pairs, the file's still", args: ["-H", "Cookie:", "-b", "a=1", "-b", "jar.txt", "@URL/echo"], files: { "jar.txt": JAR } },
  { name: "-H 'Cookie;' sends an empty Cookie header instead of the pairs", args: ["-H", "Cookie;", "-b", "a=1", "@URL/echo"] },
  { name: "-H Cookie with -L and -c: the cookie set on the way goes too, and is kept with its path /sub/", args: ["-L", "-H", "Cookie: h=1", "-c", "out.txt", "@URL/sub/login"] },
  {
    name: "Secure cookies from a -b file go over http to localhost, 127.0.0.1 and ::1, not to another name",
    args: ["-b", "secure.txt", "--resolve", "x.example:@PORT:127.0.0.1", "@URL/echo", "@LOCALHOST/echo", "@V6/echo", "http://x.example:@PORT/echo"],
    files: {
      "secure.txt": ["127.0.0.1", "localhost", "::1", "x.example"].map((h, i) => tab(h, "FALSE", "/", "TRUE", "0", `s${i}`, "1")).join("") + tab("x.example", "FALSE", "/", "FALSE", "0", "plain", "1"),
    },
  },
  {
    name: "Secure set over http://127.0.0.1 is kept and sent; over another name it is dropped",
    args: ["-L", "-c", "out.txt", "--resolve", "x.example:@PORT:127.0.0.1", "@URL/secure", "http://x.example:@PORT/secure"],
  },
  { name: "Domain=127.0.0.1 (or .127.0.0.1) is host-only; another address's is refused", args: ["-L", "-c", "out.txt", "@URL/ip-domain"] },
  {
    // curl looks cookies up by the host's last two labels: .localhost is in another bucket than a.localhost.
    name: "a -b file's .localhost cookie is not sent to a.localhost; .example.com's is sent to www.example.com",
    args: ["-b", "domains.txt", "--resolve", "a.localhost:@PORT:127.0.0.1", "--resolve", "www.example.com:@PORT:127.0.0.1", "http://a.localhost:@PORT/echo", "http://www.example.com:@PORT/echo"],
    files: { "domains.txt": tab(".localhost", "TRUE", "/", "FALSE", "0", "l", "1") + tab(".example.com", "TRUE", "/", "FALSE", "0", "e", "1") },
  },
];

function expand(args: string[]): string[] {
  const port = String(v4.port);
  return args.map((a) =>
    a
      .replace("@URL", `http://127.0.0.1:${port}`)
      .replace("@LOCALHOST", `http://localhost:${port}`)
      .replace("@V6", `http://[::1]:${v6.port}`)
      .replaceAll("@PORT", port),
  );
}

/** Each Cookie header line of a request, as sent ("none" without one). */
const cookieLines = (req: RecordedRequest) => req.raw.split("\r\n").filter((l) => /^cookie:/i.test(l)).join(" | ") || "none";

/** The jar's cookie lines, sorted; null when no jar was written. */
function jarLines(dir: string): string[] | null {
  const path = join(dir, "out.txt");
  if (!existsSync(path)) return null;
  return readFileSync(path, "latin1")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("# "))
    .sort();
}

async function run(cmd: string[], c: Case, dir: string) {
  for (const [name, text] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), text);
  const before = [v4.requests.length, v6.requests.length];
  const env = { HOME: dir, CURL_HOME: dir, http_proxy: "", https_proxy: "", no_proxy: "*" };
  const args = ["-s", ...expand(c.args)];
  const r = cmd.length ? await runCommand([...cmd, ...args], { cwd: dir, env, stdin: c.stdin }) : await runCli(args, { cwd: dir, env, stdin: c.stdin });
  const requests = [...v4.requests.slice(before[0]), ...v6.requests.slice(before[1])];
  return { code: r.code, cookies: requests.map((q) => `${q.path}: ${cookieLines(q)}`), jar: jarLines(dir) };
}

describe.skipIf(!CURL)("cookies against curl 7.88", () => {
  for (const c of CASES) {
    test(c.name, async () => {
      using ours = tempDir("fetchx-cookies-ours-");
      using theirs = tempDir("fetchx-cookies-curl-");
      const a = await run([], c, ours.path);
      const b = await run(["curl"], c, theirs.path);
      expect(a).toEqual(b);
    });
  }
});
