// Proxies end to end against a real tinyproxy: absolute-form forwarding for http, CONNECT tunnels for
// https and with -p, the environment variables and their precedence, no_proxy, Basic proxy auth, a
// refused CONNECT (exit 56), and --mptcp reaching the proxy itself.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { randomBytes, runCli, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { startTinyproxy, type TinyproxyServer } from "../servers/tinyproxy.ts";
import { makeCert, type TestCert } from "../servers/tls.ts";

const data = randomBytes(700 * 1024 + 3, 11);
const tmp = tempDir("fetchx-proxy-");
let plain: TestServer;
let secure: TestServer;
let cert: TestCert;
let proxy: TinyproxyServer;
let authProxy: TinyproxyServer;
let dataHash: string;

// No proxy settings leak in from the environment running the tests.
const clean = { http_proxy: "", https_proxy: "", all_proxy: "", no_proxy: "", HTTP_PROXY: "", HTTPS_PROXY: "", ALL_PROXY: "", NO_PROXY: "" };
const env = (extra: Record<string, string> = {}) => ({ ...clean, ...extra });

/** A port where nothing listens: a proxy pointing there fails at once if it is used. */
function deadPort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

beforeAll(async () => {
  cert = await makeCert(tmp.path);
  dataHash = await sha256(data);
  const routes = { "/data.bin": { body: data }, "/a": { body: "A\n" }, "/b": { body: "B\n" }, "/c": { body: "C\n" }, "/d": { body: "D\n" } };
  plain = await startServer({ routes });
  secure = await startServer({ routes, tls: { cert: cert.certPem, key: cert.keyPem } });
  proxy = await startTinyproxy({ connectPorts: [secure.port, plain.port] });
  authProxy = await startTinyproxy({ connectPorts: [secure.port, plain.port], basicAuth: "alice:s3cret" });
});
afterAll(async () => {
  await proxy?.stop();
  await authProxy?.stop();
  plain?.stop();
  secure?.stop();
  tmp.cleanup();
});

const secureUrl = (path: string) => `https://localhost:${secure.port}${path}`;
const proxyLines = (p: TinyproxyServer) => p.log().split("\n").filter((l) => l.includes("Request"));

