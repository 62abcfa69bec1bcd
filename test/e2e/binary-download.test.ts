// The compiled host binary (not the sources) does real downloads over loopback: to a file and to stdout
// from Bun.serve, over MPTCP from an IPPROTO_MPTCP listener (bun:ffi inside the executable), and maps a
// refused connection to curl's exit code 7.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { hostTarget } from "../../build.ts";
import { randomBytes, sha256, tempDir, type TempDir } from "../servers/harness.ts";
import { generatedBody, startServer, type TestServer } from "../servers/http.ts";
import { listenSocket } from "../servers/listen.ts";
import * as libc from "../../src/net/libc.ts";
import { binaryPath, ensureBuilt, run, BUILD_TIMEOUT_MS } from "./binary-support.ts";

const BODY = randomBytes(3 * 1024 * 1024 + 17, 5); // not a multiple of any buffer size
let bin: string;
let dir: TempDir;
let server: ReturnType<typeof Bun.serve>;

beforeAll(async () => {
  await ensureBuilt();
  bin = binaryPath(hostTarget());
  dir = tempDir("fetchx-binary-");
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => (new URL(req.url).pathname === "/file.bin" ? new Response(BODY) : new Response("no", { status: 404 })),
  });
}, BUILD_TIMEOUT_MS);
afterAll(() => {
  server?.stop(true);
  dir?.cleanup();
});

test("downloads to a file (-o) with the exact bytes", async () => {
  const out = dir.file("file.bin");
  const r = await run([bin, "-s", "-o", out, `http://127.0.0.1:${server.port}/file.bin`]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(await sha256(out)).toBe(await sha256(BODY));
});

test("downloads to stdout with the exact bytes", async () => {
  const r = await run([bin, "-s", `http://127.0.0.1:${server.port}/file.bin`]);
  expect(r.code).toBe(0);
  expect(r.stdoutBytes.length).toBe(BODY.length);
  expect(await sha256(r.stdoutBytes)).toBe(await sha256(BODY));
});

test("a refused connection exits with curl's code 7", async () => {
  // A port that was free a moment ago: bind, read the port, close, then connect to it.
  const s = listenSocket({ mptcp: false });
  libc.close(s.fd);
  const r = await run([bin, "-s", `http://127.0.0.1:${s.port}/`]);
  expect(r.code).toBe(7);
});

let mptcpServer: TestServer | undefined;
afterAll(() => mptcpServer?.stop());

test("--mptcp downloads over Multipath TCP and -w '%{json}' reports it active", async () => {
  const body = generatedBody(2 * 1024 * 1024 + 3, 9);
  mptcpServer = await startServer({ mptcp: true, routes: { "/m.bin": { body } } });
  const out = dir.file("m.bin");
  const r = await run([bin, "--mptcp", "-s", "-o", out, "-w", "%{json}", mptcpServer.url("/m.bin")]);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(await sha256(out)).toBe(body.sha256());
  const json = JSON.parse(r.stdout);
  expect(json.mptcp).toBe("active");
  expect(json.http_code).toBe(200);
  expect(json.size_download).toBe(body.size);
});
