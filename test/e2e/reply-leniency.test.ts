// Replies that bend HTTP/1.1, each answered by curl 7.88 and fetchx alike (exit code and stdout): obs-fold
// lines, "Name :" headers and "HTTP/2 200" on an HTTP/1.1 connection are read, as curl reads them; malformed
// chunked framing is 56, a transfer coding other than chunked 61, a reply cut before its final status line
// 52, and a first line that is no HTTP/1.x status line 1. fetchx used to end all of them with 8.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { runCli, runCommand } from "../servers/harness.ts";
import { bytesOf, head } from "../servers/hostile.ts";
import { startServer, type TestServer } from "../servers/http.ts";

const CURL = Bun.which("curl");
const CHUNKED = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
let server: TestServer;

// [name, reply (the server closes the connection after it), extra arguments, the exit code both give]
const cases: [string, string | Uint8Array, string[], number][] = [
  ["an obs-fold line", "HTTP/1.1 200 OK\r\nX-Foo: a\r\n  continued\r\nContent-Length: 5\r\n\r\nhello", [], 0],
  ["obs-fold lines with tabs, in a 404 under -f", "HTTP/1.1 404 Not Found\r\nX-Foo: a\r\n\tb\r\n \tc\r\nContent-Length: 5\r\n\r\nhello", ["-f"], 22],
  ["an obs-fold line in the trailers", `${CHUNKED}5\r\nhello\r\n0\r\nX-T: a\r\n b\r\n\r\n`, [], 0],
  ["a space before a header's colon", bytesOf(head("200 OK", [["X-Foo ", "bar"], ["Content-Length", "5"]]), "hello"), [], 0],
  ["a tab before a header's colon", "HTTP/1.1 200 OK\r\nX-Foo\t: bar\r\nContent-Length: 5\r\n\r\nhello", [], 0],
  ["HTTP/2 200 on an HTTP/1.1 connection", "HTTP/2 200\r\nContent-Length: 5\r\n\r\nhello", [], 0],
  ["HTTP/2.0 200 OK on an HTTP/1.1 connection", "HTTP/2.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", [], 0],
  ["HTTP/2 with chunked framing", `HTTP/2 200\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, [], 0],
  ["HTTP/2 404 under -f", "HTTP/2 404\r\nContent-Length: 5\r\n\r\nhello", ["-f"], 22],
  ["a chunk size that is not hex", `${CHUNKED}zz\r\nhello\r\n0\r\n\r\n`, [], 56],
  ["a bad chunk size after a good chunk", `${CHUNKED}5\r\nhello\r\nzz\r\n0\r\n\r\n`, [], 56],
  ["no CRLF after chunk data", `${CHUNKED}5\r\nhelloXX0\r\n\r\n`, [], 56],
  ["a CR without LF after chunk data", `${CHUNKED}5\r\nhello\rX0\r\n\r\n`, [], 56],
  ["a 19-digit chunk size", `${CHUNKED}1000000000000000000\r\nhello\r\n0\r\n\r\n`, [], 56],
  ["Transfer-Encoding: foo", "HTTP/1.1 200 OK\r\nTransfer-Encoding: foo\r\n\r\nhello", [], 61],
  ["Transfer-Encoding: foo, chunked", `HTTP/1.1 200 OK\r\nTransfer-Encoding: foo, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, [], 61],
  ["Transfer-Encoding: chunked, gzip", `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n5\r\nhello\r\n0\r\n\r\n`, [], 61],
  ["closed inside the status line", "HTTP/1.1 20", [], 52],
  ["closed inside HTTP/", "HTT", [], 52],
  ["closed after only 100 Continue", "HTTP/1.1 100 Continue\r\n\r\n", [], 52],
  ["closed after 100 Continue and part of a status line", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2", [], 52],
  ["HTTP/1.2", "HTTP/1.2 200 OK\r\nContent-Length: 5\r\n\r\nhello", [], 1],
  ["HTTP/3 on an HTTP/1.1 connection", "HTTP/3 200\r\nContent-Length: 5\r\n\r\nhello", [], 1],
  ["a four-digit status", "HTTP/1.1 2000 OK\r\nContent-Length: 5\r\n\r\nhello", [], 1],
  ["no status line at all", "garbage here\r\n\r\nhello", [], 1],
  // curl's limit for the headers of a response, 1xx heads included: 300 KiB, then 56.
  ["headers of 287 KiB", `HTTP/1.1 200 OK\r\n${"X-A: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n".repeat(7000)}Content-Length: 5\r\n\r\nhello`, [], 0],
  ["headers of 320 KiB", `HTTP/1.1 200 OK\r\n${"X-A: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n".repeat(8100)}Content-Length: 5\r\n\r\nhello`, [], 56],
  // -i shows each head as it came, as curl does (fetchx printed them rebuilt from the parsed fields).
  ["-i of a head with bare LF line ends", "HTTP/1.1 200 OK\nContent-Length: 3\nX-A: b\n\nok\n", ["-i"], 0],
  ["-i of obs-fold lines", "HTTP/1.1 200 OK\r\nX-Foo: a\r\n  continued\r\nContent-Length: 3\r\n\r\nok\n", ["-i"], 0],
  ["-i of a status line without a reason", "HTTP/1.1 200\r\nContent-Length: 3\r\n\r\nok\n", ["-i"], 0],
  ["-i of HTTP/2 200 on an HTTP/1.1 connection", "HTTP/2 200\r\nContent-Length: 3\r\n\r\nok\n", ["-i"], 0],
  ["-i of a space before a colon, and a 103 before the answer", "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nX-Foo : bar\r\nContent-Length: 3\r\n\r\nok\n", ["-i"], 0],
  // Heads read in many pieces (fetchx reads a head 4 KiB at a time), the body's first bytes in the last one.
  ["-i of a 103 and a head of 40 KiB", `HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\n${"X-A: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n".repeat(1000)}Content-Length: 12\r\n\r\nhello world\n`, ["-i"], 0],
  ["8,000 103 Early Hints heads before the answer", `${"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n".repeat(8000)}HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello`, [], 56],
];

beforeAll(async () => {
  const routes: Record<string, { raw: string | Uint8Array; rawEnd: "close" }> = {
    // curl reads "http/1.1 404" as "HTTP/1.0 200" (its fallback for a line it cannot parse).
    "/lowercase": { raw: "http/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nhello", rawEnd: "close" },
  };
  cases.forEach(([, raw], i) => (routes[`/${i}`] = { raw, rawEnd: "close" }));
  server = await startServer({ routes });
});

afterAll(() => server?.stop());

describe.skipIf(!CURL)("replies that bend HTTP/1.1, against curl 7.88", () => {
  cases.forEach(([name, , extra, code], i) => {
    test(`${name}: exit ${code}${code === 0 || code === 22 ? ", the same stdout" : ""}`, async () => {
      const args = ["-s", "--retry", "0", ...extra, server.url(`/${i}`)];
      const [ours, theirs] = await Promise.all([runCli(args), runCommand(["curl", ...args])]);
      // On a failure the bytes written before it are not compared: curl writes the body of the read that
      // holds the bad framing up to it, fetchx drops that read.
      const shown = (r: { code: number | null; stdout: Uint8Array }) => ({ code: r.code, stdout: code === 0 || code === 22 ? Buffer.from(r.stdout).toString("latin1") : "" });
      expect(shown(ours)).toEqual(shown(theirs));
      expect(ours.code).toBe(code);
    });
  });

  test("a lowercase status line: curl takes 'http/1.1 404' for a 200, fetchx refuses it (exit 1, nothing written)", async () => {
    const args = ["-s", "--retry", "0", "-w", "%{http_code}", "-o", "/dev/null", server.url("/lowercase")];
    const [ours, theirs] = await Promise.all([runCli(args), runCommand(["curl", ...args])]);
    expect({ code: theirs.code, stdout: Buffer.from(theirs.stdout).toString() }).toEqual({ code: 0, stdout: "200" });
    expect({ code: ours.code, stdout: Buffer.from(ours.stdout).toString() }).toEqual({ code: 1, stdout: "000" });
  });
});

test("-D shows folded lines as they came (as curl); -w shows the status HTTP/2 sent", async () => {
  const folded = await runCli(["-s", "--retry", "0", "-D", "-", "-o", "/dev/null", server.url("/1")]);
  expect(folded.code).toBe(0);
  expect(Buffer.from(folded.stdout).toString()).toContain("\r\nX-Foo: a\r\n\tb\r\n \tc\r\n");
  if (CURL) expect(Buffer.from(folded.stdout).toString()).toBe(Buffer.from((await runCommand([CURL, "-s", "-D", "-", "-o", "/dev/null", server.url("/1")])).stdout).toString());
  const h2 = await runCli(["-s", "--retry", "0", "-w", "%{http_code}", "-o", "/dev/null", server.url(`/${cases.findIndex(([n]) => n === "HTTP/2 404 under -f")}`)]);
  expect({ code: h2.code, stdout: Buffer.from(h2.stdout).toString() }).toEqual({ code: 0, stdout: "404" });
});
