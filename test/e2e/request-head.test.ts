// The request line and headers fetchx sends, byte for byte beside curl 7.88's (only User-Agent differs).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runCli, runCommand, tempDir, type TempDir } from "../servers/harness.ts";
import { startServer, type RecordedRequest, type TestServer } from "../servers/http.ts";

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
      "/upper": () => ({ redirect: { to: `http://LocalHost:${server.port}/a` } }),
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

describe("Expect: 100-continue as curl 7.88 sends it and waits on it", () => {
  let ex: TestServer;
  const K1 = "k1"; // 1024 bytes
  const ok = { body: "ok\n" };

  beforeAll(async () => {
    writeFileSync(join(dir.path, K1), Buffer.alloc(1024, 7));
    writeFileSync(join(dir.path, "m1"), Buffer.alloc(1024 * 1024, 1));
    writeFileSync(join(dir.path, "m1+"), Buffer.alloc(1024 * 1024 + 1, 1));
    writeFileSync(join(dir.path, "empty"), "");
    // Connections whose expectation /now/417 refused: what comes next on them is served.
    const refused = new Set<number>();
    const beforeBody = (req: RecordedRequest) => {
      if (req.path === "/now/417" && !refused.has(req.connection)) refused.add(req.connection);
      else if (req.path === "/now/417") return "silent";
      return req.path.startsWith("/now") ? "answer" : req.path.startsWith("/silent") ? "silent" : "continue";
    };
    ex = await startServer({
      // /silent: no 100 ever; /now/...: the route's answer before the body; anything else: a 100.
      expectContinue: beforeBody,
      routes: {
        "/": ok,
        "/put": ok,
        "/silent": ok,
        "/now/401": { status: 401, body: "who?\n" },
        "/now/413": { status: 413, body: "too big\n" },
        "/now/200": { body: "fine\n" },
        "/now/503": { status: 503, body: "busy\n" },
        "/now/close": { raw: "", rawEnd: "close" },
        "/now/303": { redirect: { to: "/", status: 303 } },
        "/now/307": { redirect: { to: "/", status: 307 } },
        // A 100 and the final answer in one piece.
        "/now/100-401": { raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 No\r\nContent-Length: 3\r\n\r\nno\n", rawEnd: "close" },
        "/now/100-200": { raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n", rawEnd: "keep" },
        // 417 to the expectation; the request asked again without it is served.
        "/now/417": ({ req }) => (req.body.byteLength ? ok : { status: 417, body: "no\n" }),
      },
    });
  });
  afterAll(() => ex.stop());

  interface Sent {
    code: number | null;
    out: string;
    /** Each request's head (User-Agent left out) and body length, and whether it came on the first request's connection. */
    requests: { head: string; body: number; sameConnection: boolean }[];
  }

  async function sent(args: string[], cmd?: string, stdin?: Uint8Array): Promise<Sent & { waits: number[] }> {
    const before = ex.requests.length;
    const opts = { cwd: dir.path, stdin };
    const r = cmd ? await runCommand([cmd, "-s", ...args], opts) : await runCli(["-s", "--retry", "0", ...args], opts);
    const got = ex.requests.slice(before);
    const requests = got.map((q) => ({ head: q.raw.replace(/\r\nUser-Agent: [^\r]*/i, ""), body: q.body.byteLength, sameConnection: q.connection === got[0]!.connection }));
    return { code: r.code, out: new TextDecoder().decode(r.stdout), requests, waits: got.map((q) => q.bodyWaitMs ?? 0) };
  }

  /** fetchx's requests, exit code and output are curl's (when curl is here) and `expected`; the body waits returned. */
  async function asCurl(args: string[], expected: Sent, stdin?: Uint8Array): Promise<{ ours: number[]; theirs?: number[] }> {
    const { waits: ours, ...fx } = await sent(args, undefined, stdin);
    expect(fx).toEqual(expected);
    if (!curl) return { ours };
    const { waits: theirs, ...c } = await sent(args, curl, stdin);
    expect(c).toEqual(fx);
    return { ours, theirs };
  }

  const host = () => `Host: 127.0.0.1:${ex.port}\r\n`;
  const put = (target: string, length: number, expectLine = true) => `PUT ${target} HTTP/1.1\r\n${host()}Accept: */*\r\nContent-Length: ${length}\r\n${expectLine ? "Expect: 100-continue\r\n" : ""}\r\n`;
  const post = (length: number, expectLine: boolean) => `POST / HTTP/1.1\r\n${host()}Accept: */*\r\nContent-Length: ${length}\r\nContent-Type: application/x-www-form-urlencoded\r\n${expectLine ? "Expect: 100-continue\r\n" : ""}\r\n`;
  const one = (head: string, body: number) => ({ head, body, sameConnection: true });

  test("asked for -T with a body and for a POST's above 1 MiB; not for an empty -T, a POST of 1 MiB, -0, -H 'Expect:' (fetchx never asked)", async () => {
    await asCurl(["-T", K1, ex.url("/put")], { code: 0, out: "ok\n", requests: [one(put("/put", 1024), 1024)] });
    await asCurl(["-T", "empty", ex.url("/put")], { code: 0, out: "ok\n", requests: [one(put("/put", 0, false), 0)] });
    await asCurl(["--data-binary", "@m1+", ex.url("/")], { code: 0, out: "ok\n", requests: [one(post(1024 * 1024 + 1, true), 1024 * 1024 + 1)] });
    await asCurl(["--data-binary", "@m1", ex.url("/")], { code: 0, out: "ok\n", requests: [one(post(1024 * 1024, false), 1024 * 1024)] });
    await asCurl(["-0", "-T", K1, ex.url("/put")], { code: 0, out: "ok\n", requests: [one(put("/put", 1024, false).replace("HTTP/1.1", "HTTP/1.0"), 1024)] });
    await asCurl(["-H", "Expect:", "-T", K1, ex.url("/put")], { code: 0, out: "ok\n", requests: [one(put("/put", 1024, false), 1024)] });
  });

  test("no 100: the body goes when --expect100-timeout runs out; a caller's -H 'Expect: 100-continue' is waited on too (with -0, a POST's only)", async () => {
    const silentPut = { code: 0, out: "ok\n", requests: [one(put("/silent", 1024), 1024)] };
    for (const w of Object.values(await asCurl(["--expect100-timeout", "0.3", "-T", K1, ex.url("/silent")], silentPut))) expect(w[0]).toBeGreaterThanOrEqual(250);
    // Answered with a 100: no wait for the timeout (1 s by default).
    for (const w of Object.values(await asCurl(["-T", K1, ex.url("/put")], { code: 0, out: "ok\n", requests: [one(put("/put", 1024), 1024)] }))) expect(w[0]).toBeLessThan(900);
    const given = `POST /silent HTTP/1.0\r\n${host()}Accept: */*\r\nExpect: 100-continue\r\nContent-Length: 1\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n`;
    for (const w of Object.values(await asCurl(["-0", "-H", "Expect: 100-continue", "--expect100-timeout", "0.3", "-d", "x", ex.url("/silent")], { code: 0, out: "ok\n", requests: [one(given, 1)] }))) expect(w[0]).toBeGreaterThanOrEqual(250);
    const givenPut = `PUT /silent HTTP/1.0\r\n${host()}Accept: */*\r\nExpect: 100-continue\r\nContent-Length: 1024\r\n\r\n`;
    for (const w of Object.values(await asCurl(["-0", "-H", "Expect: 100-continue", "-T", K1, ex.url("/silent")], { code: 0, out: "ok\n", requests: [one(givenPut, 1024)] }))) expect(w[0]).toBeLessThan(900);
  });

  test("a final answer before the 100 (401, 413, 200, 503 with --retry): the body is not sent, exit 0; a server that closes instead: 52", async () => {
    const wrote = ["-w", "%{http_code} %{size_upload}\n"];
    await asCurl([...wrote, "-T", K1, ex.url("/now/401")], { code: 0, out: "who?\n401 0\n", requests: [one(put("/now/401", 1024), 0)] });
    await asCurl([...wrote, "-T", K1, ex.url("/now/413")], { code: 0, out: "too big\n413 0\n", requests: [one(put("/now/413", 1024), 0)] });
    await asCurl([...wrote, "-T", K1, ex.url("/now/200")], { code: 0, out: "fine\n200 0\n", requests: [one(put("/now/200", 1024), 0)] });
    // Each try asks again, and is answered again before its body (curl closes the connection after each).
    // Into a file: to standard output curl 7.88 writes every try's page, fetchx the last one's.
    const busy = put("/now/503", 1024);
    await asCurl([...wrote, "-o", "page", "--retry", "1", "--retry-delay", "0", "-T", K1, ex.url("/now/503")], { code: 0, out: "503 0\n", requests: [one(busy, 0), { head: busy, body: 0, sameConnection: false }] });
    await asCurl(["-T", K1, ex.url("/now/close")], { code: 52, out: "", requests: [one(put("/now/close", 1024), 0)] });
  });

  test("two uploads, each after its 100: the second on the first's connection, as curl's (fetchx took the quick answer for an early one and closed it)", async () => {
    await asCurl(["-T", K1, ex.url("/put"), "-T", K1, ex.url("/put")], { code: 0, out: "ok\nok\n", requests: [one(put("/put", 1024), 1024), one(put("/put", 1024), 1024)] });
  });

  test("a 100 read together with the final answer: the body goes after a 200, not after a 401 (fetchx sent a piece of it)", async () => {
    const wrote = ["-w", "%{http_code} %{size_upload}\n"];
    await asCurl([...wrote, "-T", K1, ex.url("/now/100-200")], { code: 0, out: "ok\n200 1024\n", requests: [one(put("/now/100-200", 1024), 0)] });
    await asCurl([...wrote, "-T", "m1", ex.url("/now/100-401")], { code: 0, out: "no\n401 0\n", requests: [one(put("/now/100-401", 1024 * 1024), 0)] });
  });

  test("417 to the expectation: asked again on the same connection, without it, the body sent at once", async () => {
    await asCurl(["-T", K1, ex.url("/now/417")], { code: 0, out: "ok\n", requests: [one(put("/now/417", 1024), 0), one(put("/now/417", 1024, false), 1024)] });
    // -i shows both heads (not the 417's body), as curl's (fetchx showed the last only). Date may tick between the runs.
    const shown = async (cmd?: string) => (await sent(["-i", "-T", K1, ex.url("/now/417")], cmd)).out.replace(/\r\nDate: [^\r]*/g, "");
    const ours = await shown();
    expect(ours).toMatch(/^HTTP\/1\.1 417 [^]*\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok\n$/);
    if (curl) expect(await shown(curl)).toBe(ours);
    // A caller's Expect is sent again, but not waited on.
    const given = `PUT /now/417 HTTP/1.1\r\n${host()}Accept: */*\r\nExpect: 100-continue\r\nContent-Length: 1024\r\n\r\n`;
    await asCurl(["-H", "Expect: 100-continue", "-T", K1, ex.url("/now/417")], { code: 0, out: "ok\n", requests: [one(given, 0), one(given, 1024)] });
  });

  test("-v says what curl 7.88's says: the wait run out, an error before the body, a 417 (fetchx said nothing)", async () => {
    const cases: [string[], string][] = [
      [["--expect100-timeout", "0.2", "-T", K1, ex.url("/silent")], "* Done waiting for 100-continue\n"],
      [["-T", K1, ex.url("/now/413")], "* HTTP error before end of send, stop sending\n"],
      [["-T", K1, ex.url("/now/417")], "* Got 417 while waiting for a 100\n"],
    ];
    for (const [args, line] of cases) {
      expect((await runCli(["-v", "--retry", "0", ...args], { cwd: dir.path })).stderr).toContain(line);
      if (curl) expect((await runCommand([curl, "-v", ...args], { cwd: dir.path })).stderr).toContain(line);
    }
  });

  test("-L: a 303 before the 100 is a GET; a 307 asks again with the body, a pipe's too (it was never read: fetchx said 65)", async () => {
    const get = `GET / HTTP/1.1\r\n${host()}Accept: */*\r\n\r\n`;
    const moved = { head: "", body: 0, sameConnection: false };
    await asCurl(["-L", "-T", K1, ex.url("/now/303")], { code: 0, out: "ok\n", requests: [one(put("/now/303", 1024), 0), { ...moved, head: get }] });
    await asCurl(["-L", "-T", K1, ex.url("/now/307")], { code: 0, out: "ok\n", requests: [one(put("/now/307", 1024), 0), { ...moved, head: put("/", 1024), body: 1024 }] });
    const chunked = (target: string) => `PUT ${target} HTTP/1.1\r\n${host()}Accept: */*\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n`;
    await asCurl(["-L", "-T", "-", ex.url("/now/307")], { code: 0, out: "ok\n", requests: [one(chunked("/now/307"), 0), { ...moved, head: chunked("/"), body: 5 }] }, new TextEncoder().encode("hello"));
  });

  test("-r and -C: Range right after Authorization, before User-Agent and Accept, as curl (fetchx sent it after Cookie)", async () => {
    const host = `127.0.0.1:${server.port}`;
    const others = ["-u", "a:b", "--compressed", "-e", "http://r/", "-b", "c=d", "-H", "X: y", server.url("/")];
    const rest = "Accept: */*\r\nAccept-Encoding: deflate, gzip, br, zstd\r\nReferer: http://r/\r\nCookie: c=d\r\nX: y\r\n\r\n";
    await sameAsCurl(["-r", "0-1", ...others], `GET / HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Basic YTpi\r\nRange: bytes=0-1\r\n${rest}`);
    await sameAsCurl(["-C", "1", ...others], `GET / HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Basic YTpi\r\nRange: bytes=1-\r\n${rest}`);
  });

  test("-H values go out as written, spaces and tabs after the colon and at the end kept (fetchx trimmed them)", async () => {
    const host = `127.0.0.1:${server.port}`;
    const get = `GET / HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n`;
    await sameAsCurl(["-H", "X:   v  ", "-H", "Y:v", "-H", "Z:\tt\t", "-H", "W;", "-H", "V:  ", "-H", "U; ", server.url("/")], `${get}X:   v  \r\nY:v\r\nZ:\tt\t\r\nW:\r\n\r\n`);
    // The headers fetchx reads itself still do their work, and go out as written too.
    await sameAsCurl(["-H", "Referer:  r ", "-H", "Cookie:  a=b ", "-b", "c=d", "-H", "Content-Type:\ttext/x ", "-d", "x", server.url("/")],
      `POST / HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\nReferer:  r \r\nCookie:  a=b \r\nContent-Type:\ttext/x \r\nContent-Length: 1\r\n\r\nx`);
    await sameAsCurl(["-H", "Range:  bytes=0-1 ", "-H", "Accept:", server.url("/")], `GET / HTTP/1.1\r\nHost: ${host}\r\nRange:  bytes=0-1 \r\n\r\n`);
  });

  test("-H Host: 'Host' then the text after the colon as written; spaces only send it, a bare 'Host:' removes it", async () => {
    // fetchx trimmed the value, and took "Host:  " for "Host:" (no Host at all).
    await sameAsCurl(["-H", "host:   h  ", server.url("/")], "GET / HTTP/1.1\r\nHost:   h  \r\nAccept: */*\r\n\r\n");
    await sameAsCurl(["-H", "Host:  ", server.url("/")], "GET / HTTP/1.1\r\nHost:  \r\nAccept: */*\r\n\r\n");
  });

  test("-H @FILE and -K: each line as written, the same as -H (fetchx trimmed them)", async () => {
    using dir = tempDir("fetchx-head-");
    const lines = dir.file("lines");
    await Bun.write(lines, "X:   v  \r\nY:\tw\n\nZ;\n");
    const config = dir.file("config");
    await Bun.write(config, `header = "A:  1 "\n-H "B:\\t2"\nheader = C:  3\nheader = "Host:  h "\n`);
    const host = `127.0.0.1:${server.port}`;
    await sameAsCurl(["-H", `@${lines}`, server.url("/")], `GET / HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\nX:   v  \r\nY:\tw\r\nZ:\r\n\r\n`);
    // An unquoted config value ends at its first space: "C:" removes a header, as curl reads it.
    await sameAsCurl(["-K", config, server.url("/")], "GET / HTTP/1.1\r\nHost:  h \r\nAccept: */*\r\nA:  1 \r\nB:\t2\r\n\r\n");
  });

  test("a host name's case as written: in Host, after -L to a Location, in %{url_effective} (fetchx sent it in lower case)", async () => {
    const url = `http://LOCALHOST:${server.port}/`;
    await sameAsCurl([url], `GET / HTTP/1.1\r\nHost: LOCALHOST:${server.port}\r\nAccept: */*\r\n\r\n`);
    await sameAsCurl(["-L", server.url("/upper")], `GET /upper HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAccept: */*\r\n\r\nGET /a HTTP/1.1\r\nHost: LocalHost:${server.port}\r\nAccept: */*\r\n\r\n`);
    const args = ["-s", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{url_effective}", "-L", server.url("/upper"), `LocalHost:${server.port}/a?Q#F`];
    const shown = new TextDecoder().decode((await runCli(args)).stdout);
    expect(shown).toBe(`http://LocalHost:${server.port}/ahttp://LocalHost:${server.port}/a?Q#F`);
    if (curl) expect(new TextDecoder().decode((await runCommand([curl, ...args])).stdout)).toBe(shown);
  });

  test("odd bytes in a path and a query go as written, non-ASCII percent-encoded in the path only (fetchx encoded as WHATWG)", async () => {
    const host = `127.0.0.1:${server.port}`;
    const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAccept: */*\r\n\r\n`;
    const odd = "\"<>`^'{}|\\";
    // The server keeps the bytes received one character each: "é" raw is its two UTF-8 bytes.
    const e = Buffer.from("é").toString("latin1");
    // [URL's path and query, target sent]; -g: "{}" are no glob here.
    const table: [string, string][] = [
      [`/p${odd}q/x?a${odd}b`, `/p${odd}q/x?a${odd}b`],
      ["/é/x?é", `/%c3%a9/x?${e}`],
      ["/a/./b/../c\"d/.?q\"/.", "/a/c\"d/?q\"/."],
      ["?q/x`y", "/?q/x`y"],
    ];
    for (const [written, target] of table) await sameAsCurl(["-g", `http://${host}${written}`], get(target));
    await sameAsCurl(["-g", "--path-as-is", `http://${host}/a/./b"/../é?é`], get(`/a/./b"/../%c3%a9?${e}`));
    await sameAsCurl(["-g", "-G", "-d", `x=${odd}é`, `http://${host}/a"b`], get(`/a"b?x=${odd}${e}`));
  });
});
