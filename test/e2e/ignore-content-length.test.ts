// curl's --ignore-content-length: a body runs to the connection's close whatever Content-Length says (for
// servers that send a wrong one). Each case runs curl 7.88 and fetchx against the same raw answer: the same
// exit code and the same bytes, on stdout and in -o's file.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, runCli, runCommand, sha256, tempDir } from "../servers/harness.ts";
import { bytesOf, chunked, head } from "../servers/hostile.ts";
import { startServer, type TestServer } from "../servers/http.ts";

const CURL = Bun.which("curl");
const BODY = randomBytes(20_000, 41);
let server: TestServer;

beforeAll(async () => {
  server = await startServer({
    routes: {
      // Content-Length says less than is sent, then the server closes.
      "/short-length": { raw: bytesOf(head("200 OK", [["Content-Length", "5000"], ["Accept-Ranges", "bytes"]]), BODY), rawEnd: "close" },
      // Content-Length says more than is sent (Apache 1.x's > 2 GiB bug), then the server closes.
      "/long-length": { raw: bytesOf(head("200 OK", [["Content-Length", "90000"], ["Accept-Ranges", "bytes"], ["ETag", '"v1"']]), BODY), rawEnd: "close" },
      // Chunked framing still ends the body.
      "/chunked": { raw: bytesOf(head("200 OK", [["Transfer-Encoding", "chunked"]]), chunked(BODY)), rawEnd: "keep" },
      // An honest answer, the connection closed after it (with the option, the body ends only there).
      "/right": { raw: bytesOf(head("200 OK", [["Content-Length", String(BODY.length)], ["Connection", "close"]]), BODY), rawEnd: "close" },
    },
  });
});

afterAll(() => server?.stop());

const cases: [string, string, string[]][] = [
  ["a Content-Length smaller than the body: the whole body", "/short-length", ["--ignore-content-length"]],
  ["without the option: Content-Length's bytes only", "/short-length", []],
  ["a Content-Length larger than the body: what came, exit 0", "/long-length", ["--ignore-content-length"]],
  ["without the option: exit 18", "/long-length", []],
  ["chunked framing is still read", "/chunked", ["--ignore-content-length"]],
  ["an honest server that closes after the answer: the same file", "/right", ["--ignore-content-length"]],
];

describe.skipIf(!CURL)("--ignore-content-length against curl 7.88", () => {
  for (const [name, path, extra] of cases) {
    for (const to of ["stdout", "file"] as const) {
      test(`${name} (${to})`, async () => {
        using ours = tempDir("fetchx-icl-ours-");
        using theirs = tempDir("fetchx-icl-curl-");
        const args = ["-s", "--retry", "0", ...extra, ...(to === "file" ? ["-o", "out.bin"] : []), server.url(path)];
        const a = await runCli(args, { cwd: ours.path });
        const b = await runCommand(["curl", ...args], { cwd: theirs.path });
        expect(a.code).toBe(b.code!);
        if (to === "stdout") expect(await sha256(a.stdout)).toBe(await sha256(b.stdout));
        else if (b.code === 0) expect(await sha256(readFileSync(join(ours.path, "out.bin")))).toBe(await sha256(readFileSync(join(theirs.path, "out.bin"))));
      });
    }
  }

  test("the whole body is the 20,000 bytes sent, not Content-Length's", async () => {
    const r = await runCli(["-s", "--ignore-content-length", "-w", "%{size_download}", "-o", "/dev/null", server.url("/short-length")]);
    expect({ code: r.code, out: Buffer.from(r.stdout).toString() }).toEqual({ code: 0, out: "20000" });
  });
});

test("--connections 4 with --ignore-content-length: one connection, no range probe, the bytes that came", async () => {
  using dir = tempDir("fetchx-icl-conn-");
  const before = server.requests.length;
  const r = await runCli(["-sS", "--retry", "0", "--ignore-content-length", "--connections", "4", "-o", "out.bin", "-w", "%{num_connects}", server.url("/long-length")], { cwd: dir.path });
  expect({ code: r.code, out: Buffer.from(r.stdout).toString(), stderr: r.stderr }).toEqual({ code: 0, out: "1", stderr: "" });
  expect(await sha256(readFileSync(join(dir.path, "out.bin")))).toBe(await sha256(BODY));
  expect(server.requests.slice(before).map((q) => q.headers["range"] ?? "none")).toEqual(["none"]);
});
