// -w / --write-out against Debian's curl 7.88, on the same command lines and the same local server: times
// with six decimals (in %{json} too, as numbers), a -w @FILE format without the file's line breaks, null
// in %{json} for what curl has not got, %header{name} of a repeated header, and %{method} after a redirect
// that changed the method. Times differ between runs: their format is checked, then they are masked.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { runCli, runCommand, tempDir, type TempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";

const CURL = Bun.which("curl");
const enc = new TextEncoder();
const TIME = /^\d+\.\d{6}$/;
const TIMES = ["time_namelookup", "time_connect", "time_appconnect", "time_pretransfer", "time_redirect", "time_starttransfer", "time_total"];

let server: TestServer;
let dir: TempDir;

beforeAll(async () => {
  dir = tempDir("fetchx-writeout-");
  server = await startServer({
    routes: {
      "/hello.txt": { body: "hello\n", contentType: "text/plain" },
      "/redirect": { redirect: { to: "/hello.txt", status: 302 } },
      "/see-other": { redirect: { to: "/echo", status: 303 } },
      "/found": { redirect: { to: "/echo", status: 302 } },
      "/temporary": { redirect: { to: "/echo", status: 307 } },
      "/echo": ({ req }) => ({ body: enc.encode(`${req.method} ${req.path}\n`), contentType: "text/plain" }),
      // Written as it goes out: X-Dup and Set-Cookie twice each, no Content-Type.
      "/repeated": { raw: "HTTP/1.1 200 OK\r\nX-Dup: a\r\nContent-Length: 3\r\nx-dup: b\r\nSet-Cookie: c=1\r\nSet-Cookie: d=2\r\n\r\nhi\n" },
      "/adjacent": { raw: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nSet-Cookie: c=1\r\nSet-Cookie: d=2\r\nContent-Length: 3\r\n\r\nhi\n" },
      "/http10": { raw: "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nhi\n" },
      // Heads that stop inside a line and never go on (the connection stays open, silent).
      "/cut-head": { raw: "HTTP/1.1 404 Not Found\r\nX-One: 1\r\nX-Tw" },
      "/cut-after-100": { raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nX-One: 1\r\n more\r\n" },
    },
  });
});

afterAll(() => {
  server?.stop();
  dir?.cleanup();
});

/** The same arguments ("@URL" is the server) run by curl and by fetchx: their stdout, as text. */
async function both(args: string[], stdin?: string): Promise<{ curl: string; ours: string }> {
  const argv = args.map((a) => a.replace("@URL", server.url("")));
  const opts = { cwd: dir.path, env: { HOME: dir.path, CURL_HOME: dir.path, http_proxy: "", no_proxy: "*" }, stdin, timeoutMs: 20_000 };
  const [curl, ours] = [await runCommand(["curl", ...argv], opts), await runCli(argv, opts)];
  expect(ours.code).toBe(curl.code!);
  return { curl: new TextDecoder().decode(curl.stdout), ours: new TextDecoder().decode(ours.stdout) };
}

/** Every time of a %{json} object as printed (the number's text), by name. */
function jsonTimes(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/"(time_[a-z]+)":([^,}]*)/g)].map((m) => [m[1]!, m[2]!]));
}

