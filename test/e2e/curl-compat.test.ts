// curl compatibility, table-driven: each case is one command line from real scripts (install one-liners,
// CI wait loops, API calls, mirror scripts), run with Debian's curl 7.88 and with fetchx against the same
// local server, each in its own empty directory with HOME pointing there. Asserted: the same exit code,
// the same stdout bytes, the same files left behind, and the same request on the wire (method, target,
// the headers that carry meaning, body). Cases marked `only` follow curl 8.x where 7.88 differs (or differ
// on purpose, saying why): they assert fetchx's result alone. One server for the whole table; the cases run one after another.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { dlopen, FFIType, ptr } from "bun:ffi";
import { fetchxCommand, nobodyRunsFetchx, randomBytes, runCli, runCommand, sha256, tempDir, type TempDir } from "../servers/harness.ts";
import { startServer, type RecordedRequest, type TestServer } from "../servers/http.ts";
import { makeCert } from "../servers/tls.ts";
import { createNetns, netnsUnavailable } from "../servers/netns.ts";
import { digestRoute } from "../servers/digest.ts";

const FILE = randomBytes(2000, 7);
const LAST_MODIFIED = "Mon, 15 Jan 2024 12:00:00 GMT";
const enc = new TextEncoder();

let server: TestServer;
let http: string;
let unixPath: string;
let sockDir: TempDir;
const CURL = Bun.which("curl");