describe("through tinyproxy", () => {
  test("http: absolute-form GET to the proxy, same bytes", async () => {
    const out = tmp.file("fwd.bin");
    const r = await runCli(["-x", proxy.url, plain.url("/data.bin"), "-o", out, "-sS"], { env: env() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(readFileSync(out))).toBe(dataHash);
    expect(proxyLines(proxy).some((l) => l.includes(`GET ${plain.url("/data.bin")} HTTP/1.1`))).toBe(true);
  });

  test("https: CONNECT tunnel, TLS to the origin inside it (certificate checked against --cacert)", async () => {
    const out = tmp.file("tls.bin");
    const r = await runCli(["-x", proxy.url, secureUrl("/data.bin"), "--cacert", cert.caPath, "-o", out, "-sS"], { env: env() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(readFileSync(out))).toBe(dataHash);
    expect(proxyLines(proxy).some((l) => l.includes(`CONNECT localhost:${secure.port} HTTP/1.1`))).toBe(true);
    // Without the CA the origin's certificate is refused, tunnel or not.
    const bad = await runCli(["-x", proxy.url, secureUrl("/a"), "-sS"], { env: env() });
    expect(bad.code).toBe(60);
  });

  test("-p tunnels plain http too", async () => {
    const r = await runCli(["-x", proxy.url, "-p", plain.url("/b"), "-sS"], { env: env() });
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("B\n");
    expect(proxyLines(proxy).some((l) => l.includes(`CONNECT 127.0.0.1:${plain.port} HTTP/1.1`))).toBe(true);
  });

  test("environment: http_proxy, HTTPS_PROXY, all_proxy; lower case wins", async () => {
    const before = proxyLines(proxy).length;
    const dead = `http://127.0.0.1:${deadPort()}`;
    let r = await runCli([plain.url("/c"), "-sS"], { env: env({ http_proxy: proxy.url, HTTP_PROXY: dead }) });
    expect(r.code).toBe(0);
    r = await runCli([secureUrl("/c"), "--cacert", cert.caPath, "-sS"], { env: env({ HTTPS_PROXY: proxy.url }) });
    expect(r.code).toBe(0);
    r = await runCli([plain.url("/c"), "-sS"], { env: env({ all_proxy: proxy.url }) });
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("C\n");
    expect(proxyLines(proxy).length - before).toBe(3);
  });

  test("HTTP_PROXY in upper case is never read, in a CGI environment (REQUEST_METHOD set) or not, as curl 7.88", async () => {
    const dead = `http://127.0.0.1:${deadPort()}`;
    const r = await runCli([plain.url("/d"), "-sS"], { env: env({ HTTP_PROXY: dead, REQUEST_METHOD: "GET" }) });
    expect(r.code).toBe(0);
    const direct = await runCli([plain.url("/d"), "-sS", "--retry", "0"], { env: env({ HTTP_PROXY: dead }) });
    expect(direct.code).toBe(0);
  });

  test("no_proxy and --noproxy send matching hosts direct; -x '' disables proxies", async () => {
    const dead = `http://127.0.0.1:${deadPort()}`;
    for (const [args, extra] of [
      [[], { http_proxy: dead, no_proxy: "127.0.0.0/8" }],
      [[], { http_proxy: dead, NO_PROXY: "example.com, 127.0.0.1" }],
      [["--noproxy", "*"], { http_proxy: dead }],
      [["--noproxy", "127.0.0.1"], { http_proxy: dead, no_proxy: "other.example" }],
      [["-x", ""], { http_proxy: dead }],
    ] as [string[], Record<string, string>][]) {
      const r = await runCli([plain.url("/a"), "-sS", ...args], { env: env(extra) });
      expect({ args, extra, code: r.code, stderr: r.stderr }).toMatchObject({ code: 0, stderr: "" });
      expect(new TextDecoder().decode(r.stdout)).toBe("A\n");
    }
  });
});

describe("proxy authentication", () => {
  test("CONNECT without credentials: 407 is a clear error with curl's exit 56", async () => {
    const r = await runCli(["-x", authProxy.url, secureUrl("/a"), "--cacert", cert.caPath, "-sS"], { env: env() });
    expect(r.code).toBe(56);
    expect(r.stderr).toContain("407");
    expect(r.stderr).toContain("--proxy-user");
  });

  test("credentials from the proxy URL or --proxy-user work for CONNECT and forwarding", async () => {
    const withUrl = authProxy.url.replace("http://", "http://alice:s3cret@");
    let r = await runCli(["-x", withUrl, secureUrl("/a"), "--cacert", cert.caPath, "-sS"], { env: env() });
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("A\n");
    r = await runCli(["-x", authProxy.url, "-U", "alice:s3cret", plain.url("/b"), "-sS", "-f"], { env: env() });
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("B\n");
    // The origin never sees the proxy's credentials.
    expect(plain.requests.at(-1)!.headers["proxy-authorization"]).toBeUndefined();
    r = await runCli(["-x", authProxy.url, "-U", "alice:wrong", secureUrl("/a"), "--cacert", cert.caPath, "-sS"], { env: env() });
    expect(r.code).toBe(56);
    expect(r.stderr).toContain("refused the credentials");
  });

  test("a CONNECT the proxy forbids (port not allowed) ends with exit 56 and the status", async () => {
    const other = await startServer({ routes: { "/a": { body: "x" } } });
    try {
      const r = await runCli(["-x", proxy.url, "-p", other.url("/a"), "-sS"], { env: env() });
      expect(r.code).toBe(56);
      expect(r.stderr).toContain("CONNECT tunnel failed, response 403");
    } finally {
      other.stop();
    }
  });
});

test("--mptcp reaches the proxy: the connection to an MPTCP proxy is Multipath TCP", async () => {
  const mp = await startTinyproxy({ connectPorts: [secure.port], mptcp: true });
  try {
    const r = await runCli(["--mptcp", "-x", mp.url, secureUrl("/data.bin"), "--cacert", cert.caPath, "-o", tmp.file("mp.bin"), "-sS", "-w", "%{json}"], { env: env() });
    expect(r.code).toBe(0);
    const j = JSON.parse(new TextDecoder().decode(r.stdout));
    expect(j.mptcp).toBe("active");
    expect(await sha256(readFileSync(tmp.file("mp.bin")))).toBe(dataHash);
  } finally {
    await mp.stop();
  }
});
