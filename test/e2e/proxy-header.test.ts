// curl's --proxy-header against curl 7.88 itself, through a recording HTTP proxy (test/servers/recording-proxy.ts): the header
// goes to the proxy only (CONNECT's head with -p or for https; a forwarded request carries -H too, as
// curl's does), never to the origin through a tunnel; "Name:" removes one of fetchx's own, "Name: v"
// replaces it; @FILE reads one a line. Each command runs with curl and with fetchx, and the heads the
// proxy and the origin saw are compared (as sets of lines), User-Agent's value aside.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli, runCommand, tempDir } from "../servers/harness.ts";
import { recordingProxy } from "../servers/recording-proxy.ts";
import { startServer, type TestServer } from "../servers/http.ts";

const CURL = Bun.which("curl");
const tmp = tempDir("fetchx-proxy-header-");
const clean = { http_proxy: "", https_proxy: "", all_proxy: "", no_proxy: "", HTTP_PROXY: "", HTTPS_PROXY: "", ALL_PROXY: "", NO_PROXY: "" };


let origin: TestServer;
let proxy: ReturnType<typeof recordingProxy>;
beforeAll(async () => {
  origin = await startServer({ routes: { "/a": { body: "A\n" } } });
  proxy = recordingProxy();
});
afterAll(() => {
  origin?.stop();
  proxy?.stop();
  tmp.cleanup();
});

/** A head's lines after the request line, User-Agent's value masked, sorted (curl puts Proxy-Connection before -H's). */
const lines = (head: string) => head.split("\r\n").slice(1).map((l) => (/^user-agent:/i.test(l) ? "User-Agent: *" : l)).sort();

/** What the proxy and the origin saw for one command: the proxy's heads (request line and headers), the origin's headers. */
async function seen(cmd: string[]) {
  const [p, o] = [proxy.heads.length, origin.requests.length];
  const r = cmd[0] === "curl" ? await runCommand(cmd, { env: clean, cwd: tmp.path }) : await runCli(cmd, { env: clean, cwd: tmp.path });
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    proxy: proxy.heads.slice(p).map((h) => [h.split("\r\n")[0], ...lines(h)]),
    origin: origin.requests.slice(o).map((q) => Object.keys(q.headers).filter((k) => k.startsWith("x-")).sort()),
  };
}

describe.skipIf(!CURL)("--proxy-header, as curl 7.88 sends it", () => {
  const cases: [string, string[]][] = [
    ["a forwarded request carries --proxy-header and -H", ["--proxy-header", "X-Proxy: p1", "-H", "X-Origin: o1", "@ORIGIN/a"]],
    ["CONNECT (-p) carries --proxy-header; the origin sees -H only", ["-p", "--proxy-header", "X-Proxy: p1", "-H", "X-Origin: o1", "@ORIGIN/a"]],
    ["'Name:' removes one of CONNECT's own, 'Name: v' replaces one", ["-p", "--proxy-header", "Proxy-Connection:", "--proxy-header", "Host: elsewhere.example", "@ORIGIN/a"]],
    ["@FILE: one a line", ["-p", "--proxy-header", "@ph.txt", "@ORIGIN/a"]],
    ["--request-target goes to a forwarding proxy as it is (not made absolute)", ["--request-target", "/a?x=1", "@ORIGIN/elsewhere"]],
    ["--request-target '*' with -X OPTIONS, forwarded", ["-X", "OPTIONS", "--request-target", "*", "@ORIGIN/a"]],
  ];
  test("-w %{http_connect}: the proxy's answer to CONNECT, 000 without a tunnel; %{proxy_used} (curl 8.7) says a proxy was used", async () => {
    const url = origin.url("/a");
    for (const tunnel of [["-p"], []]) {
      const args = ["-s", "-x", proxy.url, ...tunnel, "-o", "/dev/null", "-w", "%{http_connect}", url];
      const [ours, theirs] = [await runCli(args, { env: clean }), await runCommand(["curl", ...args], { env: clean })];
      expect({ tunnel, out: new TextDecoder().decode(ours.stdout) }).toEqual({ tunnel, out: new TextDecoder().decode(theirs.stdout) });
    }
    const used = await runCli(["-s", "-x", proxy.url, "-o", "/dev/null", "-w", "%{proxy_used}", url], { env: clean });
    const direct = await runCli(["-s", "-o", "/dev/null", "-w", "%{proxy_used} %{http_connect}", url], { env: clean });
    expect([new TextDecoder().decode(used.stdout), new TextDecoder().decode(direct.stdout)]).toEqual(["1", "0 000"]);
  });

  test.each(cases)("%s", async (_name, args) => {
    await Bun.write(`${tmp.path}/ph.txt`, "X-One: 1\r\nX-Two: 2\n");
    const full = ["-sS", "-x", proxy.url, ...args.map((a) => a.replace("@ORIGIN", origin.url("").replace(/\/$/, "")))];
    const theirs = await seen(["curl", ...full]);
    const ours = await seen(full);
    expect(theirs.code).toBe(0);
    expect(ours).toEqual(theirs);
    expect(ours.proxy.length).toBe(1);
  });
});
