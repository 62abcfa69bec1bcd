// The request line and headers fetchx sends, byte for byte beside curl 7.88's (only User-Agent differs).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runCli, runCommand, tempDir, type TempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";

const curl = Bun.which("curl");
let server: TestServer;
let dir: TempDir;

beforeAll(async () => {
  dir = tempDir("fetchx-head-");
  mkdirSync(join(dir.path, "adir"));
  server = await startServer({
    routes: {
      "/": { body: "ok\n" },
      "/a": { body: "ok\n" },
      "/away": () => ({ redirect: { to: server.url("/") } }),
      // /to?s=STATUS: a redirect of that status to /.
      "/to": ({ req }) => ({ redirect: { to: "/", status: Number(req.path.split("s=")[1]) } }),
    },
  });
});
afterAll(() => {
  server.stop();
  dir[Symbol.dispose]();
});

/** The requests the server received for `args` (fetchx's, or curl's with `cmd`), heads and bodies, User-Agent left out. */
async function headOf(args: string[], cmd?: string): Promise<{ code: number | null; head: string }> {
  const before = server.requests.length;
  const r = cmd ? await runCommand([cmd, "-s", ...args], { cwd: dir.path }) : await runCli(["-s", "--retry", "0", ...args], { cwd: dir.path });
  const sent = server.requests.slice(before).map((q) => q.raw.replace(/\r\nUser-Agent: [^\r]*/i, "") + Buffer.from(q.body).toString("latin1"));
  return { code: r.code, head: sent.join("") };
}

/** fetchx's head and exit code are curl's (when curl is here), and `expected`. */
async function sameAsCurl(args: string[], expected: string): Promise<void> {
  const ours = await headOf(args);
  expect(ours).toEqual({ code: 0, head: expected });
  if (!curl) return; // curl missing: fetchx's half only
  expect(await headOf(args, curl)).toEqual(ours);
}

