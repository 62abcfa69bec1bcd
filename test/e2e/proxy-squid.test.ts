// Proxy authentication against a real Squid that asks for Digest (and Basic), fetchx beside curl 7.88:
// --proxy-digest and --proxy-anyauth answer the proxy's 407 challenge, for a forwarded http:// request and
// for a CONNECT tunnel (-p) on the same connection; the request that draws the challenge goes without its
// body (Content-Length: 0), as curl's; a wrong password ends as curl's does. A proxy that closes the
// connection after its challenge is asked again on a new one.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Socket } from "bun";
import { fetchxCommand, randomBytes, runCommand, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { startSquid, type SquidServer } from "../servers/squid.ts";

const data = randomBytes(300 * 1024 + 7, 23);
const tmp = tempDir("fetchx-squid-test-");
let origin: TestServer;
let squid: SquidServer;
let dataHash: string;

// No proxy settings leak in from the environment running the tests.
const env = { http_proxy: "", https_proxy: "", all_proxy: "", no_proxy: "", HTTP_PROXY: "", HTTPS_PROXY: "", ALL_PROXY: "", NO_PROXY: "" };
const contenders = [["curl", ["curl"]], ["fetchx", fetchxCommand()]] as const;

beforeAll(async () => {
  dataHash = await sha256(data);
  origin = await startServer({ routes: { "/data.bin": { body: data }, "/post": { body: "posted\n" } } });
  squid = await startSquid("alice", "s3cret");
}, 30_000);
afterAll(async () => {
  await squid?.stop();
  origin?.stop();
  tmp.cleanup();
});

/** One run through Squid: exit code, the -w line, and the sha256 of what was saved. */
async function through(cmd: readonly string[], name: string, args: string[]) {
  const out = tmp.file(`${name}-${Math.random().toString(36).slice(2)}`);
  const r = await runCommand([...cmd, "-sS", "-x", squid.url, "-o", out, "-w", "%{http_code} %{http_connect} %{num_connects}", ...args], { env });
  const saved = r.code === 0 ? await sha256(readFileSync(out)) : "";
  return { code: r.code, w: new TextDecoder().decode(r.stdout), saved };
}

describe("Squid asking for Digest and Basic", () => {
  const cases: [string, string[], string][] = [
    ["--proxy-digest, forwarded", ["--proxy-digest"], "200 000 1"],
    ["--proxy-anyauth, forwarded", ["--proxy-anyauth"], "200 000 1"],
    ["Basic (the default), forwarded", [], "200 000 1"],
    ["--proxy-digest, CONNECT tunnel", ["-p", "--proxy-digest"], "200 200 1"],
    ["--proxy-anyauth, CONNECT tunnel", ["-p", "--proxy-anyauth"], "200 200 1"],
    ["--proxy-basic, CONNECT tunnel", ["-p", "--proxy-basic"], "200 200 1"],
  ];
  for (const [what, args, w] of cases)
    test(`${what}: the file, as curl`, async () => {
      for (const [name, cmd] of contenders) {
        const r = await through(cmd, name, [...args, "-U", "alice:s3cret", origin.url("/data.bin")]);
        expect({ name, ...r }).toEqual({ name, code: 0, w, saved: dataHash });
      }
    });

  test("a wrong password: the 407 is the answer when forwarded (exit 0), exit 56 for CONNECT, as curl", async () => {
    for (const [name, cmd] of contenders) {
      expect({ name, ...(await through(cmd, name, ["--proxy-digest", "-U", "alice:wrong", origin.url("/data.bin")])) }).toEqual({ name, code: 0, w: "407 000 1", saved: expect.any(String) });
      expect({ name, ...(await through(cmd, name, ["-p", "--proxy-digest", "-U", "alice:wrong", origin.url("/data.bin")])) }).toEqual({ name, code: 56, w: "000 407 1", saved: "" });
    }
  });

  test("-d under --proxy-digest: the body reaches the origin once, sent with the answer to the challenge", async () => {
    for (const [name, cmd] of contenders) {
      const before = origin.requests.length;
      const r = await through(cmd, name, ["--proxy-digest", "-U", "alice:s3cret", "-d", "hello=1", origin.url("/post")]);
      expect({ name, code: r.code, w: r.w }).toEqual({ name, code: 0, w: "200 000 1" });
      const posts = origin.requests.slice(before);
      expect({ name, posts: posts.map((q) => [q.method, new TextDecoder().decode(q.body)]) }).toEqual({ name, posts: [["POST", "hello=1"]] });
    }
  });

  test("-i: the 407 that drew the challenge is shown before the answer, forwarded and for CONNECT, as curl's", async () => {
    const statusLines = async (cmd: readonly string[], extra: string[]) => {
      const r = await runCommand([...cmd, "-s", "-i", ...extra, "-x", squid.url, "--proxy-digest", "-U", "alice:s3cret", origin.url("/post")], { env });
      return Buffer.from(r.stdout).toString("latin1").match(/^HTTP\/\S+ \d+/gm);
    };
    for (const [extra, expected] of [[[], ["HTTP/1.1 407", "HTTP/1.1 200"]], [["-p"], ["HTTP/1.1 407", "HTTP/1.1 200", "HTTP/1.1 200"]]] as const) {
      const ours = await statusLines(fetchxCommand(), [...extra]);
      expect(ours).toEqual([...expected]);
      expect(await statusLines(["curl"], [...extra])).toEqual(ours);
    }
  });

  test("two URLs: the second is sent with the challenge already answered (one 407 in all)", async () => {
    const r = await runCommand([...fetchxCommand(), "-sS", "-x", squid.url, "--proxy-digest", "-U", "alice:s3cret", "-v", origin.url("/data.bin"), "-o", tmp.file("one"), origin.url("/data.bin"), "-o", tmp.file("two")], { env });
    expect(r.code).toBe(0);
    expect(r.stderr.match(/< HTTP\/1\.1 407/g)).toHaveLength(1);
    expect([await sha256(readFileSync(tmp.file("one"))), await sha256(readFileSync(tmp.file("two")))]).toEqual([dataHash, dataHash]);
  });
});

// Squid keeps the connection after its 407; some proxies close it. curl connects again, so does fetchx.
test("a proxy that closes after its CONNECT challenge is asked again on a new connection, as curl does", async () => {
  const connects: string[] = [];
  let accepted = 0;
  const proxy = Bun.listen<{ head: string; tunnel: boolean }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        accepted++;
        s.data = { head: "", tunnel: false };
      },
      data(s: Socket<{ head: string; tunnel: boolean }>, chunk) {
        // Inside the tunnel this proxy answers as the origin itself.
        if (s.data.tunnel) return void s.end("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n");
        s.data.head += chunk.toString("latin1");
        if (!s.data.head.includes("\r\n\r\n")) return;
        connects.push(s.data.head);
        if (!/^Proxy-Authorization: Digest /im.test(s.data.head))
          return void s.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Digest realm="r", nonce="n1", qop="auth"\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        s.data.tunnel = true;
        s.write("HTTP/1.1 200 Connection established\r\n\r\n");
      },
    },
  });
  try {
    for (const [name, cmd] of contenders) {
      connects.length = 0;
      accepted = 0;
      const r = await runCommand([...cmd, "-sS", "-p", "-x", `http://127.0.0.1:${proxy.port}`, "--proxy-digest", "-U", "alice:s3cret", "http://origin.test:8080/x"], { env });
      expect({ name, code: r.code, stdout: new TextDecoder().decode(r.stdout), accepted }).toEqual({ name, code: 0, stdout: "ok\n", accepted: 2 });
      expect(connects[1]).toMatch(/^Proxy-Authorization: Digest username="alice", realm="r", nonce="n1", uri="origin\.test:8080", /m);
    }
  } finally {
    proxy.stop(true);
  }
});