beforeAll(async () => {
  sockDir = tempDir("fetchx-compat-sock-");
  unixPath = join(sockDir.path, "api.sock");
  // What file:// URLs read (@FILEURL is file:// and this directory): one file, and a directory.
  writeFileSync(join(sockDir.path, "local.txt"), "0123456789 local\n");
  mkdirSync(join(sockDir.path, "sub"));
  server = await startServer({
    unix: unixPath,
    routes: {
      "/file.bin": { body: FILE, lastModified: LAST_MODIFIED },
      "/hello.txt": { body: "hello\n", contentType: "text/plain", lastModified: LAST_MODIFIED },
      "/redirect": { redirect: { to: "/file.bin" } },
      "/redirect-twice": { redirect: { to: "/redirect", status: 301 } },
      "/to-http": { redirect: { to: "/hello.txt", status: 302 } },
      "/see-other": { redirect: { to: "/echo", status: 303 } },
      "/temporary": { redirect: { to: "/echo", status: 307 } },
      "/temporary-body": { redirect: { to: "/echo-body", status: 307 } },
      "/found": { redirect: { to: "/echo", status: 302 } },
      "/to-file": { redirect: { to: "file:///etc/hostname" } },
      "/moved": { redirect: { to: "/echo", status: 301 } },
      // Last-Modified values that curl's date reader and JavaScript's Date.parse read differently (-R).
      "/lm-zone": { body: "z\n", headers: { "Last-Modified": "Sun, 14 Jan 2024 10:00:00 CET" } },
      "/lm-iso": { body: "i\n", headers: { "Last-Modified": "2024-01-14 10:00:00" } },
      "/lm-compact": { body: "c\n", headers: { "Last-Modified": "20240114 10:00:00 GMT" } },
      // The request as the server saw it: method, target, the body.
      "/echo": ({ req }) => ({ body: enc.encode(`${req.method} ${req.path}\n`), contentType: "text/plain" }),
      "/echo-body": ({ req }) => ({ body: req.body, contentType: "application/octet-stream" }),
      "/dir/": ({ req }) => ({ body: enc.encode(`${req.method} ${req.path}\n`) }),
      "/auth": ({ req }) =>
        req.headers["authorization"] === "Basic dXNlcjpwYXNz" || req.headers["authorization"] === "Bearer s3cret"
          ? { body: "welcome\n" }
          : { status: 401, body: "who are you?\n", headers: { "WWW-Authenticate": 'Basic realm="x"' } },
      "/token": ({ req }) => ({ body: enc.encode(`${req.headers["authorization"] ?? "none"}\n`) }),
      "/cookies": ({ req }) => ({ body: enc.encode(`${req.headers["cookie"] ?? "none"}\n`) }),
      "/login": {
        redirect: { to: "/private", status: 302 },
        headers: { "Set-Cookie": "session=abc123; Path=/; HttpOnly" },
      },
      "/private": ({ req }) => (/session=abc123/.test(req.headers["cookie"] ?? "") ? { body: "secret\n" } : { status: 403, body: "no\n" }),
      "/set-cookies": {
        body: "ok\n",
        headers: { "Set-Cookie": "theme=dark; Path=/; Max-Age=3600" },
      },
      "/missing": { status: 404, body: "not here\n" },
      "/to-missing": { redirect: { to: "/missing", status: 302 } },
      // Redirects curl reads its own way: to a scheme no one follows, to a broken URL, two Locations, a
      // body cut short, 300 Multiple Choices.
      "/to-app": { raw: "HTTP/1.1 302 Found\r\nLocation: myapp://callback?code=1\r\nContent-Length: 0\r\n\r\n" },
      "/to-broken": { raw: "HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n" },
      "/two-locations": { raw: "HTTP/1.1 302 Found\r\nLocation: /hello.txt\r\nLocation: /missing\r\nContent-Length: 0\r\n\r\n" },
      "/redirect-cut": { raw: "HTTP/1.1 302 Found\r\nLocation: /hello.txt\r\nContent-Length: 50\r\n\r\nabc", rawEnd: "close" },
      // About 0.4 s to answer (each head line 80 ms apart): three of them take longer than -m 1, one does not.
      "/slowish": { body: "slow\n", faults: [{ kind: "slow-headers", delayMs: 80 }] },
      // Header values in UTF-8 (sent as their bytes): shown, saved and sent back as those bytes.
      "/utf8-header": { raw: "HTTP/1.1 200 OK\r\nX-Name: café €\r\nContent-Length: 3\r\n\r\nok\n" },
      "/utf8-cookie": { raw: "HTTP/1.1 302 Found\r\nSet-Cookie: who=café\r\nLocation: /cookies\r\nContent-Length: 0\r\n\r\n" },
      "/early-hints": { raw: "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhints\n" },
      "/two-types": { raw: "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n" },
      "/trailers": { raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nok\n\r\n0\r\nX-Sum: 42\r\n\r\n" },
      // "none": curl's other name for identity.
      "/ce-none": { raw: "HTTP/1.1 200 OK\r\nContent-Encoding: none\r\nContent-Length: 6\r\n\r\nplain\n" },
      "/choices": { raw: "HTTP/1.1 300 Multiple Choices\r\nLocation: /hello.txt\r\nContent-Length: 0\r\n\r\n" },
      // 206s to -C 3 that start elsewhere, or say nothing of where they start, and one that is right.
      "/range-wrong": { raw: "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 2-9/10\r\nContent-Length: 8\r\nConnection: close\r\n\r\n23456789", rawEnd: "close" },
      "/range-unsaid": { raw: "HTTP/1.1 206 Partial Content\r\nContent-Length: 8\r\nConnection: close\r\n\r\n23456789", rawEnd: "close" },
      "/range-right": { raw: "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 3-9/10\r\nContent-Length: 7\r\nConnection: close\r\n\r\n3456789", rawEnd: "close" },
      // A 416 with an error page, as nginx sends one: never part of the file.
      "/unsatisfiable": { raw: "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */10\r\nContent-Type: text/html\r\nContent-Length: 12\r\n\r\nunsatisfied\n" },
      // A server that ignores If-Modified-Since and If-Unmodified-Since (nginx does unless the date is exact).
      "/unconditional": { raw: `HTTP/1.1 200 OK\r\nLast-Modified: ${LAST_MODIFIED}\r\nContent-Length: 6\r\n\r\nhello\n` },
      "/broken": { status: 500, body: "oops\n" },
      "/json": ({ req }) => ({ body: enc.encode(`${req.headers["content-type"]}|${req.headers["accept"]}|${new TextDecoder().decode(req.body)}\n`), contentType: "application/json" }),
      "/docker/version": { body: '{"Version":"24.0"}\n', contentType: "application/json" },
      "/version": ({ req }) => ({ body: enc.encode(`HTTP/${req.version} ${req.method} ${req.headers["content-length"] ?? "-"}\n`) }),
      "/digest": digestRoute({ user: "user", password: "pass", body: "welcome, digest\n" }),
      "/digest-sha256": digestRoute({ user: "user", password: "pass", algorithm: "SHA-256", body: "welcome, sha-256\n" }),
      "/digest-2069": digestRoute({ user: "user", password: "pass", qop: false, body: "welcome, rfc 2069\n" }),
      // What globbed URLs ask for: /g/1.txt ... /g/3.txt, /g/a1.txt ... /g/b2.txt, /g/008.txt ... /g/010.txt.
      ...Object.fromEntries(["1", "2", "3", "a1", "a2", "b1", "b2", "008", "009", "010"].map((n) => [`/g/${n}.txt`, { body: `glob ${n}\n` }])),
      "/g/a%20b.txt": { body: "a space\n" },
      "/g/x%2Fy.txt": { body: "a slash\n" },
    },
  });
  http = server.url("");
});

afterAll(() => {
  server?.stop();
  sockDir?.cleanup();
});

interface Case {
  name: string;
  /** Arguments; "@URL" is replaced by the server's base URL, "@SOCK" by its Unix socket path. */
  args: string[];
  /** Files created in the working directory (and HOME) before the run. */
  files?: Record<string, string | Uint8Array>;
  stdin?: string;
  /** Header names whose values must be the same on the wire (method, target and body always are). */
  headers?: string[];
  /** The request bodies are multipart: compare their parts, not their bytes (boundaries are random). */
  multipart?: boolean;
  /** Lines that may differ between two runs (Date) are masked in stdout and files. */
  mask?: boolean;
  /** Where fetchx follows curl 8.x rather than 7.88 (or differs on purpose): why, and fetchx's result alone. */
  only?: { why: string; code: number; stdout?: string };
  /** Extra checks on fetchx's run directory. */
  check?: (dir: string) => void;
}

const CASES: Case[] = [
  { name: "globbing: a range, -o with #1", args: ["-s", "@URL/g/[1-3].txt", "-o", "part#1.txt"] },
  { name: "globbing: a set and a range with -O, the last changing fastest", args: ["-s", "-w", "%{url_effective}\\n", "-O", "@URL/g/{a,b}[1-2].txt"] },
  { name: "globbing: a zero-padded range, each to stdout", args: ["-s", "@URL/g/[008-010].txt"] },
  { name: "globbing: -o with two patterns, #2 then #1", args: ["-s", "@URL/g/{a,b}[1-2].txt", "-o", "#2-#1.out"] },
  { name: "globbing: -Z with a range", args: ["-sZ", "--parallel-max", "2", "@URL/g/[1-3].txt", "-o", "z#1"] },
  { name: "--parallel-max above 300 is 300 (as curl)", args: ["-sZ", "--parallel-max", "1000", "@URL/g/[1-2].txt", "-o", "a#1"] },
  { name: "--parallel-max 0 is the default", args: ["-sZ", "--parallel-max", "0", "@URL/g/[1-2].txt", "-o", "b#1"] },
  { name: "globbing: -g sends brackets as they are", args: ["-sg", "@URL/g/[1-2].txt"] },
  { name: "globbing: a bad range is exit 3", args: ["-sS", "@URL/g/[3-1].txt"] },
  { name: "globbing: an unmatched brace is exit 3", args: ["-sS", "@URL/g/{a,b.txt"] },
  { name: "-w %{redirect_url} is empty once the redirect was followed", args: ["-sL", "-o", "x", "-w", "%{redirect_url}|%{num_redirects}", "@URL/redirect"] },
  { name: "-w %{redirect_url} of a redirect not followed", args: ["-s", "-o", "x", "-w", "%{redirect_url}|%{num_redirects}", "@URL/redirect"] },
  { name: "-w %{redirect_url} past --max-redirs", args: ["-sL", "--max-redirs", "0", "-o", "x", "-w", "%{redirect_url}|%{num_redirects}", "@URL/redirect"] },
  { name: "-w %{urlnum} and %{onerror}: the rest only for a failed transfer", args: ["-sf", "-w", "%{urlnum}%{onerror} failed %{http_code}\\n", "@URL/g/[1-3].txt", "@URL/missing"] },
  { name: "-C 3 and a 206 from byte 2: exit 33, the file as it was (no byte at a wrong offset)", args: ["-sS", "--retry", "0", "-C", "3", "-o", "out", "@URL/range-wrong"], files: { out: "012" } },
  { name: "-C 3 and a 206 without Content-Range: exit 33, the file as it was", args: ["-sS", "--retry", "0", "-C", "3", "-o", "out", "@URL/range-unsaid"], files: { out: "012" } },
  { name: "-C 3 and a 206 from byte 3: appended", args: ["-sS", "--retry", "0", "-C", "3", "-o", "out", "@URL/range-right"], files: { out: "012" } },
  { name: "-C 3 to stdout and a 206 from byte 2: exit 33, nothing written", args: ["-sS", "--retry", "0", "-C", "3", "@URL/range-wrong"] },
  { name: "-C 3 and a 416 with an error page: the page is not appended, exit 0 (it was)", args: ["-sS", "--retry", "0", "-C", "3", "-o", "out", "@URL/unsatisfiable"], files: { out: "012" } },
  { name: "-C 3 to stdout and a 416 with an error page: nothing on stdout (it printed the page)", args: ["-sS", "--retry", "0", "-C", "3", "@URL/unsatisfiable"] },
  { name: "-C 3 and a 404: exit 33, the file as it was (the error page was appended, exit 0)", args: ["-sS", "--retry", "0", "-C", "3", "-o", "out", "@URL/missing"], files: { out: "012" } },
  { name: "-C 3 --fail-with-body and a 404: exit 22, the file as it was", args: ["-s", "--retry", "0", "--fail-with-body", "-C", "3", "-o", "out", "@URL/missing"], files: { out: "012" } },
  { name: "-C 0 with a file there: no Range, the file written afresh (the whole body was appended to it)", args: ["-s", "-C", "0", "-o", "out", "@URL/file.bin"], files: { out: "012" }, headers: ["range"] },
  { name: "-C - with -r: the file's size is the offset, the rest appended (the file was overwritten with -r's range)", args: ["-s", "-C", "-", "-r", "0-99", "-o", "out", "@URL/file.bin"], files: { out: FILE.subarray(0, 1000) }, headers: ["range"] },
  { name: "-C - with -r and no file: -r's range", args: ["-s", "-C", "-", "-r", "0-99", "-o", "out", "@URL/file.bin"], headers: ["range"] },
  { name: "-C - and a 404: exit 33, the file as it was (it was replaced by the error page, exit 0)", args: ["-s", "--retry", "0", "-C", "-", "-o", "out", "@URL/missing"], files: { out: "012" } },
  { name: "-C - --fail-with-body and a 404: exit 22, the file as it was (it was replaced by the error page)", args: ["-s", "--retry", "0", "--fail-with-body", "-C", "-", "-o", "out", "@URL/missing"], files: { out: "012" } },
  { name: "-C - and a redirect not followed: exit 0, the file as it was (it was emptied)", args: ["-s", "-C", "-", "-o", "out", "@URL/redirect"], files: { out: FILE.subarray(0, 1000) } },
  { name: "-C - and an empty file: no Range, one request (two were sent)", args: ["-s", "-C", "-", "-o", "out", "@URL/file.bin"], files: { out: "" }, headers: ["range"] },
  { name: "-r and -C OFFSET: one Range header, -C's", args: ["-s", "-r", "0-9", "-C", "5", "-o", "out", "@URL/file.bin"], files: { out: "01234" }, headers: ["range"] },
  { name: "-f -i and a 404: the head is printed, then exit 22", args: ["-sfi", "--retry", "0", "@URL/missing"], mask: true },
  { name: "-f -I -L and a 404 after a redirect: both heads, then exit 22", args: ["-sfIL", "--retry", "0", "@URL/to-missing"], mask: true },
  { name: "-f -D - and a 500: the head on stdout, then exit 22", args: ["-sf", "-D", "-", "--retry", "0", "@URL/broken"], mask: true },
  { name: "--no-location undoes -L; --no-fail and --no-include likewise", args: ["-sLfi", "--no-location", "--no-fail", "--no-include", "-w", "%{num_redirects} %{http_code}", "-o", "x", "@URL/redirect"] },
  { name: "--no-location on the command line undoes a config file's location", args: ["-s", "--no-location", "-w", "%{num_redirects}", "-o", "x", "@URL/redirect"], files: { ".curlrc": "location\n", ".fetchxrc": "location\n" } },
  { name: "a redirect to a scheme fetchx cannot follow, not followed: exit 0, %{redirect_url} names it", args: ["-s", "-o", "x", "-w", "%{http_code} %{redirect_url}", "@URL/to-app"] },
  { name: "a redirect to a URL that does not parse, not followed: exit 0", args: ["-s", "-o", "x", "-w", "%{http_code}", "@URL/to-broken"] },
  { name: "-L with two Location headers: the first", args: ["-sL", "-w", "%{num_redirects}", "@URL/two-locations"] },
  { name: "-L and a redirect whose body is cut short: followed all the same", args: ["-sL", "--retry", "0", "-w", "%{num_redirects}", "@URL/redirect-cut"] },
  { name: "-L and 300 Multiple Choices with a Location: followed", args: ["-sL", "-w", "%{num_redirects}", "@URL/choices"] },
  { name: "a 300 with a Location, not followed: %{redirect_url}", args: ["-s", "-o", "x", "-w", "%{redirect_url}", "@URL/choices"] },
  { name: "--etag-compare with a file that is not there: exit 26, nothing sent", args: ["-s", "--etag-compare", "no-such-etag", "@URL/hello.txt"] },
  { name: '--etag-compare with an empty file: If-None-Match: "", the body', args: ["-s", "--etag-compare", "empty-etag", "@URL/hello.txt"], files: { "empty-etag": "" }, headers: ["if-none-match"] },
  { name: "-f with --fail-with-body: exit 2", args: ["-s", "-f", "--fail-with-body", "@URL/hello.txt"] },
  { name: "-J with -i: exit 2", args: ["-s", "-OJ", "-i", "@URL/hello.txt"] },
  { name: "--resolve with an entry that does not parse: exit 49", args: ["-s", "--resolve", "garbage", "@URL/hello.txt"] },
  { name: "--resolve with a name where an address goes: exit 49", args: ["-s", "--resolve", "h:80:not-an-ip", "@URL/hello.txt"] },
  { name: "-x with a proxy URL that does not parse: exit 5", args: ["-s", "-x", "http://[::1", "@URL/hello.txt"] },
  { name: "-c into a directory that cannot hold it: the download stands, exit 0", args: ["-s", "-c", "/proc/no-such-dir/jar", "@URL/set-cookies"] },
  { name: "-i with a 103 Early Hints before the answer: both heads, as received", args: ["-si", "@URL/early-hints"] },
  { name: "-D - and %{size_header} with a 103 Early Hints", args: ["-s", "-D", "-", "-o", "x", "-w", "%{size_header} %{http_code}", "@URL/early-hints"] },
  { name: "-D FILE with a 103 Early Hints and -L", args: ["-sL", "-D", "heads.txt", "-o", "x", "@URL/early-hints"] },
  { name: "-m is each transfer's limit, not the run's: three 0.4 s answers under -m 1", args: ["-s", "-m", "1", "@URL/slowish", "@URL/slowish", "@URL/slowish"] },
  { name: "-m with a fraction curl reads (.5, 1e0)", args: ["-s", "-m", ".5", "--connect-timeout", "1e0", "@URL/hello.txt"] },
  { name: "a lone - is no URL: exit 2, nothing sent (it was taken for one)", args: ["-s", "-", "@URL/hello.txt"] },
  { name: "--next before any URL starts nothing: one group", args: ["-s", "--next", "@URL/hello.txt"] },
  { name: "--next --next: the empty group between is no group", args: ["-s", "@URL/hello.txt", "--next", "--next", "@URL/echo"] },
  { name: "-G -d with -T: two methods, exit 2 (it sent a PUT with the query)", args: ["-s", "-G", "-T", "up.txt", "-d", "a=b", "@URL/echo"], files: { "up.txt": "up\n" } },
  { name: "http: without a slash is a malformed URL: exit 3 (it was a host named http, 6)", args: ["-s", "http:hello.txt"] },
  { name: "http:/HOST with one slash is http://HOST, as curl reads it", args: ["-s", "-w", "|%{url_effective}", "@ONESLASH/hello.txt"] },
  { name: "--resolve with a port over 65535: exit 49 (it was ignored)", args: ["-s", "--resolve", "example.test:99999:127.0.0.1", "@URL/hello.txt"] },
  { name: "--resolve +HOST (curl's timeout mark) and -HOST:PORT (its removal) are accepted", args: ["-s", "--resolve", "-other.test:80", "--resolve", "+@RESOLVEHOST:127.0.0.1", "-w", "%{http_code}", "@RESOLVEURL/hello.txt"] },
  { name: "--connect-to that does not parse: exit 49, as --resolve (it was 2)", args: ["-s", "--connect-to", "a.test:80:127.0.0.1:abc", "http://a.test/"] },
  { name: "-r 10x and -r 7: from that byte on (bytes=10-), as curl reads them", args: ["-s", "-r", "10x", "@URL/file.bin", "-o", "a", "-r", "7", "@URL/file.bin", "-o", "b"], headers: ["range"] },
  { name: "--expect100-timeout and --keepalive-time refuse what curl refuses (abc: exit 2)", args: ["-s", "--expect100-timeout", "abc", "@URL/hello.txt"] },
  { name: "-w with an unknown or empty variable name prints nothing for it (it printed the text)", args: ["-s", "-w", "[%{}%{nope:x}%{toString}]", "@URL/hello.txt"] },
  { name: "-i -L with --max-redirs exceeded: the heads that came, then 47, as curl (it printed nothing)", args: ["-si", "-L", "--max-redirs", "1", "@URL/redirect-twice"], mask: true },
  { name: "%{filename_effective} of a transfer that failed names the file it was to write, as curl's (it was empty)", args: ["-s", "-f", "-o", "x", "-w", "[%{filename_effective}]", "@URL/missing"] },
  { name: "%{urlnum} counts the URLs of every --next group, as curl's (each group started again at 0)", args: ["-s", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{urlnum}\\n", "@URL/hello.txt", "@URL/hello.txt", "--next", "-o", "/dev/null", "-w", "%{urlnum}\\n", "@URL/hello.txt"] },
  { name: "--aws-sigv4 with an empty provider: 43, nothing sent (it signed with aws:amz)", args: ["-s", "--aws-sigv4", "", "-u", "a:b", "@URL/echo"] },
  { name: "-w %{content_type} of an answer with two Content-Type lines: the last, as curl's (it joined them with a comma)", args: ["-s", "-o", "x", "-w", "%{content_type}", "@URL/two-types"] },
  { name: "-D FILE and a refused connection: the file is there, empty, as curl leaves it (fetchx made none)", args: ["-s", "--retry", "0", "-D", "heads.txt", "-o", "x", "http://127.0.0.1:1/"] },
  { name: "-w %{url_effective} of URLs nothing answers: as parsed (scheme added, dot segments gone), as curl's (it was the text typed)", args: ["-s", "--retry", "0", "-w", "[%{url_effective}]", "127.0.0.1:1/x", "HTTP://127.0.0.1:1/a/../b"] },
  { name: "--path-as-is: %{url_effective} keeps the dot segments sent, as curl's (it showed them resolved)", args: ["-s", "--path-as-is", "-o", "x", "-w", "%{url_effective}", "@URL/g/../hello.txt?q=1", "@URL/./hello.txt"] },
  { name: "-i with a chunked body's trailer: its line after the body, as curl prints it (it was left out)", args: ["-si", "@URL/trailers"] },
  { name: "-D FILE with a chunked body's trailer: its line after the head's, as curl writes it (it was left out)", args: ["-s", "-D", "heads.txt", "-o", "x", "@URL/trailers"] },
  { name: "-D - -o FILE with a chunked body's trailer: its line after the head's on stdout (it was left out)", args: ["-s", "-D", "-", "-o", "x", "@URL/trailers"] },
  { name: "--compressed asks for curl's encodings in curl's order (it was gzip first)", args: ["-s", "--compressed", "@URL/echo"], headers: ["accept-encoding"] },
  { name: "--compressed and Content-Encoding: none, curl's identity: the body as sent, exit 0 (it was 61)", args: ["-s", "--compressed", "-w", "|%{exitcode}", "@URL/ce-none"] },
  { name: '-H "Host:" sends no Host, as curl (fetchx sent its own)', args: ["-s", "-H", "Host:", "@URL/echo"], headers: ["host"] },
  { name: "--max-filesize 1.5M and 1kb: refused as curl 7.88 refuses them (exit 2; fetchx rounded 1.5 to 2)", args: ["-s", "--max-filesize", "1.5M", "@URL/hello.txt"] },
  { name: "-x with two @ before the host: exit 5 (it sent user u@p to the proxy)", args: ["-s", "-x", "http://u@p@127.0.0.1:1", "@URL/hello.txt"] },
  { name: "--etag-save with no file name: exit 26 before anything is sent", args: ["-s", "--etag-save", "", "@URL/hello.txt"] },
  { name: "-m and --connect-timeout of 2147484 s, over a timer's 24.8 days: nothing is cut (it was 28 at once)", args: ["-s", "-m", "2147484", "--connect-timeout", "2147484", "@URL/slowish"] },
  { name: "-m 1e30: too large a number, exit 2 before anything is sent", args: ["-s", "-m", "1e30", "@URL/hello.txt"] },
  { name: "--tcp-fastopen is a hint: the same answer", args: ["-s", "--tcp-fastopen", "@URL/hello.txt"] },
  { name: "--suppress-connect-headers without a proxy: the same head and body", args: ["-si", "--suppress-connect-headers", "@URL/hello.txt"], mask: true },
  { name: "options curl accepts and ignores here (--no-npn, --egd-file, --random-file, --false-start, --ssl-allow-beast, Schannel's, --proxy-basic, --no-sessionid): the same request and answer",
    args: ["-s", "--no-npn", "--egd-file", "x", "--random-file", "x", "--false-start", "--ssl-allow-beast", "--ssl-revoke-best-effort", "--ssl-auto-client-cert", "--proxy-basic", "--no-sessionid", "-d", "x=1", "@URL/echo"] },
  { name: "--proto-default https: a URL without a scheme is https (a closed port: exit 7, and the URL it was)", args: ["-s", "--retry", "0", "--proto-default", "https", "-w", "%{url_effective}", "127.0.0.1:1/hello.txt"] },
  { name: "--proto-default HTTP: the scheme is case-blind; a URL with its own scheme keeps it", args: ["-s", "--proto-default", "HTTP", "-w", "|%{url_effective}", "@HOSTPORT/hello.txt", "@URL/hello.txt"] },
  { name: "--proto-default with a scheme nobody speaks: exit 1 before any request", args: ["-s", "--proto-default", "gopher2", "@HOSTPORT/hello.txt"] },
  { name: "--trace-ids and --trace-config (curl 8.2, 8.3) are accepted", args: ["-s", "--trace-ids", "--trace-config", "all", "@URL/hello.txt"], only: { why: "curl 8.2/8.3 options", code: 0, stdout: "hello\n" } },
  { name: "two URLs to one -o file, one after another: the last one's body", args: ["-s", "-o", "x", "@URL/file.bin", "-o", "x", "@URL/hello.txt"] },
  { name: "-O with a query glob that names one file twice: the last one's body", args: ["-s", "-O", "@URL/hello.txt?i=[1-2]"] },
  { name: "-i with a UTF-8 header value: its bytes as received", args: ["-si", "@URL/utf8-header"] },
  { name: "-D FILE with a UTF-8 header value: its bytes as received", args: ["-s", "-D", "heads.txt", "-o", "x", "@URL/utf8-header"] },
  { name: "a UTF-8 cookie: the jar and the Cookie header sent back carry its bytes", args: ["-sL", "-c", "jar.txt", "@URL/utf8-cookie"], headers: ["cookie"] },
  { name: "-w %header{} of a UTF-8 header value", args: ["-s", "-o", "x", "-w", "%header{x-name}", "@URL/utf8-header"] },
  { name: "-T with a glob: each file uploaded, a URL ending in / naming each", args: ["-s", "-T", "{a,b}.txt", "@URL/dir/"], files: { "a.txt": "A\n", "b.txt": "B\n" } },
  { name: "-T with a range glob to one URL", args: ["-s", "-T", "f[1-2].txt", "@URL/echo-body"], files: { "f1.txt": "one\n", "f2.txt": "two\n" } },
  { name: "-g: -T's braces are a file name", args: ["-sg", "-T", "{a}.txt", "@URL/echo-body"], files: { "{a}.txt": "braces\n" } },
  { name: "-L -X PUT -d and a 302: PUT goes on without the body (the request is a POST in curl's sense)", args: ["-sL", "-X", "PUT", "-d", "a=1", "@URL/found"] },
  { name: "-L -X POST -T FILE and a 302: POST goes on with the upload (an upload is no POST)", args: ["-sL", "-X", "POST", "-T", "up.txt", "@URL/found"], files: { "up.txt": "uploaded\n" } },
  { name: "-L -T FILE and a 301: PUT goes on with the upload", args: ["-sL", "-T", "up.txt", "@URL/moved"], files: { "up.txt": "uploaded\n" } },
  { name: "-I -X GET: GET is sent, only the head is printed", args: ["-sI", "-X", "GET", "@URL/hello.txt"], mask: true },
  { name: "-I -X POST -d: both refuse a HEAD with a body (exit 2)", args: ["-sI", "-X", "POST", "-d", "x=1", "@URL/echo"], mask: true },
  { name: "-C - to stdout: the whole body (nothing to go on from)", args: ["-s", "-C", "-", "@URL/hello.txt"], headers: ["range"] },
  { name: "--digest -u (MD5, qop=auth): the 401's challenge answered", args: ["-sf", "--digest", "-u", "user:pass", "@URL/digest"] },
  { name: "--digest with SHA-256", args: ["-sf", "--digest", "-u", "user:pass", "@URL/digest-sha256"] },
  { name: "--digest without qop (RFC 2069)", args: ["-sf", "--digest", "-u", "user:pass", "@URL/digest-2069"] },
  { name: "--digest with a wrong password: the 401, exit 22 with -f", args: ["-sf", "--digest", "-u", "user:nope", "-w", "%{http_code}", "@URL/digest"] },
  { name: "--digest with -d: the POST sent again with its body", args: ["-sf", "--digest", "-u", "user:pass", "-d", "x=1", "@URL/digest"] },
  { name: "--digest with -T - (a stream): sent once, with the answer", args: ["-s", "--digest", "-u", "user:pass", "-T", "-", "@URL/digest"], stdin: "streamed\n".repeat(100) },
  { name: "--anyauth -d to a server that asks no authentication: the body goes at once, as curl's (fetchx sent an empty probe and never the body)", args: ["-s", "--anyauth", "-u", "user:pass", "-d", "a=b", "@URL/echo-body"] },
  { name: "--digest -d to a server that asks no authentication: the empty probe, then the request with its body, as curl's (the body was never sent)", args: ["-s", "--digest", "-u", "user:pass", "-d", "a=b", "@URL/echo-body"] },
  { name: "--anyauth picks Digest when offered", args: ["-sf", "--anyauth", "-u", "user:pass", "@URL/digest"] },
  { name: "--digest -i: the 401 that drew the challenge is shown before the answer, as curl's (fetchx showed the answer only)", args: ["-s", "-i", "--digest", "-u", "user:pass", "@URL/digest"], mask: true },
  { name: "--digest -i with a wrong password: both 401s, as curl's", args: ["-s", "-i", "--digest", "-u", "user:nope", "@URL/digest"], mask: true },
  { name: "--anyauth answers a Basic-only server with Basic", args: ["-sf", "--anyauth", "-u", "user:pass", "@URL/auth"] },
  { name: "-0 sends HTTP/1.0", args: ["-s", "-0", "@URL/version"] },
  { name: "--http1.0 with -d", args: ["-s", "--http1.0", "-d", "x=1", "@URL/version"] },
  { name: "-H @file: one header a line", args: ["-s", "-H", "@hdrs.txt", "@URL/echo"], files: { "hdrs.txt": "X-One: 1\r\n\r\nX-Two: two\n" }, headers: ["x-one", "x-two"] },
  { name: '-H "Name;" sends the header empty (one of fetchx\'s own too); "Name; text" and a line without a colon are not sent', args: ["-s", "-H", "X-Empty;", "-H", "Accept;", "-H", "X-Semi; text", "-H", "Bogus", "-H", "X-Spaces;  ", "@URL/echo"], headers: ["x-empty", "accept", "x-semi", "bogus", "x-spaces"] },
  { name: '-H @file with a "Name;" line', args: ["-s", "-H", "@hdrs.txt", "@URL/echo"], files: { "hdrs.txt": "X-Empty;\nX-Full: 1\n" }, headers: ["x-empty", "x-full"] },
  { name: '-A "" sends no User-Agent', args: ["-s", "-A", "", "@URL/echo"], headers: ["user-agent"] },
  { name: "plain GET to stdout", args: ["-sSf", "@URL/hello.txt"] },
  { name: "install one-liner: -fsSL through a redirect", args: ["-fsSL", "@URL/redirect"] },
  { name: "-o with -L, two hops", args: ["-sSL", "-o", "out.bin", "@URL/redirect-twice"] },
  { name: "-O names the file after the URL", args: ["-sSO", "@URL/file.bin"] },
  { name: "-O keeps the URL's percent-encoding in the name (a%20b.txt, x%2Fy.txt)", args: ["-sO", "@URL/g/a%20b.txt", "-O", "@URL/g/x%2Fy.txt"] },
  { name: "-o and -O pair with the URLs in order: -O -o x A B", args: ["-s", "-O", "-o", "x", "@URL/file.bin", "@URL/hello.txt"] },
  { name: "-o and -O pair with the URLs in order: -O A -o x B", args: ["-s", "-O", "@URL/file.bin", "-o", "x", "@URL/hello.txt"] },
  { name: "--url takes its place among the URLs (-o x --url A -o y B)", args: ["-s", "-o", "x", "--url", "@URL/file.bin", "-o", "y", "@URL/hello.txt"] },
  { name: "--url before a plain URL: in that order on stdout", args: ["-s", "--url", "@URL/hello.txt", "@URL/file.bin"] },
  { name: "--remote-name-all with -o for the first URL", args: ["-s", "--remote-name-all", "-o", "x", "@URL/hello.txt", "@URL/file.bin"] },
  {
    name: "-O A B: the URLs past the last -o/-O are -O'd too",
    args: ["-s", "-O", "@URL/file.bin", "@URL/hello.txt"],
    only: { why: "curl writes B to stdout; fetchx names it as -O does (the -Z many-URL line of the README)", code: 0, stdout: "" },
    check: (d) => expect(readdirSync(d).filter((f) => f.endsWith(".bin") || f.endsWith(".txt")).sort()).toEqual(["file.bin", "hello.txt"]),
  },
  { name: '-e ";auto" -L: each redirect sends where it came from', args: ["-sL", "-e", ";auto", "-o", "x", "@URL/redirect-twice"], headers: ["referer"] },
  { name: '-e "URL;auto" -L: URL first, then each redirect\'s origin', args: ["-sL", "-e", "http://example.test/start;auto", "-o", "x", "@URL/redirect-twice"], headers: ["referer"] },
  { name: "-e URL -L: the same Referer on every hop", args: ["-sL", "-e", "http://example.test/start", "-o", "x", "@URL/redirect-twice"], headers: ["referer"] },
  { name: "-w %{referer}, %{http_connect}, %{ssl_verify_result}, %{proxy_ssl_verify_result} of a plain request", args: ["-s", "-o", "x", "-e", "http://from.example/page", "-w", "%{referer}|%{http_connect}|%{ssl_verify_result}|%{proxy_ssl_verify_result}", "@URL/hello.txt"] },
  { name: '-w %{referer} after -e ";auto" -L: the last hop\'s', args: ["-sL", "-o", "x", "-e", ";auto", "-w", "%{referer}", "@URL/redirect-twice"] },
  {
    name: "-w %{url.*} and %{urle.*}: the parts of the URL given and the effective one (curl 8.1)",
    args: ["-sL", "-o", "x", "-w", "%{url.scheme}|%{url.path}|%{url.query}|%{url.fragment}|%{urle.path}|%{urle.query}", "@URL/redirect?a=1#top"],
    only: { why: "curl 8.1", code: 0, stdout: "http|/redirect|a=1|top|/file.bin|" },
  },
  { name: "-w %{num_headers}", args: ["-s", "-o", "x", "-w", "%{num_headers} %{size_header}", "@URL/hello.txt"] },
  { name: "-d pieces joined with &", args: ["-s", "-d", "a=1", "-d", "b=two words", "@URL/echo-body"], headers: ["content-type", "content-length"] },
  { name: "-d @file drops CR and LF", args: ["-s", "-d", "@body.txt", "@URL/echo-body"], files: { "body.txt": "line1\r\nline2\nline3\n" }, headers: ["content-length"] },
  { name: "--data-binary @file keeps every byte; %{size_upload}", args: ["-s", "--data-binary", "@body.bin", "-w", "\\n%{size_upload}", "@URL/echo-body"], files: { "body.bin": randomBytes(3000, 3) }, headers: ["content-type", "content-length"] },
  { name: "--data-raw takes @ literally", args: ["-s", "--data-raw", "@notafile", "@URL/echo-body"] },
  { name: "--data-urlencode forms", args: ["-s", "--data-urlencode", "q=hello world&x=1", "--data-urlencode", "=a/b c", "--data-urlencode", "name@v.txt", "@URL/echo-body"], files: { "v.txt": "é ü+\n" } },
  { name: "--json sets Content-Type and Accept", args: ["-s", "--json", '{"a":1}', "@URL/json"], headers: ["content-type", "accept"] },
  { name: "--json pieces run together", args: ["-s", "--json", '{"a":', "--json", "1}", "@URL/json"] },
  { name: "-G moves -d into the query", args: ["-s", "-G", "-d", "q=1", "--data-urlencode", "r=a b", "@URL/echo?x=0"] },
  { name: "--url-query", args: ["-s", "--url-query", "a=b c", "--url-query", "+raw=%41", "@URL/echo"] },
  { name: "-X PUT with -d", args: ["-s", "-X", "PUT", "-d", "x=1", "@URL/echo"] },
  { name: "-H Content-Type replaces the form type", args: ["-s", "-H", "Content-Type: text/plain", "-d", "x", "@URL/echo-body"], headers: ["content-type"] },
  { name: "-T uploads with PUT", args: ["-s", "-T", "up.bin", "@URL/echo-body"], files: { "up.bin": randomBytes(5000, 5) }, headers: ["content-length"] },
  { name: "-T to a directory URL appends the file name", args: ["-s", "-T", "up.txt", "@URL/dir/"], files: { "up.txt": "x\n" } },
  { name: "-T - streams stdin chunked", args: ["-s", "-T", "-", "@URL/echo-body"], stdin: "from stdin\n".repeat(500), headers: ["transfer-encoding"] },
  { name: "-F fields and a file", args: ["-s", "-F", "name=value", "-F", "doc=@up.txt;type=text/plain", "-F", "msg=<msg.txt", "@URL/echo"], files: { "up.txt": "file body\n", "msg.txt": "from a file" }, multipart: true },
  { name: '-F names and file names with " \\ CR LF: percent-encoded as the HTML standard says', args: ["-s", "-F", 'na"me\\x=@q"u\\o.txt', "-F", "line\r\nbreak=v", "@URL/echo"], files: { 'q"u\\o.txt': "quoted\n" }, multipart: true },
  { name: "--form-escape: backslashes instead (curl 7.81)", args: ["-s", "--form-escape", "-F", 'na"me\\x=@q"u\\o.txt', "-F", "plain=v", "@URL/echo"], files: { 'q"u\\o.txt': "quoted\n" }, multipart: true },
  {
    name: '-F as curl parses it: "quoted" values with \\" escapes, @"a;b.txt", filename="x;y", a type with parameters, spaces around values',
    args: ["-s", "-F", 'q="a\\"b\\\\c";type=t/x', "-F", 'f=@"a;b.txt";filename="x;y,z.txt"', "-F", "j=@d.json;type=application/json; charset=utf-8", "-F", "s=  padded  ", "-F", "=nameless", "@URL/echo"],
    files: { "a;b.txt": "A\n", "d.json": "{}" },
    multipart: true,
  },
  {
    name: "-F types as curl guesses them: the file's own name under ;filename=, <FILE.html, @- named -, a value with ;filename=x.txt",
    args: ["-s", "-F", "a=@up.txt;filename=other.bin", "-F", "b=<page.html", "-F", "c=@-", "-F", "d=v;filename=v.txt", "-F", "e=@noext", "@URL/echo"],
    files: { "up.txt": "U", "page.html": "<p>", noext: "N" },
    stdin: "from stdin\n",
    multipart: true,
  },
  {
    name: "-F ;headers= and ;headers=@FILE (folded lines, comments); a Content-Disposition of the caller's replaces curl's",
    args: ["-s", "-F", "a=v;headers=X-A: 1", "-F", "b=v;headers=@h.txt", "-F", "c=v;headers=Content-Type: x/y", "-F", "d=v;headers=Content-Disposition: inline", "@URL/echo"],
    files: { "h.txt": "# comment\nX-B: 1\n  folded\r\nX-C: 2  \n\n" },
    multipart: true,
  },
  {
    name: "-F ;encoder=base64, quoted-printable, 8bit, 7bit: the part encoded and labelled",
    args: ["-s", "-F", "a=@bin.dat;encoder=base64", "-F", "b=@t.txt;encoder=quoted-printable", "-F", "c=vé;encoder=8bit", "-F", "d=v;encoder=7bit", "@URL/echo"],
    files: { "bin.dat": randomBytes(200, 11), "t.txt": `é=x \r\n${"long ".repeat(30)}\rend\n` },
    multipart: true,
  },
  { name: "-F ;encoder=nonsense: exit 43 before any request", args: ["-s", "-F", "a=v;encoder=nonsense", "@URL/echo"] },
  { name: "-F ;type=nonsense: exit 2 before any request", args: ["-s", "-F", "a=v;type=nonsense", "@URL/echo"] },
  { name: "-F NAME=@A,B: one multipart/mixed part holding both files", args: ["-s", "-F", "f=@a.txt,b.bin", "@URL/echo"], files: { "a.txt": "A", "b.bin": "B" }, multipart: true },
  { name: "-F with -H Content-Type: multipart/related: the boundary added, the parts attachments", args: ["-s", "-F", "meta={};type=application/json", "-F", "file=@a.txt", "-H", "Content-Type: multipart/related", "@URL/echo"], files: { "a.txt": "A" }, headers: ["content-type"], multipart: true },
  { name: "--data-urlencode a@b=c: the name is a@b (an = wins over an @ before it)", args: ["-s", "--data-urlencode", "a@b.txt=c d", "@URL/echo-body"], files: { "b.txt=c d": "never read" } },
  { name: "-d then --json: no & before a --json piece (curl's join)", args: ["-s", "-d", "a", "--json", "b", "--json", "c", "-d", "d", "@URL/echo-body"] },
  { name: "-G --json: the query, and still Content-Type and Accept: application/json", args: ["-s", "-G", "--json", "{}", "@URL/echo"], headers: ["content-type", "accept"] },
  { name: "-H Transfer-Encoding: chunked with -d: the body chunked, no Content-Length beside it", args: ["-s", "-H", "Transfer-Encoding: chunked", "-d", "abc", "@URL/echo-body"], headers: ["content-length", "transfer-encoding"] },
  { name: "-T FILE -C 3: the file from byte 3 with its Content-Range, as curl resumes an upload (it went whole, with a Range: exit 33)", args: ["-s", "-T", "up.txt", "-C", "3", "@URL/echo-body"], files: { "up.txt": "0123456789" }, headers: ["content-range", "content-length", "range"] },
  { name: "-T FILE -C -: the whole file, Content-Range bytes 0-9/10; -C 0: none", args: ["-s", "-T", "up.txt", "-C", "-", "@URL/echo-body", "--next", "-T", "up.txt", "-C", "0", "@URL/echo-body"], files: { "up.txt": "0123456789" }, headers: ["content-range", "content-length", "range"] },
  { name: "-T FILE -C at its size: exit 18, nothing sent", args: ["-s", "-T", "up.txt", "-C", "10", "@URL/echo-body"], files: { "up.txt": "0123456789" } },
  {
    name: "-F NAME=@DIRECTORY: exit 26 before anything is sent (it failed half-way, 23)",
    args: ["-s", "-F", "a=@sub", "@URL/echo"],
    files: { "sub/x": "x" },
    only: { why: "curl 7.88 sends an empty part; a directory is no -F file to fetchx, as a missing one", code: 26, stdout: "" },
  },
  { name: "%{size_upload} is the last request's: 0 after a 302 made the POST a GET, the body once after a 307 (it was the sum)", args: ["-sL", "-d", "abc", "-w", "|%{size_upload}\\n", "@URL/found", "--next", "-sL", "-d", "abc", "-w", "|%{size_upload}\\n", "@URL/temporary-body"] },
  { name: "-T FILE -O URL/: exit 23 before anything is sent, FILE left as it was (the answer was written over it)", args: ["-s", "-T", "up.txt", "-O", "@URL/dir/"], files: { "up.txt": "the upload\n" } },
  { name: "-T FILE -O URL/NAME: the answer in NAME", args: ["-s", "-T", "up.txt", "-O", "@URL/dir/got.txt"], files: { "up.txt": "the upload\n" } },
  { name: "-T FILE and a URL glob: the file PUT to each URL the glob stands for (the second went as a GET)", args: ["-s", "-T", "up.txt", "@URL/{x,y}/"], files: { "up.txt": "U" } },
  { name: "-T glob and a URL glob: each file to each URL, the file changing slowest; %{urlnum} the URL given", args: ["-s", "-w", "%{urlnum} ", "-T", "{a,b}.txt", "@URL/{x,y}/", "-T", "c.txt", "@URL/z/"], files: { "a.txt": "A", "b.txt": "B", "c.txt": "C" } },
  { name: "POST then 303: GET without body", args: ["-sL", "-d", "x=1", "@URL/see-other"] },
  { name: "-X POST -L: the method stays after a 301, the body does not (curl's -X)", args: ["-sL", "-X", "POST", "-d", "x=1", "@URL/moved"], headers: ["content-length", "content-type"] },
  { name: "-X DELETE -L: DELETE after a 303 too", args: ["-sL", "-X", "DELETE", "@URL/see-other"] },
  {
    name: "--follow: a 301 turns -X POST into GET (curl 8.16)",
    args: ["-s", "--follow", "-X", "POST", "-d", "x=1", "@URL/moved"],
    only: { why: "curl 8.16", code: 0, stdout: "GET /echo\n" },
  },
  { name: "--post301 keeps a POST a POST after 301, body and all", args: ["-sL", "--post301", "-d", "x=1", "@URL/moved"], headers: ["content-length"] },
  { name: "--post302 keeps a POST a POST after 302", args: ["-sL", "--post302", "-d", "x=1", "@URL/found"], headers: ["content-length"] },
  { name: "--post303 keeps a POST a POST after 303", args: ["-sL", "--post303", "-d", "x=1", "@URL/see-other"], headers: ["content-length"] },
  { name: "--post301 leaves a 302 as it was (GET)", args: ["-sL", "--post301", "-d", "x=1", "@URL/found"] },
  { name: "--request-target '*' with -X OPTIONS: the request line curl sends", args: ["-s", "-X", "OPTIONS", "--request-target", "*", "-o", "x", "-w", "%{http_code}", "@URL/echo"] },
  { name: "--request-target replaces the URL's path and query", args: ["-s", "--request-target", "/echo?from=target", "@URL/hello.txt"] },
  { name: "--request-target stays on every request of -L (a redirect to itself until --max-redirs)", args: ["-sL", "--max-redirs", "2", "-w", "%{num_redirects}", "--request-target", "/redirect", "@URL/hello.txt"] },
  { name: "--path-as-is sends . and .. segments", args: ["-s", "--path-as-is", "@URL/dir/../hello.txt"] },
  { name: "--path-as-is with %2e, // and a query", args: ["-s", "--path-as-is", "@URL/x/./..//y/%2e%2E/hello.txt?q=1"] },
  { name: "without --path-as-is the dots are resolved", args: ["-s", "@URL/x/./../dir/../hello.txt"] },
  // The same signature as curl 7.88's for a request whose date is given (7.88 then sends X-Amz-Date twice,
  // so only Authorization is compared). 7.88 signs queries, repeated headers and S3 requests as curl 8
  // fixed them (unsorted, unmerged, without x-amz-content-sha256): fetchx follows curl 8 there
  // (test/unit/http-sigv4.test.ts has curl 8's own expected signatures).
  {
    name: "--aws-sigv4: the signature curl 7.88 makes",
    args: ["-s", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "-u", "AKID:s3cr3t/key", "-H", "X-Amz-Date: 20260101T000000Z", "@URL/hello.txt"],
    headers: ["authorization"],
  },
  {
    name: "--aws-sigv4 with -d and another provider's date header",
    args: ["-s", "--aws-sigv4", "osc:osc:eu-west-2:api", "-u", "AKID:s3cr3t", "-H", "X-Osc-Date: 20260101T000000Z", "-d", "x=1", "@URL/echo-body"],
    headers: ["authorization"],
  },
  { name: "--next: each group its own -o and -w", args: ["-s", "@URL/hello.txt", "-o", "/dev/null", "-w", "a%{http_code}\\n", "--next", "-w", "b%{http_code}\\n", "@URL/file.bin", "-o", "f.bin"] },
  { name: "-: with a POST, then a plain GET (-d does not carry over)", args: ["-s", "-d", "x=1", "@URL/echo", "-:", "@URL/echo"] },
  { name: "--next: -H and -f stay in their group", args: ["-s", "-f", "-H", "X-One: 1", "@URL/echo", "--next", "-H", "X-Two: 2", "@URL/missing"], headers: ["x-one", "x-two"] },
  { name: "--next with -O in one group and -o in the next", args: ["-s", "-O", "@URL/hello.txt", "--next", "-o", "z", "@URL/file.bin"] },
  {
    name: "--next without a URL after it: exit 2, nothing sent",
    args: ["-s", "-o", "x", "@URL/hello.txt", "--next"],
    only: { why: "curl runs the first group, then fails; fetchx checks every group first, as it checks every option", code: 2, stdout: "" },
    check: (d) => expect(readdirSync(d)).not.toContain("x"),
  },
  {
    name: "--next: the first group's failure is the exit code",
    args: ["-sf", "@URL/missing", "--next", "-s", "@URL/hello.txt"],
    only: { why: "curl exits with the last transfer's code (0); fetchx with the first failure's, as for several URLs", code: 22, stdout: "hello\n" },
  },
  { name: "more -o than URLs: the first names the file, the rest nothing (a warning)", args: ["-s", "-o", "a", "-o", "b", "@URL/hello.txt"] },
  { name: "file://: the local file to stdout", args: ["-fsSL", "@FILEURL/local.txt"] },
  { name: "file://localhost/ and -r 2-4", args: ["-s", "-r", "2-4", "@LOCALHOSTFILE/local.txt"] },
  { name: "file:// with -O, -w (%{http_code} is 000)", args: ["-s", "-O", "-w", "%{http_code} %{size_download} %{filename_effective} %{exitcode}", "@FILEURL/local.txt"] },
  { name: "file:// with -o and a percent-encoded name", args: ["-s", "-o", "copy.txt", "@FILEURL/loc%61l.txt"] },
  { name: "file:// with -i: the head curl makes up, then the body", args: ["-s", "-i", "@FILEURL/local.txt"] },
  { name: "file:// with -I: the head alone", args: ["-s", "-I", "@FILEURL/local.txt"] },
  { name: "file:// of a missing file: exit 37", args: ["-s", "@FILEURL/missing.txt"] },
  { name: "file://otherhost/: exit 3", args: ["-s", "file://elsewhere.example/etc/hostname"] },
  { name: "file:// and --proto =https: exit 1", args: ["-s", "--proto", "=https", "@FILEURL/local.txt"] },
  { name: "a redirect to file:// is never followed", args: ["-sL", "-o", "x", "@URL/to-file"] },
  {
    name: "file:// of a directory: exit 37",
    args: ["-s", "@FILEURL/sub"],
    only: { why: "curl 7.88 prints nothing and exits 0; fetchx says the URL names no file", code: 37, stdout: "" },
  },
  {
    name: "--ca-native is accepted (the system's CA store is fetchx's already)",
    args: ["-s", "--ca-native", "@URL/hello.txt"],
    only: { why: "curl 8.2", code: 0, stdout: "hello\n" },
  },
  { name: "--disallow-username-in-url: exit 67, nothing sent", args: ["-s", "--disallow-username-in-url", "@TOKENURL/hello.txt"] },
  { name: "--local-port with a bad range: exit 2", args: ["-s", "--local-port", "5-3", "@URL/hello.txt"] },
  { name: "--interface with no such device: exit 45", args: ["-s", "--interface", "nosuchdev0", "@URL/hello.txt"] },
  {
    name: "--out-null discards one URL's body",
    args: ["-s", "--out-null", "@URL/file.bin", "@URL/hello.txt"],
    only: { why: "curl 8.16", code: 0, stdout: "hello\n" },
  },
  { name: "POST then 302: GET without body", args: ["-sL", "-d", "x=1", "@URL/found"] },
  { name: "POST then 307: POST again with body", args: ["-sL", "-d", "x=1", "@URL/temporary"] },
  { name: "-u user:pass", args: ["-sf", "-u", "user:pass", "@URL/auth"], headers: ["authorization"] },
  { name: "a token in the URL sends TOKEN:", args: ["-s", "@TOKENURL/token"], headers: ["authorization"] },
  { name: "--oauth2-bearer", args: ["-sf", "--oauth2-bearer", "s3cret", "@URL/auth"], headers: ["authorization"] },
  { name: "-n takes credentials from ~/.netrc", args: ["-sf", "-n", "@URL/auth"], files: { ".netrc": "machine 127.0.0.1 login user password pass\n" }, headers: ["authorization"] },
  { name: "--netrc-file", args: ["-sf", "--netrc-file", "creds", "@URL/auth"], files: { creds: "default login user password pass\n" }, headers: ["authorization"] },
  {
    name: "--netrc-optional keeps the URL's credentials",
    args: ["-s", "--netrc-optional", "@TOKENURL/token"],
    files: { ".netrc": "machine 127.0.0.1 login user password pass\n" },
    // curl 7.88 sends "T0KEN:pass", pairing the URL's user with the password of netrc's other login.
    only: { why: "netrc's password goes only with its own login", code: 0, stdout: "Basic VDBLRU46\n" },
  },
  { name: "-b NAME=VALUE", args: ["-s", "-b", "a=1; b=2", "@URL/cookies"], headers: ["cookie"] },
  { name: "-b a Netscape cookie file", args: ["-s", "-b", "jar.txt", "@URL/cookies"], files: { "jar.txt": "127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\txyz\n" }, headers: ["cookie"] },
  { name: "login flow: -L -c keeps the session across the redirect", args: ["-sfL", "-c", "jar.txt", "@URL/login"], headers: ["cookie"], check: (d) => expect(readFileSync(join(d, "jar.txt"), "utf8")).toContain("session\tabc123") },
  { name: "-I prints the head", args: ["-sI", "@URL/file.bin"], mask: true },
  { name: "-I -L prints every hop's head", args: ["-sIL", "@URL/redirect-twice"], mask: true },
  { name: "-i -L prints every hop's head before the body", args: ["-siL", "@URL/redirect"], mask: true },
  { name: "-D file with -o", args: ["-s", "-D", "head.txt", "-o", "out.bin", "@URL/file.bin"], mask: true },
  { name: "-D - with -o /dev/null and -L: scripts grep location:", args: ["-s", "-L", "-D", "-", "-o", "/dev/null", "@URL/redirect"], mask: true },
  { name: "-w %{http_code} of a 404 without -f", args: ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "@URL/missing"] },
  { name: "-w %{http_code} is 000 when nothing answered", args: ["-s", "-w", "%{http_code}", "http://127.0.0.1:1/"] },
  { name: "-f on 404: exit 22, no output", args: ["-sf", "@URL/missing"] },
  { name: "--fail-with-body on 404: the body and exit 22", args: ["-s", "--fail-with-body", "@URL/missing"] },
  { name: "--fail-with-body --remove-on-error leaves no file", args: ["-s", "--fail-with-body", "--remove-on-error", "-o", "page.html", "@URL/missing"] },
  { name: "--max-filesize below Content-Length: exit 63", args: ["-s", "--max-filesize", "100", "-o", "f.bin", "@URL/file.bin"] },
  { name: "-r 0-99", args: ["-s", "-r", "0-99", "@URL/file.bin"], headers: ["range"] },
  { name: "--max-filesize 100 and -r 0-99: the answer's 100 bytes are within it (exit 63: the file's total was compared)", args: ["-s", "--max-filesize", "100", "-r", "0-99", "@URL/file.bin"], headers: ["range"] },
  { name: "--max-filesize 99 and -r 0-99: exit 63", args: ["-s", "--max-filesize", "99", "-r", "0-99", "@URL/file.bin"], headers: ["range"] },
  { name: "-C OFFSET -w %{filename_effective}: the file (it was empty)", args: ["-s", "-C", "1000", "-o", "f.bin", "-w", "[%{filename_effective}]", "@URL/file.bin"], files: { "f.bin": FILE.subarray(0, 1000) } },
  { name: "--no-clobber with -C OFFSET: the file goes on, as curl (NAME.1 got the rest)", args: ["-s", "--no-clobber", "-C", "1000", "-o", "f.bin", "@URL/file.bin"], files: { "f.bin": FILE.subarray(0, 1000) }, headers: ["range"] },
  { name: "-C past 2^63-1: exit 2, nothing sent (a Range of 20 digits went out)", args: ["-s", "-C", "99999999999999999999", "-o", "f.bin", "@URL/file.bin"] },
  { name: "-C OFFSET appends the rest", args: ["-s", "-C", "1000", "-o", "f.bin", "@URL/file.bin"], files: { "f.bin": FILE.subarray(0, 1000) }, headers: ["range"] },
  { name: "-z DATE: 304 leaves the file alone", args: ["-s", "-z", "Tue, 16 Jan 2024 00:00:00 GMT", "-o", "f.bin", "@URL/file.bin"], files: { "f.bin": "old copy" }, headers: ["if-modified-since"] },
  { name: "-z YYYYMMDD is a date to curl: If-Modified-Since, 304 (it was no date: the body)", args: ["-s", "-z", "20240116", "-o", "f.bin", "@URL/file.bin"], headers: ["if-modified-since"] },
  { name: "-z with an ISO date is no date to curl: no condition, the body (it sent If-Modified-Since: a 304)", args: ["-s", "-z", "2024-01-16", "-o", "f.bin", "@URL/file.bin"], headers: ["if-modified-since"] },
  { name: "-z with a zone name: If-Modified-Since in GMT", args: ["-s", "-z", "16 Jan 2024 10:00 CET", "-o", "f.bin", "@URL/file.bin"], headers: ["if-modified-since"] },
  { name: "-z after Last-Modified and a 200 all the same (nginx): curl's simulated 304, nothing on stdout (the body was)", args: ["-s", "-z", "Tue, 16 Jan 2024 00:00:00 GMT", "-w", "%{http_code}", "@URL/unconditional"], headers: ["if-modified-since"] },
  { name: "-z FILE newer than Last-Modified and a 200 all the same: the file as it was (it was downloaded again)", args: ["-s", "-z", "f.txt", "-o", "f.txt", "@URL/unconditional"], files: { "f.txt": "mine\n" }, check: (d) => expect(readFileSync(join(d, "f.txt"), "utf8")).toBe("mine\n") },
  { name: "-z -DATE before Last-Modified and a 200 all the same: nothing written; -i shows the head only", args: ["-si", "-z", "-Sun, 14 Jan 2024 00:00:00 GMT", "@URL/unconditional"], headers: ["if-unmodified-since"] },
  { name: "-z before Last-Modified and a 200: the body", args: ["-s", "-z", "Sun, 14 Jan 2024 00:00:00 GMT", "@URL/unconditional"] },
  { name: "-z older date downloads", args: ["-s", "-z", "Sun, 14 Jan 2024 00:00:00 GMT", "-o", "f.bin", "@URL/file.bin"], headers: ["if-modified-since"] },
  { name: "--etag-save", args: ["-s", "--etag-save", "etag.txt", "-o", "f.bin", "@URL/file.bin"] },
  { name: "--etag-save with a 304 that carries the ETag: saved again", args: ["-s", "--etag-compare", "etag.txt", "--etag-save", "etag.txt", "-o", "f.bin", "-w", "%{http_code}", "@URL/file.bin"], files: { "etag.txt": "@ETAG" } },
  { name: "--etag-compare F --etag-save F, F not there yet (a first run): If-None-Match: \"\", the ETag saved (it was exit 26)", args: ["-s", "--etag-compare", "etag.txt", "--etag-save", "etag.txt", "-o", "f.bin", "@URL/file.bin"], headers: ["if-none-match"] },
  { name: "--etag-save into a directory not there: exit 26, nothing sent (it downloaded, then exit 23)", args: ["-s", "--etag-save", "nodir/etag.txt", "-o", "f.bin", "@URL/file.bin"] },
  { name: "--etag-compare with a saved ETag: 304", args: ["-s", "--etag-compare", "etag.txt", "-o", "f.bin", "@URL/file.bin"], files: { "etag.txt": "@ETAG\n", "f.bin": "old" }, headers: ["if-none-match"] },
  {
    name: "-R takes Last-Modified",
    args: ["-s", "-R", "-o", "f.bin", "@URL/file.bin"],
    check: (d) => expect(statSync(join(d, "f.bin")).mtimeMs).toBe(Date.parse(LAST_MODIFIED)),
  },
  { name: "rustup one-liner against plain http: --proto =https refuses (exit 1)", args: ["--proto", "=https", "--tlsv1.2", "-sSf", "@URL/hello.txt"] },
  { name: "--proto-redir =https stops a redirect to http", args: ["-sSL", "--proto-redir", "=https", "@URL/to-http"] },
  { name: "--no-clobber writes NAME.1", args: ["-s", "--no-clobber", "-o", "f.bin", "@URL/hello.txt"], files: { "f.bin": "keep me" } },
  { name: "-K config file with url and output", args: ["-K", "cfg"], files: { cfg: '# a comment\nsilent\noutput = "out file.txt"\nurl = "@URL/hello.txt"\n' } },
  { name: "--unix-socket (the Docker API)", args: ["-s", "--unix-socket", "@SOCK", "http://localhost/docker/version"] },
  { name: "--create-file-mode 0600", args: ["-s", "--create-file-mode", "0600", "-o", "f.txt", "@URL/hello.txt"], check: (d) => expect(statSync(join(d, "f.txt")).mode & 0o777).toBe(0o600) },
  { name: "-# and --no-progress-meter are accepted", args: ["-#", "--no-progress-meter", "-o", "f.txt", "@URL/hello.txt"] },
  { name: "~/.fetchxrc is read first", args: ["@URL/missing"], files: { ".fetchxrc": "silent\nfail\n" }, only: { why: "curl reads ~/.curlrc instead", code: 22, stdout: "" } },
  { name: "-q skips ~/.fetchxrc", args: ["-q", "-s", "@URL/missing"], files: { ".fetchxrc": "fail\n" }, only: { why: "curl reads ~/.curlrc instead", code: 0, stdout: "not here\n" } },
  { name: "an unknown option exits 2", args: ["-s", "--no-such-option", "@URL/hello.txt"] },
  { name: "-I with -d: one method only, exit 2", args: ["-s", "-I", "-d", "x", "@URL/echo"] },
  { name: "--skip-existing", args: ["-s", "--skip-existing", "-o", "f.txt", "@URL/hello.txt"], files: { "f.txt": "mine" }, only: { why: "curl 8.10", code: 0, stdout: "" }, check: (d) => expect(readFileSync(join(d, "f.txt"), "utf8")).toBe("mine") },
];

function expand(args: string[], etag: string): string[] {
  const tokenUrl = http.replace("http://", "http://T0KEN@");
  const fileBase = `file://${sockDir.path}`;
  return args.map((a) => a.replace("@RESOLVEURL", http.replace("127.0.0.1", "resolved.test")).replace("@RESOLVEHOST", `resolved.test:${new URL(http).port}`).replace("@ONESLASH", http.replace("http://", "http:/")).replace("@URL", http).replace("@HOSTPORT", http.replace(/^http:\/\//, "")).replace("@TOKENURL", tokenUrl).replace("@SOCK", unixPath).replace("@ETAG", etag).replace("@FILEURL", fileBase).replace("@LOCALHOSTFILE", `file://localhost${sockDir.path}`));
}

const maskText = (s: string) => s.replace(/^Date: .*$/gim, "Date: *");

function setup(dir: string, files: Case["files"], etag: string): void {
  for (const [name, content] of Object.entries(files ?? {})) {
    const path = join(dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, typeof content === "string" ? content.replace("@ETAG", etag) : content);
  }
}

/** Every file of a run directory (HOME files given by the case excluded), with its content. */
function filesOf(dir: string, c: Case): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (!statSync(p).isFile()) continue;
    const bytes = readFileSync(p);
    let text = c.mask ? maskText(bytes.toString("latin1")) : Bun.hash(bytes).toString(16);
    // A cookie jar's comment header names the tool that wrote it.
    if (/^# Netscape HTTP Cookie File/.test(bytes.toString("latin1"))) text = bytes.toString("latin1").split("\n").filter((l) => l && !l.startsWith("# ")).sort().join("\n");
    out[name] = text;
  }
  return out;
}

/** The multipart parts of a body: name, filename, type and content of each. */
function parts(req: RecordedRequest): string[] {
  const boundary = /boundary=(.+)$/.exec(req.headers["content-type"] ?? "")?.[1];
  if (!boundary) return ["no boundary"];
  return Buffer.from(req.body)
    .toString("latin1")
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((p) => maskBoundaries(p.replace(/\r\n$/, "")));
}

/** A multipart's boundaries (random) masked, the nested parts' ones too. */
function maskBoundaries(text: string): string {
  for (const [, b] of text.matchAll(/boundary=([^\s;]+)/g)) text = text.split(b!).join("BOUNDARY");
  return text;
}

function wire(req: RecordedRequest, c: Case): unknown {
  const headers = Object.fromEntries((c.headers ?? []).map((h) => [h, c.multipart && req.headers[h] ? maskBoundaries(req.headers[h]) : req.headers[h]]));
  return { method: req.method, path: req.path, headers, body: c.multipart ? parts(req) : Buffer.from(req.body).toString("latin1") };
}

async function run(cmd: string[], c: Case, dir: string, etag: string) {
  setup(dir, c.files, etag);
  const before = server.requests.length;
  const env = { HOME: dir, http_proxy: "", https_proxy: "", no_proxy: "*", CURL_HOME: dir, FETCHX_PROGRESS: undefined };
  const r = cmd.length ? await runCommand([...cmd, ...expand(c.args, etag)], { cwd: dir, env, stdin: c.stdin, timeoutMs: 20_000 }) : await runCli(expand(c.args, etag), { cwd: dir, env, stdin: c.stdin, timeoutMs: 20_000 });
  for (const name of Object.keys(c.files ?? {})) if (name.startsWith(".") || name === "creds" || name === "cfg") rmQuiet(join(dir, name));
  return { ...r, requests: server.requests.slice(before) };
}

function rmQuiet(p: string) {
  try {
    Bun.spawnSync(["rm", "-f", p]);
  } catch {
    /* gone already */
  }
}

describe.skipIf(!CURL)("fetchx against curl 7.88, case by case", () => {
  let etag = "";
  beforeAll(async () => {
    const r = await runCommand(["curl", "-sI", `${http}/file.bin`]);
    etag = /^etag: (.*?)\r?$/im.exec(new TextDecoder().decode(r.stdout))?.[1] ?? "";
  });

  for (const c of CASES) {
    test(c.name, async () => {
      using curlDir = tempDir("fetchx-compat-curl-");
      using oursDir = tempDir("fetchx-compat-ours-");
      const ours = await run([], c, oursDir.path, etag);
      const out = (b: Uint8Array) => (c.mask ? maskText(Buffer.from(b).toString("latin1")) : Buffer.from(b).toString("latin1"));
      if (c.only) {
        expect(ours.code).toBe(c.only.code);
        if (c.only.stdout !== undefined) expect(out(ours.stdout)).toBe(c.only.stdout);
        c.check?.(oursDir.path);
        return;
      }
      const theirs = await run(["curl"], c, curlDir.path, etag);
      const context = `curl stderr: ${theirs.stderr}\nfetchx stderr: ${ours.stderr}`;
      expect({ code: ours.code, context: ours.code === theirs.code ? "" : context }).toEqual({ code: theirs.code, context: "" });
      expect(out(ours.stdout)).toBe(out(theirs.stdout));
      expect(filesOf(oursDir.path, c)).toEqual(filesOf(curlDir.path, c));
      expect(ours.requests.map((r) => wire(r, c))).toEqual(theirs.requests.map((r) => wire(r, c)));
      c.check?.(oursDir.path);
    });
  }
});

describe.skipIf(!CURL)("-R reads Last-Modified as curl's date reader does", () => {
  test("a zone name, an ISO date, YYYYMMDD: the file's time is curl's (Date.parse took the ISO date and refused the other two)", async () => {
    // What each file's time is: the header's date, or (curl finds no date) the download's own, about now.
    const cases = [
      ["/lm-zone", Date.UTC(2024, 0, 14, 9)],
      ["/lm-iso", "now"],
      ["/lm-compact", Date.UTC(2024, 0, 14, 10)],
    ] as const;
    for (const [path, expected] of cases) {
      using dir = tempDir("fetchx-compat-lm-");
      for (const [who, cmd] of [["fetchx", fetchxCommand()], ["curl", [CURL!]]] as const) {
        const out = join(dir.path, who);
        const r = await runCommand([...cmd, "-s", "-R", "-o", out, `${http}${path}`]);
        const mtime = statSync(out).mtimeMs;
        expect({ who, path, code: r.code, time: Math.abs(mtime - Date.now()) < 60_000 ? "now" : mtime }).toEqual({ who, path, code: 0, time: expected });
      }
    }
  });
});

describe.skipIf(!CURL)("--next groups and URL bytes, as curl", () => {
  test("-s in one --next group silences them all, as curl's global -s (group 2's error was printed)", async () => {
    const args = ["-s", "-o", "/dev/null", `${http}/hello.txt`, "--next", "--retry", "0", "http://127.0.0.1:1/"];
    const [ours, theirs] = await Promise.all([runCli(args), runCommand([CURL!, ...args])]);
    expect({ code: ours.code, stderr: ours.stderr }).toEqual({ code: theirs.code, stderr: theirs.stderr });
    expect(ours.stderr).toBe("");
  });

  test("-s: a URL glob that does not parse is exit 3 and nothing said, as curl's (fetchx said why); -sS says it, and a usage error is always said", async () => {
    for (const url of ["http://[::1", `${http}/{a,b`]) {
      const [ours, theirs] = [await runCli(["-s", url]), await runCommand([CURL!, "-s", url])];
      expect({ url, code: ours.code, stderr: ours.stderr }).toEqual({ url, code: theirs.code, stderr: theirs.stderr });
      expect(ours.code).toBe(3);
      const [oursS, theirsS] = [await runCli(["-sS", url]), await runCommand([CURL!, "-sS", url])];
      expect({ url, code: oursS.code }).toEqual({ url, code: theirsS.code });
      expect({ url, said: oursS.stderr !== "" }).toEqual({ url, said: theirsS.stderr !== "" });
    }
    const usage = await runCli(["-s", "-m", "abc", `${http}/hello.txt`]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).not.toBe("");
  });

  test("--retry 0 goes on into the groups after it (they retried 5 times, fetchx's default)", async () => {
    const flaky = await startServer({ routes: { "/busy": { body: "busy\n", status: 503 } } });
    try {
      const r = await runCli(["-s", "--retry", "0", "-o", "/dev/null", flaky.url("/busy"), "--next", "-o", "/dev/null", "-w", "%{num_retries} %{http_code}", flaky.url("/busy")]);
      expect(Buffer.from(r.stdout).toString()).toBe("0 503");
      expect(flaky.requests.length).toBe(2);
    } finally {
      flaky.stop();
    }
  });

  test("a backslash in the path is sent as it is, as curl 7.88 sends it, not turned into a slash (WHATWG asked for another resource)", async () => {
    // fetchx sent it as %5C: the same resource to most servers, not the same bytes.
    for (const cmd of CURL ? [[], [CURL]] : [[]]) {
      const before = server.requests.length;
      const args = ["-s", "-o", "/dev/null", `${http}/dir\\x`];
      const r = cmd.length ? await runCommand([...cmd, ...args]) : await runCli(args);
      expect(r.code).toBe(0);
      expect(server.requests.slice(before).map((q) => q.path)).toEqual(["/dir\\x"]);
    }
  });

  test.skipIf(!nobodyRunsFetchx())("an unreadable ~/.netrc with -n or --netrc-optional is no credentials: the transfer goes on, exit 0 as curl's (it was 26)", async () => {
    using home = tempDir("fetchx-compat-netrc-");
    chmodSync(home.path, 0o755);
    writeFileSync(join(home.path, ".netrc"), "machine 127.0.0.1 login u password p\n");
    chmodSync(join(home.path, ".netrc"), 0o000);
    for (const flag of ["-n", "--netrc-optional"]) {
      const args = ["-s", flag, "-o", "/dev/null", "-w", "%{http_code}", `${http}/hello.txt`];
      const nobody = (cmd: string[]) => runCommand(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", ...cmd], { env: { HOME: home.path } });
      const [ours, theirs] = await Promise.all([nobody([...fetchxCommand(), ...args]), nobody([CURL!, ...args])]);
      expect({ flag, code: ours.code, out: Buffer.from(ours.stdout).toString() }).toEqual({ flag, code: theirs.code, out: Buffer.from(theirs.stdout).toString() });
      expect(ours.code).toBe(0);
    }
  });

  test("-Z with -o a and -o ./a: one file named twice, refused before any request (the two raced: exit 23)", async () => {
    using d = tempDir("fetchx-compat-same-");
    const before = server.requests.length;
    const r = await runCli(["-sSZ", "-o", "a", `${http}/hello.txt`, "-o", "./a", `${http}/file.bin`], { cwd: d.path });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toEqual(["fetchx: (2) two URLs would write the same file ./a at once (-Z): name one of them with -o"]);
    expect(server.requests.length).toBe(before);
  });

  test("-Z: one file however it is named (relative, absolute, with . and .. segments, a doubled slash) is refused; two files are not", async () => {
    using d = tempDir("fetchx-compat-names-");
    mkdirSync(join(d.path, "d"));
    const cwd = realpathSync(d.path);
    for (const [one, other] of [["a", `${cwd}/a`], ["d/../a", "a"], [`${cwd}/./d/a`, "d//a"], [`${cwd}/d/a`, "./d/./a"]]) {
      const before = server.requests.length;
      const r = await runCli(["-sSZ", "-o", one!, `${http}/hello.txt`, "-o", other!, `${http}/file.bin`], { cwd });
      expect({ one, other, code: r.code }).toEqual({ one, other, code: 2 });
      expect(r.stderr).toContain(`two URLs would write the same file ${other} at once (-Z)`);
      expect(server.requests.length).toBe(before);
    }
    const r = await runCli(["-sSZ", "-o", "a", `${http}/hello.txt`, "-o", `${cwd}/d/a`, `${http}/hello.txt`], { cwd });
    expect(r.code).toBe(0);
    expect(readFileSync(join(cwd, "a"), "utf8")).toBe(readFileSync(join(cwd, "d", "a"), "utf8"));
  });
});

// Where fetchx's defaults differ from curl's (fetchx help curl): retries by default, and what turns them
// off or widens them. Asserted on the requests the server saw, not on timing.
// -T - reads standard input: from a pipe once (a 307 or 308 cannot be followed: curl's 65), from a file
// (`-T - < FILE`) as a file, which a 307 sends again, as curl rewinds it.
describe.skipIf(!CURL)("-T - (standard input) sent again when it is a file, refused when it cannot be, as curl 7.88", () => {
  const body = "uploaded from stdin\n".repeat(300);
  const withFile = async (cmd: string[], skip = 0) => {
    using d = tempDir("fetchx-compat-stdin-");
    writeFileSync(join(d.path, "up.txt"), body);
    const fd = openSync(join(d.path, "up.txt"), "r");
    try {
      if (skip > 0) readSync(fd, Buffer.alloc(skip), 0, skip, null); // stdin's offset moves on
      return await runCommand(cmd, { stdin: fd });
    } finally {
      closeSync(fd);
    }
  };
  const url = () => `${server.url("/temporary-body")}`;

  test("stdin a file: the upload follows the 307 whole, exit 0", async () => {
    const args = ["-sSL", "-T", "-", url()];
    const [ours, theirs] = [await withFile([...fetchxCommand(), ...args]), await withFile([CURL!, ...args])];
    expect(theirs.code).toBe(0);
    expect(Buffer.from(theirs.stdout).toString()).toBe(body);
    expect({ code: ours.code, out: Buffer.from(ours.stdout).toString() }).toEqual({ code: 0, out: body });
  });

  // -F's form is built again for each URL: fetchx read stdin again, and the second URL got an empty part.
  // curl 7.88 sends both (`printf x | curl -F c=@- URL URL`), though from this harness's stdin it waits
  // for ever on the second: fetchx alone here.
  test("-F NAME=@- with two URLs: both get stdin's bytes", async () => {
    const args = ["-s", "-F", "c=@-", server.url("/echo-body"), server.url("/echo-body")];
    const parts = (out: Uint8Array) => Buffer.from(out).toString().split(/-{26}[0-9a-f]+/).filter((p) => p.includes('name="c"'));
    for (const ours of [await withFile([...fetchxCommand(), ...args]), await runCli(args, { stdin: body })]) {
      expect(ours.code).toBe(0);
      expect(parts(ours.stdout)).toHaveLength(2);
      for (const p of parts(ours.stdout)) expect(p).toContain(body);
    }
  });

  test("stdin a file read partly before: the rest is the upload (curl sends the rest first, then rewinds to 0)", async () => {
    const ours = await withFile([...fetchxCommand(), "-sS", "-T", "-", server.url("/echo-body")], 100);
    expect(ours.code).toBe(0);
    expect(Buffer.from(ours.stdout).toString()).toBe(body.slice(100));
    const followed = await withFile([...fetchxCommand(), "-sSL", "-T", "-", url()], 100);
    expect(Buffer.from(followed.stdout).toString()).toBe(body.slice(100));
  });

  test("stdin a pipe: exit 65 (curl's CURLE_SEND_FAIL_REWIND), one error line", async () => {
    const args = ["-sSL", "-T", "-", url()];
    const [ours, theirs] = await Promise.all([runCli(args, { stdin: body }), runCommand([CURL!, ...args], { stdin: body })]);
    expect(theirs.code).toBe(65);
    expect(ours.code).toBe(65);
    expect(ours.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("stdin a pipe and a 302 or 301: exit 65 too (the PUT went again to the new place, empty)", async () => {
    for (const route of ["/found", "/moved"]) {
      const args = ["-sSL", "-T", "-", server.url(route)];
      const before = server.requests.length;
      const ours = await runCli(args, { stdin: body });
      const sent = server.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.body.byteLength}`);
      const theirs = await runCommand([CURL!, ...args], { stdin: body });
      expect({ route, code: theirs.code }).toEqual({ route, code: 65 });
      expect({ route, code: ours.code, sent }).toEqual({ route, code: 65, sent: [`PUT ${route} ${body.length}`] });
    }
  });

  test("-T /dev/stdin, -T /dev/null, -F NAME=@/dev/stdin from a pipe: sent as curl sends them (-T was refused, 26; -F went with Content-Length: Infinity)", async () => {
    for (const c of [["-T", "/dev/stdin", server.url("/echo-body")], ["-T", "/dev/null", server.url("/echo-body")], ["-F", "f=@/dev/stdin", server.url("/echo")]]) {
      const piped = async (cmd: string[]) => {
        const before = server.requests.length;
        const r = await runCommand(["sh", "-c", 'printf "piped body\\n" | "$@"', "sh", ...cmd, "-s", ...c]);
        const sent = server.requests.slice(before).map((q) => ({ method: q.method, path: q.path, body: c[0] === "-F" ? parts(q) : Buffer.from(q.body).toString("latin1") }));
        return { c, code: r.code, sent };
      };
      expect(await piped(fetchxCommand())).toEqual(await piped([CURL!]));
    }
  });

  test("-0 -T - from a pipe: exit 25 as curl's (HTTP/1.0 has no chunked encoding), nothing sent (it was 2)", async () => {
    const args = ["-s", "-0", "-T", "-", server.url("/echo-body")];
    const before = server.requests.length;
    const ours = await runCli(args, { stdin: body });
    expect(server.requests.length).toBe(before);
    const theirs = await runCommand([CURL!, ...args], { stdin: body });
    expect({ ours: ours.code, theirs: theirs.code }).toEqual({ ours: 25, theirs: 25 });
  });
});

describe("retries: fetchx's default, and curl's options for them", () => {
  let flaky: TestServer;
  beforeAll(async () => {
    flaky = await startServer({
      routes: {
        "/starting": { body: "ready\n", faults: [{ kind: "unavailable", retryAfter: "0", times: 1 }] },
        "/again": { body: "ready\n", faults: [{ kind: "unavailable", retryAfter: "0", times: 1 }] },
        "/gone": { status: 404, body: "no\n" },
        "/down": { status: 503, body: "down\n" },
        "/not-implemented": { status: 501, body: "no such method\n" },
        "/bad-version": { status: 505, body: "no such version\n" },
      },
    });
  });
  afterAll(() => flaky?.stop());

  /** Requests the flaky server saw for one command, its exit code and stdout. */
  const counted = async (cmd: string[], run: (args: string[]) => Promise<{ code: number | null; stdout: Uint8Array }>) => {
    const before = flaky.requests.length;
    const r = await run(cmd);
    return { requests: flaky.requests.length - before, code: r.code, stdout: new TextDecoder().decode(r.stdout) };
  };

  test.skipIf(!CURL)("--retry-max-time spent: the last 503 is the answer (its page, exit 0 without -f), after as many requests as curl's", async () => {
    const args = ["-s", "--retry", "5", "--retry-delay", "1", "--retry-max-time", "1", flaky.url("/down")];
    const ours = await counted(args, (a) => runCli(a));
    const theirs = await counted(args, (a) => runCommand(["curl", ...a]));
    expect({ requests: ours.requests, code: ours.code }).toEqual({ requests: theirs.requests, code: theirs.code });
    expect(ours.code).toBe(0);
    expect(ours.stdout).toBe("down\n"); // curl prints each try's page (here twice): fetchx the answer's
  });

  test.skipIf(!CURL)("--retry retries 408, 429, 500, 502, 503, 504 only: a 501 or 505 is answered once, as curl", async () => {
    for (const path of ["/not-implemented", "/bad-version"]) {
      const args = ["-s", "--retry", "2", "--retry-delay", "0.01", "-d", "a=1", flaky.url(path)];
      const ours = await counted(args, (a) => runCli(a));
      const theirs = await counted(["-s", "--retry", "2", "--retry-delay", "1", "-d", "a=1", flaky.url(path)], (a) => runCommand(["curl", ...a]));
      expect({ path, ours }).toEqual({ path, ours: theirs });
      expect(ours.requests).toBe(1);
    }
  });

  test("a 503 that a retry cures: success, and -sS says a retry rescued it", async () => {
    const r = await runCli(["-sS", flaky.url("/starting")]);
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("ready\n");
    expect(r.stderr).toContain("note: succeeded after 1 retry");
    expect(r.stderr).toContain("503");
  });

  test.skipIf(!CURL)("--retry 0 restores curl's behaviour: the 503 page, exit 0, one request each", async () => {
    const before = flaky.requests.length;
    const ours = await runCli(["-s", "--retry", "0", flaky.url("/again")]);
    const theirs = await runCommand(["curl", "-s", flaky.url("/again")]);
    expect(flaky.requests.length - before).toBe(2);
    expect(ours.code).toBe(theirs.code);
    expect(new TextDecoder().decode(theirs.stdout)).toBe("ready\n"); // curl's was the second request: the fault was spent
    expect(new TextDecoder().decode(ours.stdout)).toBe("service unavailable\n");
  });

  test("--retry-all-errors retries a 404 under -f; without it, one request", async () => {
    const count = async (args: string[]) => {
      const before = flaky.requests.length;
      const r = await runCli([...args, "-sf", "--retry", "2", "--retry-delay", "0.01", flaky.url("/gone")]);
      expect(r.code).toBe(22);
      return flaky.requests.length - before;
    };
    expect(await count([])).toBe(1);
    expect(await count(["--retry-all-errors"])).toBe(3);
  });

  test("--retry-connrefused retries a refused connection; without it, none", async () => {
    const retries = async (args: string[]) => {
      const r = await runCli([...args, "-s", "--retry", "2", "--retry-delay", "0.01", "-w", "%{num_retries} %{http_code}", "http://127.0.0.1:1/"]);
      expect(r.code).toBe(7);
      return new TextDecoder().decode(r.stdout);
    };
    expect(await retries([])).toBe("0 000");
    expect(await retries(["--retry-connrefused"])).toBe("2 000");
  });
});

describe("TLS versions: --tlsv1.3 and --tls-max 1.2", () => {
  let dir: TempDir;
  let tls12: TestServer;
  let caPath: string;
  beforeAll(async () => {
    dir = tempDir("fetchx-compat-tls-");
    const cert = await makeCert(dir.path);
    caPath = cert.caPath;
    tls12 = await startServer({ tls: { cert: cert.certPem, key: cert.keyPem, secureOptions: 0x20000000 /* SSL_OP_NO_TLSv1_3 */ } as never, routes: { "/": { body: "tls\n" } } });
  });
  afterAll(() => {
    tls12?.stop();
    dir?.cleanup();
  });

  test.skipIf(!CURL)("--tlsv1.3 against a TLS 1.2 server fails as curl's does (35); without it both succeed", async () => {
    for (const extra of [["--tlsv1.3"], []]) {
      const args = ["-s", "--cacert", caPath, ...extra, tls12.url("/")];
      const [ours, theirs] = [await runCli(args), await runCommand(["curl", ...args])];
      expect({ extra, code: ours.code }).toEqual({ extra, code: theirs.code });
      expect(ours.code).toBe(extra.length ? 35 : 0);
    }
  });

  test.skipIf(!CURL)("--tlsv1.3 with --tls-max 1.2: no version left, 35 over TLS as curl's; an http:// URL is unaffected", async () => {
    for (const url of [tls12.url("/"), `${http}/hello.txt`]) {
      const args = ["-s", "--retry", "0", "--cacert", caPath, "--tlsv1.3", "--tls-max", "1.2", url];
      const [ours, theirs] = [await runCli(args), await runCommand(["curl", ...args])];
      expect({ url, code: ours.code }).toEqual({ url, code: theirs.code });
      expect(ours.code).toBe(url.startsWith("https") ? 35 : 0);
    }
  });

  test("--tls-max 1.2 speaks TLS 1.2 to a server that offers 1.3", async () => {
    const cert = await makeCert(dir.path);
    const modern = await startServer({ tls: { cert: cert.certPem, key: cert.keyPem }, routes: { "/": { body: "tls\n" } } });
    try {
      const capped = await runCli(["-sv", "--cacert", cert.caPath, "--tls-max", "1.2", modern.url("/")]);
      const free = await runCli(["-sv", "--cacert", cert.caPath, modern.url("/")]);
      expect(capped.stderr).toContain("TLSv1.2");
      expect(free.stderr).toContain("TLSv1.3");
    } finally {
      modern.stop();
    }
  });
});

describe.skipIf(!CURL)("--xattr: the same attributes as curl 7.88's", () => {
  // lgetxattr(2) through libc: neither Bun nor node:fs reads extended attributes.
  const { lgetxattr } = dlopen("libc.so.6", { lgetxattr: { args: [FFIType.cstring, FFIType.cstring, FFIType.ptr, FFIType.u64], returns: FFIType.i64 } }).symbols;
  const cstr = (s: string) => Buffer.from(`${s}\0`);
  const attr = (path: string, name: string): string | null => {
    const buf = new Uint8Array(4096);
    const n = Number(lgetxattr(ptr(cstr(path)), ptr(cstr(name)), ptr(buf), buf.byteLength));
    return n < 0 ? null : new TextDecoder().decode(buf.subarray(0, n));
  };

  test("-O with credentials, a query and a fragment in the URL; through a redirect", async () => {
    for (const [path, name] of [["/hello.txt?q=1#part", "hello.txt"], ["/redirect", "redirect"]] as const) {
      const url = http.replace("http://", "http://user:secret@") + path;
      const dirs = [tempDir("fetchx-xattr-"), tempDir("fetchx-xattr-curl-")];
      try {
        const ours = await runCli(["-sSL", "--xattr", "-O", url], { cwd: dirs[0]!.path });
        const theirs = await runCommand(["curl", "-sSL", "--xattr", "-O", url], { cwd: dirs[1]!.path });
        expect([ours.code, theirs.code]).toEqual([0, 0]);
        const [a, b] = dirs.map((d) => join(d.path, name));
        expect(attr(b!, "user.xdg.origin.url")).not.toBeNull(); // TMPDIR takes user attributes (ext4, tmpfs since Linux 6.6)
        expect(attr(a!, "user.xdg.origin.url")).toBe(attr(b!, "user.xdg.origin.url"));
        expect(attr(a!, "user.xdg.origin.url")).not.toContain("secret");
        expect(attr(a!, "user.mime_type")).toBe(attr(b!, "user.mime_type"));
        expect(attr(a!, "user.creator")).toBe("fetchx"); // curl 8.x writes "curl" there; 7.88 nothing
      } finally {
        for (const d of dirs) d.cleanup();
      }
    }
  });
});

describe.skipIf(!CURL)("--pinnedpubkey and -w %{ssl_verify_result}, as curl 7.88 gives them", () => {
  let dir: TempDir;
  let server: TestServer;
  let caPath: string;
  let pin: string;
  let keyFile: string;
  beforeAll(async () => {
    dir = tempDir("fetchx-compat-pin-");
    const cert = await makeCert(dir.path);
    caPath = cert.caPath;
    server = await startServer({ tls: { cert: cert.certPem, key: cert.keyPem }, routes: { "/": { body: "pinned\n" } } });
    // The leaf's public key, as openssl writes it, and its pin: sha256 of the DER SubjectPublicKeyInfo.
    keyFile = join(dir.path, "pub.pem");
    const pub = Bun.spawnSync(["openssl", "x509", "-in", join(dir.path, "cert.pem"), "-pubkey", "-noout"]).stdout;
    writeFileSync(keyFile, pub);
    const der = Bun.spawnSync(["openssl", "pkey", "-pubin", "-outform", "der"], { stdin: pub }).stdout;
    pin = `sha256//${new Bun.CryptoHasher("sha256").update(der).digest("base64")}`;
  });
  afterAll(() => {
    server?.stop();
    dir?.cleanup();
  });

  test("the right pin, one of several, the key's PEM file: 0; a wrong one: 90, with -k too", async () => {
    const wrong = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    const cases: [string[], number][] = [
      [["--pinnedpubkey", pin], 0],
      [["--pinnedpubkey", `${wrong};${pin}`], 0],
      [["--pinnedpubkey", keyFile], 0],
      [["--pinnedpubkey", wrong], 90],
      [["-k", "--pinnedpubkey", wrong], 90],
    ];
    for (const [extra, code] of cases) {
      const args = ["-s", "--cacert", caPath, ...extra, server.url("/")];
      const [ours, theirs] = [await runCli(args), await runCommand(["curl", ...args])];
      expect({ extra, code: ours.code, out: new TextDecoder().decode(ours.stdout) }).toEqual({ extra, code: theirs.code, out: new TextDecoder().decode(theirs.stdout) });
      expect({ extra, code: ours.code }).toEqual({ extra, code });
    }
  });

  test("a mismatch is one line naming the server's pin, before any request; plain http:// ignores the option", async () => {
    const before = server.requests.length;
    const r = await runCli(["-sS", "--cacert", caPath, "--pinnedpubkey", "sha256//AAAA", server.url("/")]);
    expect(r.code).toBe(90);
    expect(r.stderr.trim().split("\n")).toEqual([`fetchx: (90) SSL: public key does not match pinned public key (the server's is ${pin})`]);
    expect(server.requests.length).toBe(before);
    const plain = await runCli(["-sS", "--pinnedpubkey", "sha256//AAAA", `${http}/hello.txt`]);
    expect(plain.code).toBe(0);
  });

  test("an unknown issuer: exit 60 with its number; -k: exit 0 with the same number; --cacert: 0", async () => {
    for (const extra of [[], ["-k"], ["--cacert", caPath]]) {
      const args = ["-s", "-o", "/dev/null", "-w", "%{ssl_verify_result} %{exitcode}", ...extra, server.url("/")];
      const [ours, theirs] = [await runCli(args), await runCommand(["curl", ...args])];
      const text = (b: Uint8Array) => new TextDecoder().decode(b);
      expect({ extra, out: text(ours.stdout), code: ours.code }).toEqual({ extra, out: text(theirs.stdout), code: theirs.code });
    }
  });
});

describe.skipIf(!CURL)("--trace, --trace-ascii, --trace-time: curl's format", () => {
  let dir: TempDir;
  beforeAll(() => {
    dir = tempDir("fetchx-compat-trace-");
  });
  afterAll(() => dir?.cleanup());

  /** A trace's entries of one kind ("=> Send header", "<= Recv data", ...): each heading and its dump lines. */
  function entries(text: string, kind: string): string[][] {
    const out: string[][] = [];
    let cur: string[] | null = null;
    for (const line of text.split("\n")) {
      if (/^(\d\d:\d\d:\d\d\.\d{6} )?(== Info|=> |<= )/.test(line)) cur = line.replace(/^\d\d:\d\d:\d\d\.\d{6} /, "").startsWith(kind) ? (out.push([line]), out.at(-1)!) : null;
      else if (cur && line !== "") cur.push(line);
    }
    return out;
  }
  /** The bytes of a --trace (hex) dump's lines. */
  const hexBytes = (lines: string[]) => Buffer.from(lines.map((l) => l.slice(6, 6 + 16 * 3).replace(/ /g, "")).join(""), "hex");
  // The User-Agent differs, and with it the head's length and the offsets after it.
  const masked = (e: string[][]) => e.map((lines) => lines.map((l) => l.replace(/(User-Agent|Date): .*/, "$1: *").replace(/^(=> Send header), .*/, "$1").replace(/^[0-9a-f]{4}: /, "")));

  test("--trace-ascii: the request head and each response header line as curl dumps them", async () => {
    const [ours, theirs] = [join(dir.path, "ours.txt"), join(dir.path, "theirs.txt")];
    const args = (f: string) => ["-s", "--trace-ascii", f, "-o", "/dev/null", `${http}/hello.txt`];
    expect((await runCli(args(ours))).code).toBe(0);
    expect((await runCommand(["curl", ...args(theirs)])).code).toBe(0);
    const [a, b] = [readFileSync(ours, "utf8"), readFileSync(theirs, "utf8")];
    expect(masked(entries(a, "=> Send header"))).toEqual(masked(entries(b, "=> Send header")));
    expect(masked(entries(a, "<= Recv header"))).toEqual(masked(entries(b, "<= Recv header")));
    expect(entries(a, "<= Recv data").flat()).toEqual(entries(b, "<= Recv data").flat());
  });

  test("--trace (hex): the body's bytes read back from the dump are the file's; -d's body is a Send data entry", async () => {
    const file = join(dir.path, "hex.txt");
    const r = await runCli(["-s", "--trace", file, "-d", "x=1&y=2", "-o", "/dev/null", `${http}/echo-body`]);
    expect(r.code).toBe(0);
    const text = readFileSync(file, "utf8");
    expect(entries(text, "=> Send data").map((e) => [e[0], hexBytes(e.slice(1)).toString()])).toEqual([["=> Send data, 7 bytes (0x7)", "x=1&y=2"]]);
    const big = join(dir.path, "big.txt");
    expect((await runCli(["-s", "--trace", big, "-o", "/dev/null", `${http}/file.bin`])).code).toBe(0);
    const body = Buffer.concat(entries(readFileSync(big, "utf8"), "<= Recv data").map((e) => hexBytes(e.slice(1))));
    expect(await sha256(body)).toBe(await sha256(FILE));
  });

  test("a trace file that cannot be opened: a warning, and the trace on stderr (curl's fallback); the download stands", async () => {
    const r = await runCli(["--trace-ascii", join(dir.path, "no", "such", "dir"), "-o", "/dev/null", `${http}/hello.txt`]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("cannot open the trace file");
    expect(r.stderr).toContain("<= Recv header, 17 bytes (0x11)");
  });

  test("--trace % writes to stderr, the body still to stdout; --trace-time stamps each entry, as curl's", async () => {
    const r = await runCli(["-s", "--trace-ascii", "%", "--trace-time", `${http}/hello.txt`]);
    expect(new TextDecoder().decode(r.stdout)).toBe("hello\n");
    const c = await runCommand(["curl", "-s", "--trace-ascii", "%", "--trace-time", `${http}/hello.txt`]);
    for (const text of [r.stderr, c.stderr]) {
      const headings = text.split("\n").filter((l) => /(== Info|=> |<= )/.test(l));
      expect(headings.length).toBeGreaterThan(3);
      for (const h of headings) expect(h).toMatch(/^\d\d:\d\d:\d\d\.\d{6} (== Info|=> |<= )/);
    }
  });
});

describe.skipIf(!CURL)("--hsts FILE: the cache curl 7.88 keeps, and the upgrades it makes", () => {
  let dir: TempDir;
  let server: TestServer;
  let caPath: string;
  beforeAll(async () => {
    dir = tempDir("fetchx-compat-hsts-");
    const cert = await makeCert(dir.path);
    caPath = cert.caPath;
    server = await startServer({
      tls: { cert: cert.certPem, key: cert.keyPem },
      routes: {
        "/sts": { body: "secure\n", headers: { "Strict-Transport-Security": "max-age=31536000; includeSubDomains" } },
        "/forget": { body: "forget\n", headers: { "Strict-Transport-Security": "max-age=0" } },
        "/x": { body: "x\n" },
      },
    });
  });
  afterAll(() => {
    server?.stop();
    dir?.cleanup();
  });

  /** The cache file's entries, each expiry as seconds from now rounded to the minute (runs differ by a second or two). */
  const entries = (path: string) =>
    readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.replace(/"(\d{4})(\d\d)(\d\d) (\d\d:\d\d:\d\d)"/, (_, y, m, d, t) => `+${Math.round((Date.parse(`${y}-${m}-${d}T${t}Z`) - Date.now()) / 60_000)}min`));

  test("an https answer's Strict-Transport-Security is kept (a leading dot: includeSubDomains); an IP address never", async () => {
    for (const [name, url] of [["name", `https://localhost:${server.port}/sts`], ["ip", `https://127.0.0.1:${server.port}/sts`]] as const) {
      const [ours, theirs] = [join(dir.path, `${name}-ours.txt`), join(dir.path, `${name}-theirs.txt`)];
      expect((await runCli(["-s", "--cacert", caPath, "--hsts", ours, url])).code).toBe(0);
      expect((await runCommand(["curl", "-s", "--cacert", caPath, "--hsts", theirs, url])).code).toBe(0);
      expect({ name, e: entries(ours) }).toEqual({ name, e: entries(theirs) });
    }
    expect(entries(join(dir.path, "name-ours.txt"))).toEqual([".localhost +525600min"]);
  });

  test("http:// to a host in the cache goes over https (the port kept); an expired entry does not, and leaves the file", async () => {
    for (const [line, upgraded] of [['localhost "20991231 00:00:00"', true], ['localhost "20200101 00:00:00"', false]] as const) {
      const results = [];
      for (const cmd of [[], ["curl"]]) {
        const file = join(dir.path, `cache-${upgraded}-${cmd.length}.txt`);
        writeFileSync(file, `${line}\n`);
        // --retry 0: plain http to the TLS port has an empty reply, which fetchx would retry by default.
        const args = ["-s", "--retry", "0", "--cacert", caPath, "--hsts", file, "-w", "|%{url_effective}", `http://localhost:${server.port}/x`];
        const r = cmd.length ? await runCommand([...cmd, ...args]) : await runCli(args);
        results.push({ code: r.code, out: new TextDecoder().decode(r.stdout).split("|").at(-1), entries: entries(file) });
      }
      expect(results[0]).toEqual(results[1]!);
      if (upgraded) expect(results[0]).toMatchObject({ code: 0, out: `https://localhost:${server.port}/x` });
      else expect(results[0]!.entries).toEqual([]);
    }
  });

  test("max-age=0 forgets the host (curl 7.88 alike)", async () => {
    const results = [];
    for (const cmd of [[], ["curl"]]) {
      const file = join(dir.path, `forget-${cmd.length}.txt`);
      writeFileSync(file, 'localhost "20991231 00:00:00"\nexample.com "unlimited"\n');
      const args = ["-s", "--cacert", caPath, "--hsts", file, `https://localhost:${server.port}/forget`];
      expect((cmd.length ? await runCommand([...cmd, ...args]) : await runCli(args)).code).toBe(0);
      results.push(entries(file));
    }
    expect(results[0]).toEqual(results[1]!);
    expect(results[0]).toEqual(['example.com "unlimited"']);
  });
});

// A host name with a character curl 7.88 refuses (lib/urlapi.c, hostname_check, after percent-decoding)
// is exit 3; any other it hands to the resolver. fetchx followed its URL parser instead: 6 for a"b, a+b and
// the like, 3 for a|b and for numbers no IPv4 address is made of, and 1.2.3.4. was 1.2.3.4 (a name to curl). Run where there is no network but
// loopback, so a name curl resolves fails at once and no query leaves the machine.
describe.skipIf(!CURL || netnsUnavailable !== null)("odd host names: exit 3 or 6 as curl 7.88", () => {
  test("each host of the table", async () => {
    using ns = createNetns("fxhost");
    const hosts = ['a"b', "a`b", "a'b", "a\\b", "a+b", "a{b", "a=b", "a%22b", "a%2fb", "a%00b", "a|b", "a%7cb", "a~b", "a%b", "1.2.3.4.5", "999.1.1.1", "1.2.3.256", "1.2.3.09", "4294967296", "1.2.3.4.", "a|b:99999"];
    const codes = async (run: (args: string[]) => Promise<{ code: number | null }>) => {
      const out: Record<string, number | null> = {};
      for (const host of hosts) out[host] = (await run(["-s", "--retry", "0", "--noproxy", "*", `http://${host}/`])).code;
      return out;
    };
    const ours = await codes((args) => runCli(args, { netns: ns.name }));
    expect(Object.values(ours)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 3]);
    expect(await codes((args) => runCommand([CURL!, ...args], { netns: ns.name }))).toEqual(ours);
  });
});
