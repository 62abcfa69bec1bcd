// Which proxy, with which credentials, against curl 7.88 itself: each command runs with curl and with
// fetchx through a recording HTTP proxy (test/servers/recording-proxy.ts), and what the proxy saw (request lines and headers),
// what the origin saw, the exit code and stdout are compared. The rules it guards, as curl's:
// "-U user" and "http://user@proxy" send "user:" (RFC 7617 wants the colon; fetchx sent "user"); the proxy
// URL's credentials win over -U's; HTTP_PROXY in upper case is never read (HTTPS_PROXY and ALL_PROXY are);
// --unix-socket uses no proxy (fetchx sent the absolute-form request down the socket); --noproxy "*"
// matches every host only alone, and an entry with a port matches nothing.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { runCli, runCommand, tempDir } from "../servers/harness.ts";
import { recordingProxy } from "../servers/recording-proxy.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { makeCert } from "../servers/tls.ts";

const CURL = Bun.which("curl");
// curl asks for a -U password on the terminal (/dev/tty) when there is one: without a controlling
// terminal it reads stdin, which is empty here, and sends an empty password.
const SETSID = Bun.which("setsid");
const tmp = tempDir("fetchx-proxy-curl-");
const clean = { http_proxy: "", https_proxy: "", all_proxy: "", no_proxy: "", HTTP_PROXY: "", HTTPS_PROXY: "", ALL_PROXY: "", NO_PROXY: "", REQUEST_METHOD: "" };


let origin: TestServer;
let tlsOrigin: TestServer;
let proxy: ReturnType<typeof recordingProxy>;
/** Proxies that answer CONNECT otherwise: "@Q407" and the like in a case stand for their URLs. */
const CONNECT_REPLIES: Record<string, string> = {
  "407": 'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="p"\r\nContent-Length: 5\r\n\r\nauth\n',
  "403": "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
  "502": "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n",
  "301": "HTTP/1.1 301 Moved\r\nLocation: http://elsewhere.example/\r\nContent-Length: 0\r\n\r\n",
  LF: "HTTP/1.1 200 OK\nProxy-Agent: lf\n\n",
  AGENT: "HTTP/1.1 200 Connection established\r\nProxy-Agent: scripted\r\n\r\n",
};
const scripted: Record<string, ReturnType<typeof recordingProxy>> = {};
let ca: string;
const socketPath = join(tmp.path, "origin.sock");
beforeAll(async () => {
  // /bare: a head with no Date, so curl's and fetchx's -i output are the same bytes (/bare-head: HEAD's answer).
  const bare = { "/bare": { raw: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nB\n" }, "/bare-head": { raw: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n" } };
  origin = await startServer({ routes: { "/a": { body: "A\n" }, "/version": { body: "version 1\n" }, ...bare }, unix: socketPath });
  const cert = await makeCert(tmp.path);
  ca = cert.caPath;
  tlsOrigin = await startServer({ routes: { "/a": { body: "secure A\n" }, ...bare }, tls: { cert: cert.certPem, key: cert.keyPem } });
  proxy = recordingProxy();
  for (const [name, connectReply] of Object.entries(CONNECT_REPLIES)) scripted[name] = recordingProxy({ connectReply });
});
afterAll(() => {
  for (const p of Object.values(scripted)) p.stop();
  origin?.stop();
  tlsOrigin?.stop();
  proxy?.stop();
  tmp.cleanup();
});

/** A head's lines after the request line, User-Agent's value masked, sorted (curl orders them otherwise). */
const lines = (head: string) => head.split("\r\n").slice(1).map((l) => (/^user-agent:/i.test(l) ? "User-Agent: *" : l)).sort();

