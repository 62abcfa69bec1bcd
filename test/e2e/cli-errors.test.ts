// Every kind of bad input and bad reply ends with one clear line on stderr and curl's exit code, and no
// incomplete file under the final name.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, runCli, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { badChunkSize, emptyReply, hugeHeaders, redirectLoop, resetAfter, stallAfter, truncateAfter } from "../servers/faults.ts";

const data = randomBytes(1024 * 1024, 3);
let server: TestServer;
const tmp = tempDir("fetchx-err-");

beforeAll(async () => {
  server = await startServer({
    routes: {
      "/ok": { body: data },
      "/missing": { status: 404, body: "not here\n" },
      "/truncated": { body: data, faults: [truncateAfter(100_000)] },
      "/truncated-chunked": { body: data, framing: "chunked", faults: [truncateAfter(100_000)] },
      "/reset": { body: data, faults: [resetAfter(50_000)] },
      "/badchunk": { body: data, framing: "chunked", faults: [badChunkSize(1000)] },
      "/huge": { body: "x", faults: [hugeHeaders(1 << 20)] },
      "/loop": { body: "x", faults: [redirectLoop()] },
      "/empty": { body: "x", faults: [emptyReply()] },
      "/stall": { body: data, faults: [stallAfter(200_000)] },
    },
  });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

/** One line on stderr, starting "fetchx: (code)". */
function oneErrorLine(stderr: string, code: number) {
  const lines = stderr.trim().split("\n");
  expect(lines.length).toBe(1);
  expect(lines[0]).toStartWith(`fetchx: (${code}) `);
  expect(stderr).not.toContain("    at ");
}

describe("exit codes", () => {
  const cases: [string, string[], number, RegExp][] = [
    ["unknown option", ["--frobnicate", "http://x/"], 2, /unknown option --frobnicate/],
    ["missing option value", ["http://x/", "-o"], 2, /needs a value/],
    ["no URL", ["-s", "-S"], 2, /no URL/],
    ["bad URL", ["http://[::1/"], 3, /URL/],
    ["unsupported scheme", ["ftp://127.0.0.1/x"], 1, /ftp/],
    ["bad --max-time", ["-m", "soon", "http://x/"], 2, /--max-time/],
    ["bad header name", ["-H", "bad name: v", "http://x/"], 2, /header name/],
    ["unresolvable host", ["http://no-such-host.invalid/"], 6, /resolve/],
  ];
  test.each(cases)("%s", async (_name, args, code, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(code);
    oneErrorLine(r.stderr, code);
    expect(r.stderr).toMatch(message);
  });

  test("connection refused: 7", async () => {
    const s = await startServer({ routes: {} });
    const url = s.url("/x");
    s.stop();
    const r = await runCli([url]);
    expect(r.code).toBe(7);
    oneErrorLine(r.stderr, 7);
  });

  test("-f on 404: 22 and no output file; without -f the body is the output", async () => {
    const out = join(tmp.path, "missing.txt");
    const r = await runCli([server.url("/missing"), "-f", "-o", out]);
    expect(r.code).toBe(22);
    oneErrorLine(r.stderr, 22);
    expect(r.stderr).toContain("404");
    expect(existsSync(out)).toBe(false);
    expect(existsSync(out + ".part")).toBe(false);
    const plain = await runCli([server.url("/missing"), "-s"]);
    expect(plain.code).toBe(0);
    expect(new TextDecoder().decode(plain.stdout)).toBe("not here\n");
  });

  test.each(["/truncated", "/truncated-chunked"])("truncated body %s: 18, partial kept aside, final name absent", async (path) => {
    const out = join(tmp.path, `t${path.replace(/\//g, "_")}`);
    const r = await runCli([server.url(path), "-o", out, "--retry", "0"]);
    expect(r.code).toBe(18);
    oneErrorLine(r.stderr, 18);
    expect(existsSync(out)).toBe(false);
    expect(statSync(out + ".part").size).toBe(100_000);
    expect(readFileSync(out + ".part").equals(Buffer.from(data.subarray(0, 100_000)))).toBe(true);
  });

  test("connection reset mid-body: 56", async () => {
    const r = await runCli([server.url("/reset"), "-o", "/dev/null", "--retry", "0"]);
    expect(r.code).toBe(56);
    oneErrorLine(r.stderr, 56);
  });

  test("bad chunk size: 56, as curl 7.88 (a malformed chunked encoding is its CURLE_RECV_ERROR)", async () => {
    const r = await runCli([server.url("/badchunk"), "-o", "/dev/null"]);
    expect(r.code).toBe(56);
    oneErrorLine(r.stderr, 56);
  });

  test("huge response headers: 56 (curl's code past its 300 KiB; 7.88 gives 27 for one line over 100 KiB), bounded", async () => {
    const r = await runCli([server.url("/huge"), "-o", "/dev/null"]);
    expect(r.code).toBe(56);
    oneErrorLine(r.stderr, 56);
    expect(r.stderr).toMatch(/header/i);
  });

  test("redirect loop: 47 after --max-redirs", async () => {
    const before = server.requests.length;
    const r = await runCli([server.url("/loop"), "-L", "--max-redirs", "3", "-w", "%{num_redirects}"]);
    expect(r.code).toBe(47);
    oneErrorLine(r.stderr, 47);
    expect(server.requests.length - before).toBe(4);
    expect(new TextDecoder().decode(r.stdout)).toBe("3");
  });

  test("empty reply: 52", async () => {
    const r = await runCli([server.url("/empty"), "--retry", "0"]);
    expect(r.code).toBe(52);
    oneErrorLine(r.stderr, 52);
  });

  test("stalled transfer with -m: 28, partial kept", async () => {
    const out = join(tmp.path, "stall.bin");
    const r = await runCli([server.url("/stall"), "-m", "1", "--retry", "0", "-o", out, "-w", "%{exitcode} %{errormsg}"]);
    expect(r.code).toBe(28);
    oneErrorLine(r.stderr, 28);
    expect(existsSync(out)).toBe(false);
    expect(statSync(out + ".part").size).toBe(200_000);
    expect(new TextDecoder().decode(r.stdout)).toStartWith("28 operation timed out");
  });

  test("--stderr FILE takes every line of standard error; --stderr - sends them to standard output (as curl)", async () => {
    const log = join(tmp.path, "stderr.log");
    const r = await runCli(["-S", "--stderr", log, "http://127.0.0.1:1/"]);
    expect([r.code, r.stderr, new TextDecoder().decode(r.stdout)]).toEqual([7, "", ""]);
    oneErrorLine(readFileSync(log, "utf8"), 7);
    const toOut = await runCli(["-sS", "--stderr", "-", "-w", "[%{http_code}]", "http://127.0.0.1:1/"]);
    expect(toOut.code).toBe(7);
    expect(toOut.stderr).toBe("");
    expect(new TextDecoder().decode(toOut.stdout)).toMatch(/^fetchx: \(7\) .*\n\[000\]$/);
    // A file that cannot be opened: said on standard error as it was, and the transfer goes on.
    const missing = await runCli(["-sS", "--stderr", join(tmp.path, "no-dir", "x.log"), server.url("/missing")]);
    expect(missing.code).toBe(0);
    expect(missing.stderr).toStartWith("fetchx: warning: cannot write to --stderr ");
    expect(new TextDecoder().decode(missing.stdout)).toBe("not here\n");
  });

  test("-s hides the error line, -sS shows it", async () => {
    const quiet = await runCli([server.url("/missing"), "-fs"]);
    expect(quiet.code).toBe(22);
    expect(quiet.stderr).toBe("");
    const shown = await runCli([server.url("/missing"), "-fsS"]);
    oneErrorLine(shown.stderr, 22);
  });

  test("unwritable output: 23 with the path named", async () => {
    const r = await runCli([server.url("/ok"), "-o", join(tmp.path, "no/such/dir/f")]);
    expect(r.code).toBe(23);
    oneErrorLine(r.stderr, 23);
    expect(r.stderr).toContain("no/such/dir");
  });
});
