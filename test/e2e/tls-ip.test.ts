// https to an IP address: Bun sends no SNI for an IP literal and then checks the name "localhost", so a
// certificate for the IP alone used to fail. It must pass without -k; a certificate for another IP, for a
// name only, or from a CA not trusted must still fail with curl's 60 (curl 7.88 agrees on each).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { runCli, runCommand, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { makeCert, type TestCert } from "../servers/tls.ts";

const tmp = tempDir("fetchx-tls-ip-");
const servers: TestServer[] = [];
const certs: Record<string, TestCert> = {};

beforeAll(async () => {
  for (const alt of ["IP:127.0.0.1", "IP:127.0.0.2", "DNS:localhost"]) {
    const d = tmp.file(alt.replace(/[:.]/g, "-"));
    mkdirSync(d);
    certs[alt] = await makeCert(d, { cn: "fetchx test", altNames: [alt] });
  }
});
afterAll(() => {
  for (const s of servers) s.stop();
  tmp.cleanup();
});

async function serve(alt: string) {
  const c = certs[alt]!;
  const s = await startServer({ tls: { cert: c.certPem, key: c.keyPem }, routes: { "/a": { body: "over tls\n" } } });
  servers.push(s);
  return s;
}

describe("https://127.0.0.1/", () => {
  test("a certificate for IP:127.0.0.1 alone passes with --cacert, without -k (curl: the same)", async () => {
    const s = await serve("IP:127.0.0.1");
    const r = await runCli([s.url("/a"), "-sS", "--cacert", certs["IP:127.0.0.1"]!.caPath]);
    expect([r.code, r.stderr, new TextDecoder().decode(r.stdout)]).toEqual([0, "", "over tls\n"]);
    expect((await runCommand(["curl", "-s", "--cacert", certs["IP:127.0.0.1"]!.caPath, s.url("/a")])).code).toBe(0);
  });

  test.each(["IP:127.0.0.2", "DNS:localhost"])("a certificate for %s: exit 60, the name in the one line (curl: 60)", async (alt) => {
    const s = await serve(alt);
    const r = await runCli([s.url("/a"), "-sS", "--cacert", certs[alt]!.caPath]);
    expect(r.code).toBe(60);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringContaining("no alternative certificate subject name matches target host name '127.0.0.1'")]);
    expect((await runCommand(["curl", "-s", "--cacert", certs[alt]!.caPath, s.url("/a")])).code).toBe(60);
  });

  test("the right IP but a CA not trusted: exit 60", async () => {
    const s = await serve("IP:127.0.0.1");
    const r = await runCli([s.url("/a"), "-sS", "--cacert", certs["IP:127.0.0.2"]!.caPath]);
    expect(r.code).toBe(60);
    expect(r.stderr).toContain("SSL certificate problem");
  });
});