describe.skipIf(!CURL)("-w against curl 7.88", () => {
  test("time variables have six decimals, 0.000000 included", async () => {
    const format = TIMES.map((t) => `%{${t}}`).join(" ");
    for (const args of [["-s", "-o", "/dev/null", "-w", format, "@URL/hello.txt"], ["-sL", "-o", "/dev/null", "-w", format, "@URL/redirect"]]) {
      const { curl, ours } = await both(args);
      for (const out of [curl, ours]) for (const t of out.split(" ")) expect({ args, t }).toEqual({ args, t: expect.stringMatching(TIME) });
      // No TLS: curl's time_appconnect is 0.000000, and so is ours.
      expect(ours.split(" ")[2]).toBe("0.000000");
      expect(curl.split(" ")[2]).toBe("0.000000");
    }
  });

  test("%{json}: the times are numbers with six decimals", async () => {
    const { curl, ours } = await both(["-s", "-o", "/dev/null", "-w", "%{json}", "@URL/hello.txt"]);
    const [theirs, mine] = [jsonTimes(curl), jsonTimes(ours)];
    expect(Object.keys(mine).sort()).toEqual(Object.keys(theirs).sort());
    for (const [name, text] of [...Object.entries(theirs), ...Object.entries(mine)]) expect({ name, text }).toEqual({ name, text: expect.stringMatching(TIME) });
    expect(mine.time_appconnect).toBe("0.000000");
    expect(typeof JSON.parse(ours).time_total).toBe("number");
  });

  test("%{json}: what curl has not got is null (errormsg, redirect_url, referer, content_type, filename_effective)", async () => {
    const keys = ["content_type", "errormsg", "filename_effective", "redirect_url", "referer", "http_code", "method", "num_redirects", "exitcode"];
    const pick = (text: string) => Object.fromEntries(keys.map((k) => [k, JSON.parse(text)[k]]));
    const cases = [
      ["-s", "-w", "%{json}", "@URL/hello.txt"], // to stdout: no file name
      ["-s", "-o", "/dev/null", "-w", "%{json}", "@URL/redirect"], // a redirect not followed
      ["-sL", "-o", "/dev/null", "-e", "http://from.example/page", "-w", "%{json}", "@URL/redirect"],
      ["-s", "-o", "/dev/null", "-w", "%{json}", "@URL/repeated"], // no Content-Type
    ];
    for (const args of cases) {
      const { curl, ours } = await both(args);
      const json = (out: string) => out.slice(out.indexOf("{"));
      expect({ args, vars: pick(json(ours)) }).toEqual({ args, vars: pick(json(curl)) });
    }
    const plain = await both(["-s", "-o", "/dev/null", "-w", "[%{errormsg}][%{redirect_url}][%{referer}][%{content_type}]", "@URL/repeated"]);
    expect(plain.ours).toBe(plain.curl);
    expect(plain.ours).toBe("[][][][]");
  });

  test("%{json}: curl 7.88's keys in its order, then fetchx's own (fetchx had its own order, 8.x's url.* and conn_id, no curl_version)", async () => {
    // certs and num_certs (new in 7.88) are curl's alone: Bun gives fetchx no peer chain, and curl's certs
    // is OpenSSL's text of each certificate. curl 8.x adds its later variables (conn_id, url.*, num_retries).
    const keys = (out: string) => Object.keys(JSON.parse(out)).filter((k) => k !== "certs" && k !== "num_certs");
    const OURS = ["num_retries", "mptcp", "mptcp_subflows", "connections"];
    for (const url of ["@URL/hello.txt", "@URL/redirect", "http://127.0.0.1:1/"]) {
      const { curl, ours } = await both(["-sL", "--retry", "0", "-o", "/dev/null", "-w", "%{json}", url]);
      expect({ url, keys: keys(ours) }).toEqual({ url, keys: [...keys(curl), ...OURS] });
      expect(keys(curl).at(-1)).toBe("curl_version");
      expect(JSON.parse(ours).ftp_entry_path).toBeNull();
    }
  });

  test("%{size_request} counts a -d body under 64 KiB, sent with the head; not a form's, an upload's or a larger one (fetchx counted no body)", async () => {
    writeFileSync(dir.file("up.txt"), "abc\n");
    writeFileSync(dir.file("64k.txt"), "a".repeat(64 * 1024 - 1));
    // curl 7.88 sends "Expect: 100-continue" with every -T upload (fetchx never does): -H Expect: leaves it out.
    const cases = [
      ["-d", "x", "@URL/echo"],
      ["-d", "abcdefgh", "@URL/echo"],
      ["--data-binary", "@up.txt", "@URL/echo"],
      ["--json", "{}", "@URL/echo"],
      ["--data-binary", "@64k.txt", "@URL/echo"],
      ["--data-binary", "@64k.txt", "-d", "b", "@URL/echo"],
      ["-F", "a=b", "@URL/echo"],
      ["-H", "Expect:", "-T", "up.txt", "@URL/echo"],
      ["-L", "-d", "x", "@URL/found"],
      ["-L", "-d", "x", "@URL/temporary"],
      ["-L", "-F", "a=b", "@URL/temporary"],
      ["-L", "-H", "Expect:", "-T", "up.txt", "@URL/temporary"],
    ];
    const sizes: number[] = [];
    for (const args of cases) {
      const { curl, ours } = await both(["-s", "-A", "x", "-o", "/dev/null", "-w", "%{size_request} %{size_upload}", ...args]);
      expect({ args, ours }).toEqual({ args, ours: curl });
      sizes.push(Number(ours.split(" ")[0]));
    }
    // The body's bytes are in it: seven more for -d abcdefgh than for -d x; 64 KiB - 1 are, 64 KiB + 1 not.
    expect(sizes[1]! - sizes[0]!).toBe(7);
    expect(sizes[4]).toBeGreaterThan(64 * 1024);
    expect(sizes[5]).toBeLessThan(200);
  });

  test("-m inside a response head: the status and the complete lines count (%{http_code}, %header{}, -i, -D); fetchx had 000 and showed nothing", async () => {
    const format = "[%{http_code} %{http_version} %{size_header} %{num_headers} %header{x-one}]";
    const shown: string[] = [];
    for (const path of ["/cut-head", "/cut-after-100"]) {
      const { curl, ours } = await both(["-s", "-m", "0.2", "-i", "-w", format, `@URL${path}`]);
      expect({ path, ours }).toEqual({ path, ours: curl });
      const dumped = await both(["-s", "-m", "0.2", "-D", "-", "-o", "/dev/null", `@URL${path}`]);
      expect({ path, ours: dumped.ours }).toEqual({ path, ours: dumped.curl });
      shown.push(ours);
    }
    expect(shown).toEqual([
      "HTTP/1.1 404 Not Found\r\nX-One: 1\r\n[404 1.1 34 1 1]",
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nX-One: 1\r\n more\r\n[201 1.1 64 1 1 more]",
    ]);
  });

  test("-w @FILE and -w @-: the file's CR and LF print nothing, nor the rest of a line after a CR", async () => {
    const files: Record<string, string> = {
      "escape-then-newline": "%{http_code}\\n\n",
      "two-lines": "a %{http_code}\nb\\tc\n",
      "crlf-and-blank-lines": "a\r\n\\n\r\nb\n\n\n",
      "a CR mid-line": "x\r\ry\nz\\n",
      "no final newline": "%{http_code}",
      "a long line read 255 bytes at a time": `${"A".repeat(5)}\r${"B".repeat(300)}\r${"C".repeat(300)}\n%{http_code}\n`,
      "a NUL ends the line": "a\0b\nc\n",
    };
    for (const [name, text] of Object.entries(files)) {
      const path = dir.file("format.txt");
      writeFileSync(path, text);
      const fromFile = await both(["-s", "-o", "/dev/null", "-w", `@${path}`, "@URL/hello.txt"]);
      expect({ name, out: fromFile.ours }).toEqual({ name, out: fromFile.curl });
      const fromStdin = await both(["-s", "-o", "/dev/null", "-w", "@-", "@URL/hello.txt"], text);
      expect({ name, out: fromStdin.ours }).toEqual({ name, out: fromStdin.curl });
    }
    const { ours } = await both(["-s", "-o", "/dev/null", "-w", `@${dir.file("format.txt")}`, "@URL/hello.txt"]);
    expect(ours).toBe("ac");
  });

  test("%header{name} of a header sent twice is its first value", async () => {
    const { curl, ours } = await both(["-s", "-o", "/dev/null", "-w", "[%header{x-dup}][%header{X-DUP}][%header{set-cookie}][%header{nope}]", "@URL/repeated"]);
    expect(ours).toBe(curl);
    expect(ours).toBe("[a][a][c=1][]");
  });

  test("%{method} is the last request's: GET after a POST redirected by 303 or 302", async () => {
    const cases = [
      ["-sL", "-d", "x", "@URL/see-other"],
      ["-sL", "-d", "x", "@URL/found"],
      ["-sL", "--post303", "-d", "x", "@URL/see-other"],
      ["-sL", "-X", "PUT", "-d", "x", "@URL/see-other"],
      ["-sIL", "@URL/see-other"],
      ["-s", "-d", "x", "@URL/see-other"],
    ];
    const methods: string[] = [];
    for (const args of cases) {
      const { curl, ours } = await both(["-o", "/dev/null", "-w", "%{method} %{num_redirects}", ...args]);
      expect({ args, ours }).toEqual({ args, ours: curl });
      methods.push(ours);
    }
    expect(methods).toEqual(["GET 1", "GET 1", "POST 1", "PUT 1", "HEAD 1", "POST 0"]);
  });

  test("a doubled backslash, \\ or % before another letter print as they are; %header{} is nothing (fetchx read \\\\ as one \\)", async () => {
    const format = String.raw`[\\][\\n][\x][%\n][%x][%%][%header{}][%{http_code]`;
    const { curl, ours } = await both(["-s", "-o", "/dev/null", "-w", format, "@URL/hello.txt"]);
    expect(ours).toBe(curl);
    expect(ours).toBe(String.raw`[\\][\\n][\x][%\n][%x][%][][%{http_code]`);
  });

  test("%{http_version}: 1 for an HTTP/1.0 answer, 0 when nothing answered (fetchx: 1.0 and nothing)", async () => {
    const answered = await both(["-s", "-o", "/dev/null", "-w", "%{http_version}", "@URL/http10"]);
    expect(answered.ours).toBe(answered.curl);
    expect(answered.ours).toBe("1");
    const refused = await both(["-s", "--retry", "0", "-w", "%{http_version}", "http://127.0.0.1:1/"]);
    expect(refused.ours).toBe(refused.curl);
    expect(refused.ours).toBe("0");
  });

  test("%{header_json}: one header name a line, as curl prints it (fetchx printed one line)", async () => {
    // Not /repeated: curl 7.88 drops the header that follows a repeated one's first line when others come between.
    const { curl, ours } = await both(["-s", "-o", "/dev/null", "-w", "%{header_json}", "@URL/adjacent"]);
    expect(ours).toBe(curl);
    expect(ours).toBe('{"content-type":["text/plain"],\n"set-cookie":["c=1","d=2"],\n"content-length":["3"]\n}');
    expect(JSON.parse(ours)["set-cookie"]).toEqual(["c=1", "d=2"]);
  });
});