describe("request heads as curl sends them", () => {
  test("-r with -H Range: one Range header, the -H one ('Range:' sends none); fetchx sent both", async () => {
    const host = `127.0.0.1:${server.port}`;
    await sameAsCurl(["-r", "0-1", "-H", "Range: bytes=1-2", server.url("/")], `GET / HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\nRange: bytes=1-2\r\n\r\n`);
    await sameAsCurl(["-r", "0-1", "-H", "range:", server.url("/")], `GET / HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`);
  });

  test("-H Host twice: the first is sent (fetchx sent the last); -H 'Host;' sends 'Host:' (fetchx added two spaces)", async () => {
    await sameAsCurl(["-H", "Host: first", "-H", "Host: second", server.url("/")], "GET / HTTP/1.1\r\nHost: first\r\nAccept: */*\r\n\r\n");
    await sameAsCurl(["-H", "Host;", server.url("/")], "GET / HTTP/1.1\r\nHost:\r\nAccept: */*\r\n\r\n");
  });

  test("-H ': value' and -H ':' have no name: left out, exit 0, as curl (fetchx stopped with 2)", async () => {
    const host = `127.0.0.1:${server.port}`;
    await sameAsCurl(["-H", ": v", "-H", ":", "-H", "X: y", server.url("/")], `GET / HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\nX: y\r\n\r\n`);
  });

  test("an empty query ('/a?') is sent with its '?' (fetchx dropped it)", async () => {
    const host = `127.0.0.1:${server.port}`;
    await sameAsCurl([server.url("/a?")], `GET /a? HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`);
    await sameAsCurl([server.url("/a?#f?")], `GET /a? HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`);
    await sameAsCurl([server.url("/a#f?")], `GET /a HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`);
  });

  test("-G -d or --url-query after an empty query ('URL?'): 'URL?a=1', as curl (fetchx sent 'URL?&a=1')", async () => {
    const host = `127.0.0.1:${server.port}`;
    await sameAsCurl(["-G", "-d", "a=1", server.url("/a?")], `GET /a?a=1 HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`);
    await sameAsCurl(["--url-query", "a=1", server.url("/a?")], `GET /a?a=1 HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`);
  });

  test("-H Host with -L to another host: that host's own Host, as curl (fetchx sent the -H one there too)", async () => {
    const first = `http://localhost:${server.port}`;
    const host = `127.0.0.1:${server.port}`;
    const away = `GET /away HTTP/1.1\r\nHost: vhost\r\nAccept: */*\r\n\r\n`;
    await sameAsCurl(["-L", "-H", "Host: vhost", `${first}/away`], `${away}GET / HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`);
    // "Host:" removes it on the first host only.
    await sameAsCurl(["-L", "-H", "Host:", `${first}/away`], `GET /away HTTP/1.1\r\nAccept: */*\r\n\r\nGET / HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`);
  });

  test("'%2e' and '%2e%2e' path segments are sent as given, '.' and '..' resolved, as curl (fetchx resolved both)", async () => {
    const host = `127.0.0.1:${server.port}`;
    const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`;
    await sameAsCurl([server.url("/a/%2e%2E/b")], get("/a/%2e%2E/b"));
    await sameAsCurl([server.url("/a/./%2e/../b?q#f")], get("/a/b?q"));
    await sameAsCurl([server.url("/a/b/.%2E")], get("/a/b/.%2E"));
    await sameAsCurl([server.url("/a/b/%2e/..")], get("/a/b/"));
  });

  test("-u, --oauth2-bearer, --compressed, -e, -b: the headers in curl's order, Authorization after Host (fetchx sent it after Accept)", async () => {
    const host = `127.0.0.1:${server.port}`;
    const rest = "Accept: */*\r\nAccept-Encoding: deflate, gzip, br, zstd\r\nReferer: http://r/\r\nCookie: c=d\r\n\r\n";
    const others = ["--compressed", "-e", "http://r/", "-b", "c=d", server.url("/")];
    await sameAsCurl(["-u", "a:b", ...others], `GET / HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Basic YTpi\r\n${rest}`);
    await sameAsCurl(["--oauth2-bearer", "t", ...others], `GET / HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer t\r\n${rest}`);
  });

  test("-H beside -d: the caller's headers before Content-Length and Content-Type, as curl (fetchx sent them last)", async () => {
    const host = `127.0.0.1:${server.port}`;
    const post = `POST / HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n`;
    await sameAsCurl(["-H", "X: 1", "-d", "x", server.url("/")], `${post}X: 1\r\nContent-Length: 1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\nx`);
    await sameAsCurl(["-H", "Content-Type: text/x", "-d", "x", server.url("/")], `${post}Content-Type: text/x\r\nContent-Length: 1\r\n\r\nx`);
  });
});

describe("request bodies as curl sends them", () => {
  const form = "Content-Type: application/x-www-form-urlencoded\r\n\r\n";

  test("-d, --data-binary, --json, --data-urlencode, --url-query of a file not there: an empty piece, exit 0, as curl (fetchx stopped with 26)", async () => {
    const post = `POST / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: */*\r\n`;
    await sameAsCurl(["-d", "@missing", server.url("/")], `${post}Content-Length: 0\r\n${form}`);
    await sameAsCurl(["--data-binary", "@missing", server.url("/")], `${post}Content-Length: 0\r\n${form}`);
    await sameAsCurl(["--data-urlencode", "@missing", server.url("/")], `${post}Content-Length: 0\r\n${form}`);
    // name@FILE of no file is no piece at all (not "name="): "a=1&&b=2".
    await sameAsCurl(["-d", "a=1", "--data-urlencode", "name@missing", "-d", "b=2", server.url("/")], `${post}Content-Length: 8\r\n${form}a=1&&b=2`);
    await sameAsCurl(["--json", "@missing", server.url("/")], `POST / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: 0\r\n\r\n`);
    await sameAsCurl(["--url-query", "a=1", "--url-query", "name@missing", server.url("/")], `GET /?a=1& HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: */*\r\n\r\n`);
  });

  test("a data file not there is a warning naming it as given; -F name=@FILE and name=<FILE of no file stay exit 26, as curl's", async () => {
    const r = await runCli(["--retry", "0", "-d", "@missing", "--data-urlencode", "n@gone", server.url("/")], { cwd: dir.path });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Couldn't read data from file "missing", this makes an empty POST.`);
    expect(r.stderr).toContain(`Couldn't read data from file "n@gone", this makes an empty POST.`);
    for (const f of ["name=@missing", "name=<missing"]) {
      expect((await headOf(["-F", f, server.url("/")])).code).toBe(26);
      if (curl) expect((await headOf(["-F", f, server.url("/")], curl)).code).toBe(26);
    }
  });

  test("-T DIR: an empty chunked PUT (the URL ending in / gets the directory's name), exit 0, as curl (fetchx refused it, 26)", async () => {
    const put = (target: string) => `PUT ${target} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: */*\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n`;
    await sameAsCurl(["-T", "adir", server.url("/a")], put("/a"));
    await sameAsCurl(["-T", "adir", server.url("/")], put("/adir"));
  });

  test("--json with -L: its Content-Type and Accept stay on the request after any redirect, as any -H (fetchx dropped the type on the GET)", async () => {
    const host = `Host: 127.0.0.1:${server.port}\r\n`;
    const types = "Content-Type: application/json\r\nAccept: application/json\r\n";
    const post = (target: string) => `POST ${target} HTTP/1.1\r\n${host}${types}Content-Length: 2\r\n\r\n{}`;
    for (const status of [301, 302, 303]) await sameAsCurl(["--json", "{}", "-L", server.url(`/to?s=${status}`)], `${post(`/to?s=${status}`)}GET / HTTP/1.1\r\n${host}${types}\r\n`);
    for (const status of [307, 308]) await sameAsCurl(["--json", "{}", "-L", server.url(`/to?s=${status}`)], `${post(`/to?s=${status}`)}${post("/")}`);
    // A type of the caller's stays too, and takes --json's place; so does an Accept (curl 7.88 alike).
    await sameAsCurl(["--json", "{}", "-H", "Accept: x/y", "-L", server.url("/to?s=302")], `POST /to?s=302 HTTP/1.1\r\n${host}Accept: x/y\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}GET / HTTP/1.1\r\n${host}Accept: x/y\r\nContent-Type: application/json\r\n\r\n`);
  });
});
