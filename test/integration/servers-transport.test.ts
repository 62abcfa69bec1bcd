// Guards the transports of test/servers/http.ts: TLS with a CA made by tls.ts, IPv6, and an MPTCP
// listener (through listen.ts) on which an MPTCP client really gets an MPTCP connection.
import { afterEach, expect, test } from "bun:test";
import { startServer, type TestServer } from "../servers/http.ts";
import { stallAfter } from "../servers/faults.ts";
import { makeCert } from "../servers/tls.ts";
import { runCommand, spawnCommand, tempDir, waitFor } from "../servers/harness.ts";

let server: TestServer | undefined;
afterEach(() => server?.stop());

async function run(cmd: string[]): Promise<{ code: number | null; out: string }> {
  const r = await runCommand(cmd);
  return { code: r.code, out: new TextDecoder().decode(r.stdout) };
}

test("TLS: trusted with the test CA, rejected without it", async () => {
  using dir = tempDir("tls-");
  const cert = await makeCert(dir.path);
  server = await startServer({ tls: { cert: cert.certPem, key: cert.keyPem }, routes: { "/s": { body: "secure" } } });
  expect(server.url("/s")).toStartWith("https://127.0.0.1:");
  expect(await (await fetch(server.url("/s"), { tls: { ca: cert.caPem } })).text()).toBe("secure");
  await expect(fetch(server.url("/s"))).rejects.toThrow();
  expect((await run(["curl", "-s", "--cacert", cert.caPath, server.url("/s")])).out).toBe("secure");
});

test("IPv6 loopback", async () => {
  server = await startServer({ host: "::1", routes: { "/a": { body: "six" } } });
  expect(server.url("/a")).toStartWith("http://[::1]:");
  expect(await (await fetch(server.url("/a"))).text()).toBe("six");
});

test("MPTCP listener: an mptcpize'd client gets an MPTCP connection", async () => {
  server = await startServer({ mptcp: true, routes: { "/hold": { body: "x".repeat(1000), faults: [stallAfter(10)] } } });
  // curl's connection stays open (stalled), so ss can see it established.
  const curl = spawnCommand(["mptcpize", "run", "curl", "-s", "-o", "/dev/null", "-m", "10", server.url("/hold")]);
  try {
    // The server's side of the connection: an mptcp socket whose local address has the server's port.
    const serverSide = (l: string) => {
      const [netid, , , local] = l.split(/\s+/);
      return netid === "mptcp" && local!.endsWith(`:${server!.port}`);
    };
    await waitFor(async () => (await run(["ss", "-Mnt", "state", "established"])).out.split("\n").some(serverSide), 5000, "MPTCP connection");
  } finally {
    curl.kill();
    await curl.done;
  }
});
