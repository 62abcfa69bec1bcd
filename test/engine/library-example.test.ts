// The library's first test is its README example: a Bun project outside this repository depends on
// fetchx (node_modules/fetchx pointing at this checkout, as `bun add /path/to/fetchx` or a workspace
// link does), imports { download } from "fetchx" and downloads over MPTCP with 4 connections.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { cpSync, readFileSync, symlinkSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, REPO_ROOT, runCommand, sha256, tempDir, type TempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";

const data = randomBytes(3 * 1024 * 1024 + 17, 41);
let server: TestServer;
let dir: TempDir;

beforeAll(async () => {
  server = await startServer({ mptcp: true, routes: { "/f.bin": { body: data } } });
  dir = tempDir("fetchx-lib-");
  cpSync(join(REPO_ROOT, "docs/examples/library"), dir.path, { recursive: true });
  mkdirSync(join(dir.path, "node_modules"));
  symlinkSync(REPO_ROOT, join(dir.path, "node_modules", "fetchx"));
});
afterAll(() => {
  server.stop();
  dir.cleanup();
});

test("docs/examples/library: import { download } from \"fetchx\" downloads with mptcp: true, 4 connections, and streams", async () => {
  const r = await runCommand([process.execPath, "download.ts", server.url("/f.bin"), "f.bin"], { cwd: dir.path });
  expect(r.code).toBe(0);
  const out = JSON.parse(new TextDecoder().decode(r.stdout).trim());
  expect(out.httpCode).toBe(200);
  expect(out.sizeDownload).toBe(data.length);
  expect(out.mptcp).toBe("active");
  expect(out.connections).toBe(4);
  expect(await sha256(readFileSync(join(dir.path, "f.bin")))).toBe(await sha256(data));
  expect(out.streamedBytes).toBe(data.length);
  expect(out.streamedSha256).toBe(await sha256(data));
  // 4 range requests (after the one-byte probe) went out for the file.
  expect(server.requests.filter((q) => q.headers.range && q.headers.range !== "bytes=0-0").length).toBeGreaterThanOrEqual(4);
});