/** "@Q407" a proxy answering CONNECT with CONNECT_REPLIES["407"], "@P" the recording proxy's URL, "@PH" its host:port, "@U" the origin's /a, "@PORT" the origin's port, "@S" its Unix socket, "@TLS" the TLS origin's /a. */
function fill(text: string): string {
  return text
    .replace(/@Q(\w+)/g, (_, name: string) => scripted[name]!.url)
    .replaceAll("@PORT", String(origin.port))
    .replaceAll("@PH", proxy.hostPort)
    .replaceAll("@P", `http://${proxy.hostPort}`)
    .replaceAll("@U", origin.url("/a"))
    .replaceAll("@S", socketPath)
    .replaceAll("@TLS", `https://localhost:${tlsOrigin.port}/a`);
}

/** What the proxy and the origins saw for one command, its exit code and stdout. */
async function seen(who: "curl" | "fetchx", args: string[], env: Record<string, string>) {
  const [p, o, t] = [proxy.heads.length, origin.requests.length, tlsOrigin.requests.length];
  const full = ["-sS", "--max-time", "10", ...args.map(fill)];
  const opts = { env: { ...clean, ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, fill(v)])) }, cwd: tmp.path };
  const r = who === "curl" ? await runCommand([...(SETSID ? [SETSID, "-w"] : []), "curl", ...full], opts) : await runCli(full, opts);
  const toOrigin = (q: TestServer["requests"][number]) => [`${q.method} ${q.path}`, ...Object.keys(q.headers).filter((k) => k.startsWith("proxy-")).sort()];
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    proxy: proxy.heads.slice(p).map((h) => [h.split("\r\n")[0], ...lines(h)]),
    origin: origin.requests.slice(o).map(toOrigin),
    tlsOrigin: tlsOrigin.requests.slice(t).map(toOrigin),
  };
}

type Case = [args: string[], env?: Record<string, string>];

/** Runs each case with curl and with fetchx; they must agree. Returns what fetchx's runs saw, for more checks. */
async function compare(cases: Case[]) {
  const ours = [];
  for (const [args, env = {}] of cases) {
    const theirs = await seen("curl", args, env);
    const mine = await seen("fetchx", args, env);
    expect({ args, env, ...mine }).toEqual({ args, env, ...theirs });
    ours.push(mine);
  }
  return ours;
}

