// The compiled host binary (not the sources) does real downloads over loopback: a smoke set covering each
// part that could break only once bundled and compiled. Plain HTTP to a file and to a pipe, a closed
// downstream pipe, HTTPS with --cacert (TLS and a file read at run time), --mptcp (bun:ffi inside the
// executable), --connections (segments), a cut download resumed with -C - from its journal, --compressed
// (zlib and zstd in the runtime), the lazily imported `help` and `doctor` subcommands, and curl's exit code
// for a refused connection. The full e2e suite runs against the sources; the compiled code is the same.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { hostTarget } from "../../build.ts";
import { randomBytes, runCommand, sha256, tempDir, type TempDir } from "../servers/harness.ts";
import { generatedBody, startServer, type TestServer } from "../servers/http.ts";
import { truncateAfter } from "../servers/faults.ts";
import { listenSocket } from "../servers/listen.ts";
import { makeCert } from "../servers/tls.ts";
import { journalOf, partOf, rangeOf, requestsFor } from "../servers/transfer.ts";
import * as libc from "../../src/net/libc.ts";
import { binaryPath, ensureBuilt, run, BUILD_TIMEOUT_MS } from "./binary-support.ts";

const BODY = randomBytes(3 * 1024 * 1024 + 17, 5); // not a multiple of any buffer size
const BIG = generatedBody(8 * 1024 * 1024 + 3, 9);
const CUT_AT = 1_000_000;
let bin: string;
let dir: TempDir;
let server: TestServer;
const servers: TestServer[] = [];

beforeAll(async () => {
  await ensureBuilt();
  bin = binaryPath(hostTarget());
  dir = tempDir("fetchx-binary-");
  server = await startServer({
    routes: {
      "/file.bin": { body: BODY },
      "/big.bin": { body: BIG },
      "/cut-once.bin": { body: BIG, faults: [truncateAfter(CUT_AT, { times: 1 })] },
      "/zstd": { body: BODY, encoding: "zstd" },
      "/gz": { body: BODY, encoding: "gzip" },
    },
  });
  servers.push(server);
}, BUILD_TIMEOUT_MS);
afterAll(() => {
  for (const s of servers) s.stop();
  dir?.cleanup();
});

test("downloads to a file (-o) with the exact bytes", async () => {
  const out = dir.file("file.bin");
  const r = await run([bin, "-s", "-o", out, server.url("/file.bin")]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(await sha256(out)).toBe(await sha256(BODY));
});

test("downloads to stdout (a pipe) with the exact bytes", async () => {
  const r = await run([bin, "-s", server.url("/file.bin")]);
  expect(r.code).toBe(0);
  expect(r.stdoutBytes.length).toBe(BODY.length);
  expect(await sha256(r.stdoutBytes)).toBe(await sha256(BODY));
});

test("a closed downstream pipe ends it quietly with curl's code 23", async () => {
  const r = await runCommand(["bash", "-c", `'${bin}' '${server.url("/big.bin")}' | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`]);
  expect(r.stderr).toBe("");
  expect(new TextDecoder().decode(r.stdout).trim()).toBe("23");
});

test("a refused connection exits with curl's code 7", async () => {
  // A port that was free a moment ago: bind, read the port, close, then connect to it.
  const s = listenSocket({ mptcp: false });
  libc.close(s.fd);
  const r = await run([bin, "-s", `http://127.0.0.1:${s.port}/`]);
  expect(r.code).toBe(7);
});

test("https with --cacert: exact bytes; without it the certificate is refused (60)", async () => {
  const cert = await makeCert(dir.path);
  const tls = await startServer({ tls: { cert: cert.certPem, key: cert.keyPem }, routes: { "/s.bin": { body: BODY } } });
  servers.push(tls);
  const out = dir.file("s.bin");
  const r = await run([bin, "-s", "-S", "--cacert", cert.caPath, "-o", out, tls.url("/s.bin")]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(await sha256(out)).toBe(await sha256(BODY));
  expect((await run([bin, "-s", "-o", dir.file("s2.bin"), tls.url("/s.bin")])).code).toBe(60);
});

test("--mptcp downloads over Multipath TCP and -w '%{json}' reports it active", async () => {
  const body = generatedBody(2 * 1024 * 1024 + 3, 9);
  const mptcp = await startServer({ mptcp: true, routes: { "/m.bin": { body } } });
  servers.push(mptcp);
  const out = dir.file("m.bin");
  const r = await run([bin, "--mptcp", "-s", "-o", out, "-w", "%{json}", mptcp.url("/m.bin")]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(await sha256(out)).toBe(body.sha256());
  const json = JSON.parse(r.stdout);
  expect(json.mptcp).toBe("active");
  expect(json.http_code).toBe(200);
  expect(json.size_download).toBe(body.size);
});

test("--connections 4: ranged requests over several connections, exact bytes", async () => {
  const seen = server.requests.length;
  const out = dir.file("big.bin");
  const r = await run([bin, "-s", "-S", "--connections", "4", "-o", out, server.url("/big.bin")]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(await sha256(out)).toBe(BIG.sha256());
  const asked = requestsFor(server.requests.slice(seen), "/big.bin");
  expect(asked.filter((q) => rangeOf(q) !== null).length).toBeGreaterThanOrEqual(2);
  expect(new Set(asked.map((q) => q.connection)).size).toBeGreaterThanOrEqual(2);
});

test("a cut download keeps .part + journal (exit 18); -C - resumes where it stopped", async () => {
  const out = dir.file("cut.bin");
  const first = await run([bin, "-s", "--retry", "0", "-o", out, server.url("/cut-once.bin")]);
  expect(first.code).toBe(18);
  expect(existsSync(partOf(out))).toBe(true);
  expect(existsSync(journalOf(out))).toBe(true);
  const seen = server.requests.length;
  const r = await run([bin, "-s", "-S", "-C", "-", "-o", out, server.url("/cut-once.bin")]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(await sha256(out)).toBe(BIG.sha256());
  const resumed = requestsFor(server.requests.slice(seen), "/cut-once.bin");
  expect(rangeOf(resumed[0]!)?.start).toBeGreaterThan(0);
  expect(existsSync(partOf(out))).toBe(false);
});

describe("--compressed", () => {
  test.each(["/gz", "/zstd"])("decodes %s to the exact bytes", async (path) => {
    const r = await run([bin, "-s", "--compressed", server.url(path)]);
    expect(r.code).toBe(0);
    expect(await sha256(r.stdoutBytes)).toBe(await sha256(BODY));
  });
});

test("the lazily imported subcommands load: help, doctor --json", async () => {
  const help = await run([bin, "help"]);
  expect(help.code).toBe(0);
  expect(help.stdout.length).toBeGreaterThan(0);
  const doctor = await run([bin, "doctor", "--json"]);
  const report = JSON.parse(doctor.stdout);
  expect(typeof report.usable).toBe("boolean");
  expect(doctor.code).toBe(report.usable ? 0 : 1);
});