describe.skipIf(!CURL || !SETSID)("proxy choice and credentials, as curl 7.88", () => {
  test('-U USER and a proxy URL\'s USER@ send "USER:" (an empty password), forwarded and in CONNECT', async () => {
    const runs = await compare([
      [["-x", "@P", "-U", "pu", "@U"]],
      [["-p", "-x", "@P", "-U", "pu", "@U"]],
      [["-x", "@P", "-U", "", "@U"]],
      [["@U"], { http_proxy: "http://pu@@PH" }],
      [["-x", "http://pu%3Ax@@PH", "@U"]],
    ]);
    expect(runs[0]!.proxy[0]).toContain(`Proxy-Authorization: Basic ${btoa("pu:")}`);
  });

  test("credentials in the proxy URL win over -U's", async () => {
    const runs = await compare([
      [["-x", "http://pu:pp@@PH", "-U", "ou:op", "@U"]],
      [["-x", "http://pu@@PH", "-U", "ou:op", "@U"]],
      [["-x", "http://:pp@@PH", "-U", "ou:op", "@U"]],
      [["-U", "ou:op", "@U"], { http_proxy: "http://pu:pp@@PH" }],
      [["-p", "-U", "ou:op", "@U"], { http_proxy: "http://pu:pp@@PH" }],
      [["-x", "@P", "-U", "ou:op", "@U"]],
    ]);
    expect(runs[0]!.proxy[0]).toContain(`Proxy-Authorization: Basic ${btoa("pu:pp")}`);
  });

  test("HTTP_PROXY in upper case is never read; HTTPS_PROXY and ALL_PROXY are", async () => {
    const runs = await compare([
      [["@U"], { HTTP_PROXY: "@P" }],
      [["@U"], { HTTP_PROXY: "@P", REQUEST_METHOD: "GET" }],
      [["@U"], { ALL_PROXY: "@P" }],
      [["@U"], { HTTP_PROXY: "http://127.0.0.1:9", ALL_PROXY: "@P" }],
      [["--cacert", ca, "@TLS"], { HTTPS_PROXY: "@P" }],
    ]);
    expect(runs.map((r) => r.stdout)).toEqual(["A\n", "A\n", "proxied\n", "proxied\n", "secure A\n"]);
  });

  // Scripts pass an HTTPS proxy's TLS options for whatever proxy is set; curl 7.88 ignores them with an
  // http:// one. fetchx refused them (exit 2).
  test("--proxy-insecure, --proxy-cacert and --proxy-capath change nothing with an http:// proxy", async () => {
    const runs = await compare([
      [["-x", "@P", "--proxy-insecure", "@U"]],
      [["-p", "-x", "@P", "--proxy-cacert", ca, "--proxy-capath", tmp.path, "@U"]],
      [["--proxy-insecure", "@U"], { http_proxy: "@P" }],
    ]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
  });

  test("--unix-socket uses no proxy: -x, http_proxy or all_proxy, forwarding or -p", async () => {
    const runs = await compare([
      [["--unix-socket", "@S", "http://localhost/version"], { http_proxy: "@P" }],
      [["-x", "@P", "--unix-socket", "@S", "http://localhost/version"]],
      [["--unix-socket", "@S", "http://localhost/version"], { all_proxy: "@P" }],
      [["-p", "-x", "@P", "--unix-socket", "@S", "http://localhost/version"]],
    ]);
    for (const r of runs) expect(r).toMatchObject({ stdout: "version 1\n", proxy: [], origin: [["GET /version"]] });
  });

  test('--noproxy: "*" only alone; an entry with a port matches nothing', async () => {
    const runs = await compare([
      [["-x", "@P", "--noproxy", "foo,*", "@U"]],
      [["-x", "@P", "--noproxy", " *", "@U"]],
      [["@U"], { http_proxy: "@P", no_proxy: "foo,*" }],
      [["-x", "@P", "--noproxy", "127.0.0.1:@PORT", "@U"]],
      [["-x", "@P", "--noproxy", "localhost:@PORT", "http://localhost:@PORT/a"]],
      [["@U"], { http_proxy: "@P", no_proxy: "127.0.0.1:@PORT" }],
      [["-x", "@P", "--noproxy", "*", "@U"]],
      [["-x", "@P", "--noproxy", "foo,127.0.0.1", "@U"]],
      [["-x", "@P", "--noproxy", "10.0.0.0/0", "@U"]],
    ]);
    expect(runs.map((r) => r.stdout)).toEqual(["proxied\n", "proxied\n", "proxied\n", "proxied\n", "proxied\n", "proxied\n", "A\n", "A\n", "proxied\n"]);
  });

  test("-f: a proxy's answer of 400 or more to CONNECT is exit 22 (56 without -f, and with --fail-with-body)", async () => {
    // fetchx ended every refused CONNECT with 56, -f or not.
    const runs = await compare([
      [["-f", "-p", "-x", "@Q407", "@U"]],
      [["-p", "-x", "@Q407", "@U"]],
      [["--fail-with-body", "-p", "-x", "@Q407", "@U"]],
      [["-f", "-p", "-x", "@Q403", "-w", "%{http_connect}", "@U"]],
      [["-f", "--retry", "0", "-p", "-x", "@Q502", "@U"]],
      [["-f", "-p", "-x", "@Q301", "@U"]],
      [["-f", "-x", "@Q407", "--cacert", ca, "@TLS"]],
    ]);
    expect(runs.map((r) => r.code)).toEqual([22, 56, 56, 22, 22, 56, 22]);
    expect(runs[3]!.stdout).toBe("403");
  });

  test("a CONNECT answer whose lines end in a bare LF opens the tunnel (fetchx waited for CRLF CRLF until -m)", async () => {
    const runs = await compare([[["-p", "-x", "@QLF", "@U"]], [["-x", "@QLF", "--cacert", ca, "@TLS"]]]);
    expect(runs.map((r) => [r.code, r.stdout])).toEqual([[0, "A\n"], [0, "secure A\n"]]);
  });

  test("-i, -I, -D show the proxy's answer to CONNECT before the origin's head, and %{size_header} counts it (fetchx showed the origin's alone)", async () => {
    const [plain, secure] = [origin.url("/bare"), `https://localhost:${tlsOrigin.port}/bare`];
    const runs = await compare([
      [["-i", "-p", "-x", "@QAGENT", "-w", "[%{http_connect} %{size_header}]", plain]],
      [["-i", "-x", "@QAGENT", "--cacert", ca, secure]],
      [["-I", "-p", "-x", "@QAGENT", `${plain}-head`]],
      [["-I", "-x", "@QAGENT", "--cacert", ca, `${secure}-head`]],
      [["-D", "-", "-o", "/dev/null", "-p", "-x", "@QLF", plain]],
      [["-i", "-p", "-x", "@Q407", "-w", "[%{http_connect} %{size_header}]", plain]],
      [["-i", "--suppress-connect-headers", "-p", "-x", "@QAGENT", plain]],
    ]);
    const answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n";
    const refused = CONNECT_REPLIES["407"]!.replace("auth\n", "");
    expect(runs.map((r) => r.stdout)).toEqual([
      `${CONNECT_REPLIES.AGENT}${answer}B\n[200 ${CONNECT_REPLIES.AGENT!.length + answer.length}]`,
      `${CONNECT_REPLIES.AGENT}${answer}B\n`,
      `${CONNECT_REPLIES.AGENT}${answer}`,
      `${CONNECT_REPLIES.AGENT}${answer}`,
      `${CONNECT_REPLIES.LF}${answer}`,
      `${refused}[407 ${refused.length}]`,
      `${answer}B\n`,
    ]);
    // -D FILE: the same heads in the file.
    const heads = join(tmp.path, "heads.txt");
    const files = [];
    for (const who of ["curl", "fetchx"] as const) {
      await seen(who, ["-D", heads, "-o", "/dev/null", "-p", "-x", "@QAGENT", plain], {});
      files.push(await Bun.file(heads).text());
    }
    expect(files).toEqual([`${CONNECT_REPLIES.AGENT}${answer}`, `${CONNECT_REPLIES.AGENT}${answer}`]);
  });

  test("--connect-to that sends the URL elsewhere makes an HTTP proxy tunnel there; one that changes nothing forwards", async () => {
    // fetchx forwarded "GET http://example.com/a" to the proxy, --connect-to unheeded.
    const runs = await compare([
      [["--connect-to", "example.com:80:127.0.0.1:@PORT", "-x", "@P", "http://example.com/a"]],
      [["--connect-to", "::127.0.0.1:@PORT", "-x", "@P", "http://localhost:@PORT/a"]],
      [["--connect-to", "127.0.0.1:@PORT:127.0.0.1:@PORT", "-x", "@P", "@U"]],
      [["--connect-to", "example.com:80:127.0.0.1:1", "-x", "@P", "@U"]],
    ]);
    expect(runs.map((r) => [r.stdout, r.proxy[0]![0]])).toEqual([
      ["A\n", `CONNECT 127.0.0.1:${origin.port} HTTP/1.1`],
      ["A\n", `CONNECT 127.0.0.1:${origin.port} HTTP/1.1`],
      ["proxied\n", `GET ${origin.url("/a")} HTTP/1.1`],
      ["proxied\n", `GET ${origin.url("/a")} HTTP/1.1`],
    ]);
    expect(runs[0]!.origin).toEqual([["GET /a"]]);
  });

  test('a proxy "HOST:" without a scheme and without a port is exit 5; "http://HOST:" goes to port 1080', async () => {
    // fetchx took both for port 1080 (exit 7 here, where nothing listens on it).
    const runs = await compare([
      [["--retry", "0", "-x", "127.0.0.1:", "@U"]],
      [["--retry", "0", "@U"], { http_proxy: "localhost:/" }],
      [["--retry", "0", "-x", "http://127.0.0.1:", "@U"]],
    ]);
    // The third goes wherever port 1080 leads here: curl and fetchx alike.
    expect(runs.slice(0, 2).map((r) => r.code)).toEqual([5, 5]);
  });

  test("forwarded: Proxy-Authorization after Host, Proxy-Connection before Cookie; -H 'Proxy-Connection:' sends none", async () => {
    // fetchx wrote both last, and its own Proxy-Connection beside the caller's "Proxy-Connection:".
    const head = async (who: "curl" | "fetchx", args: string[]) => {
      await seen(who, args, {});
      return proxy.heads.at(-1)!.replace(/\r\nUser-Agent: [^\r]*/i, "");
    };
    const host = `127.0.0.1:${origin.port}`;
    const cases: [string[], string][] = [
      [["-x", "@P", "-U", "p:q", "-r", "0-1", "-e", "http://r/", "-b", "c=d", "-H", "X: y", "@U"],
        `GET http://${host}/a HTTP/1.1\r\nHost: ${host}\r\nProxy-Authorization: Basic cDpx\r\nRange: bytes=0-1\r\nAccept: */*\r\nReferer: http://r/\r\nProxy-Connection: Keep-Alive\r\nCookie: c=d\r\nX: y`],
      [["-x", "@P", "-H", "Proxy-Connection:", "@U"], `GET http://${host}/a HTTP/1.1\r\nHost: ${host}\r\nAccept: */*`],
      [["-x", "@P", "-H", "Accept: t/x", "-H", "Proxy-Connection: close", "@U"], `GET http://${host}/a HTTP/1.1\r\nHost: ${host}\r\nAccept: t/x\r\nProxy-Connection: close`],
      // The host's case as written, in the request line and in Host (fetchx lowered both).
      [["-x", "@P", `http://LocalHost:${origin.port}/a`], `GET http://LocalHost:${origin.port}/a HTTP/1.1\r\nHost: LocalHost:${origin.port}\r\nAccept: */*\r\nProxy-Connection: Keep-Alive`],
    ];
    for (const [args, expected] of cases) {
      const ours = await head("fetchx", args);
      expect(ours).toBe(expected);
      expect(await head("curl", args)).toBe(ours);
    }
  });

  test("--noproxy and NO_PROXY with an IPv6 host compare text, as curl 7.88: '::1' matches [::1] and [0::1], '[::1]', '0:0::1' and '::1/128' do not", async () => {
    // fetchx compared the addresses as numbers, so all four went direct.
    const origin6 = await startServer({ host: "::1", routes: { "/a": { body: "A6\n" } } });
    try {
      const url = `http://[::1]:${origin6.port}/a`;
      const runs = await compare([
        [["-x", "@P", "--noproxy", "::1", url]],
        [["-x", "@P", "--noproxy", ".::1", `http://[0::1]:${origin6.port}/a`]],
        [["-x", "@P", "--noproxy", "[::1]", url]],
        [["-x", "@P", "--noproxy", "0:0::1", url]],
        [["-x", "@P", "--noproxy", "::1/128", url]],
        [[url], { http_proxy: "@P", NO_PROXY: "::1" }],
        [[url], { http_proxy: "@P", no_proxy: "[::1]" }],
      ]);
      expect(runs.map((r) => r.stdout)).toEqual(["A6\n", "A6\n", "proxied\n", "proxied\n", "proxied\n", "A6\n", "proxied\n"]);
    } finally {
      origin6.stop();
    }
  });

  test("CONNECT names the host as written: 'CONNECT LocalHost:PORT', as curl (fetchx lowered it)", async () => {
    const runs = await compare([[["-p", "-x", "@P", "http://LocalHost:@PORT/a"]]]);
    expect(runs[0]!.proxy[0]!.slice(0, 2)).toEqual([`CONNECT LocalHost:${origin.port} HTTP/1.1`, `Host: LocalHost:${origin.port}`]);
  });
});
