// The CLI end to end against real servers on loopback: bytes (sha256), names, write-out, headers sent.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fetchxCommand, randomBytes, runCli, runCommand, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";

const data = randomBytes(3 * 1024 * 1024 + 17, 7);
let server: TestServer;
let other: TestServer;
const tmp = tempDir("fetchx-cli-");

beforeAll(async () => {
  other = await startServer({ routes: { "/landing": { body: "elsewhere\n" } } });
  server = await startServer({
    routes: {
      "/data.bin": { body: data },
      "/chunked": { body: data, framing: "chunked" },
      "/close": { body: data, framing: "close" },
      "/named": { body: "hello\n", headers: { "Content-Disposition": `attachment; filename="../../evil/.hidden name.txt"` } },
      "/same/1": { body: data.subarray(0, 100_000), headers: { "Content-Disposition": 'attachment; filename="same.bin"' } },
      "/same/2": { body: data.subarray(100_000, 200_000), headers: { "Content-Disposition": 'attachment; filename="same.bin"' } },
      "/same/3": { body: data.subarray(200_000, 300_000), headers: { "Content-Disposition": 'attachment; filename="same.bin"' } },
      "/utf": { body: "x", headers: { "Content-Disposition": "attachment; filename*=UTF-8''na%C3%AFve.txt" } },
      "/gz": { body: data, encoding: "gzip" },
      "/br": { body: data, encoding: "br" },
      "/zstd": { body: data, encoding: "zstd" },
      "/go": { redirect: { to: "/data.bin" } },
      "/away": () => ({ redirect: { to: other.url("/landing") } }),
      "/dir/": { body: "index" },
    },
  });
});
afterAll(() => {
  server.stop();
  other.stop();
  tmp.cleanup();
});

describe("fetchx downloads", () => {
  test("to a file: same bytes, final name only, JSON summary", async () => {
    const out = join(tmp.path, "a.bin");
    const r = await runCli([server.url("/data.bin"), "-o", out, "-s", "-w", "%{json}"]);
    expect(r.code).toBe(0);
    expect(await sha256(readFileSync(out))).toBe(await sha256(data));
    expect(existsSync(out + ".part")).toBe(false);
    const j = JSON.parse(new TextDecoder().decode(r.stdout));
    expect(j).toMatchObject({ http_code: 200, size_download: data.length, num_connects: 1, num_redirects: 0, exitcode: 0, mptcp: "off", mptcp_subflows: 0, filename_effective: out });
    for (const k of ["url_effective", "speed_download", "time_total", "num_retries", "errormsg"]) expect(j).toHaveProperty(k);
  });

  test.each(["/data.bin", "/chunked", "/close"])("to stdout, binary-safe (%s)", async (path) => {
    const r = await runCli([server.url(path), "-s"]);
    expect(r.code).toBe(0);
    expect(await sha256(r.stdout)).toBe(await sha256(data));
  });

  test.each(["/gz", "/br", "/zstd"])("--compressed decodes %s", async (path) => {
    const r = await runCli([server.url(path), "-s", "--compressed"]);
    expect(r.code).toBe(0);
    expect(await sha256(r.stdout)).toBe(await sha256(data));
    const sent = server.requests.findLast((q) => q.path === path)!;
    expect(sent.headers["accept-encoding"]).toContain("gzip");
  });

  test("-O names the file after the URL, inside --output-dir with --create-dirs", async () => {
    const dir = join(tmp.path, "deep/er");
    const r = await runCli([server.url("/data.bin"), "-O", "--output-dir", dir, "--create-dirs", "-s"]);
    expect(r.code).toBe(0);
    expect(await sha256(readFileSync(join(dir, "data.bin")))).toBe(await sha256(data));
  });

  test("-O on a URL without a file name is an error, not index.html", async () => {
    const r = await runCli([server.url("/dir/"), "-O", "--output-dir", tmp.path, "-S", "-s"]);
    expect(r.code).toBe(23);
    expect(r.stderr).toContain("no file name");
  });

  test("-J takes Content-Disposition, sanitised (no traversal, not hidden)", async () => {
    const dir = join(tmp.path, "j");
    const r = await runCli([server.url("/named"), "-O", "-J", "--output-dir", dir, "--create-dirs", "-s"]);
    expect(r.code).toBe(0);
    const names = readdirSync(dir);
    expect(names.length).toBe(1);
    expect(names[0]).not.toContain("/");
    expect(names[0]!.startsWith(".")).toBe(false);
    expect(readFileSync(join(dir, names[0]!), "utf8")).toBe("hello\n");
    expect(existsSync(join(tmp.path, "evil"))).toBe(false);
  });

  // curl 7.88 refuses the second answer's file (exit 23, "Failed writing header") and keeps the first's.
  test("-J with several answers naming one file: the first's bytes stay, the others are refused with 23, nothing else is left (the second replaced the first and a journal stayed)", async () => {
    for (const parallel of [[], ["-Z"]]) {
      const dir = join(tmp.path, `same${parallel.length}`);
      mkdirSync(dir);
      const r = await runCli(["-sS", ...parallel, "-J", "--remote-name-all", server.url("/same/1"), server.url("/same/2"), server.url("/same/3")], { cwd: dir });
      expect({ parallel, code: r.code }).toEqual({ parallel, code: 23 });
      expect(readdirSync(dir)).toEqual(["same.bin"]);
      const kept = readFileSync(join(dir, "same.bin"));
      // Sequential: the first's; in parallel, whichever answer came first, whole.
      const whole = [0, 1, 2].map((i) => Buffer.from(data.subarray(i * 100_000, (i + 1) * 100_000)));
      expect(parallel.length ? whole.some((w) => w.equals(kept)) : whole[0]!.equals(kept)).toBe(true);
      for (const line of r.stderr.trim().split("\n")) expect(line).toMatch(/refusing to overwrite same\.bin/);
    }
  });

  test("-J decodes RFC 5987 filename*", async () => {
    const dir = join(tmp.path, "u");
    const r = await runCli([server.url("/utf"), "-OJ", "--output-dir", dir, "--create-dirs", "-s"]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toEqual(["naïve.txt"]);
  });

  test("-L follows a redirect on the same keep-alive connection", async () => {
    const r = await runCli([server.url("/go"), "-L", "-s", "-o", "/dev/null", "-w", "%{json}"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(new TextDecoder().decode(r.stdout));
    expect(j).toMatchObject({ http_code: 200, num_redirects: 1, num_connects: 1, size_download: data.length });
    expect(j.url_effective).toBe(server.url("/data.bin"));
  });

  test("without -L a redirect is the answer, with redirect_url", async () => {
    const r = await runCli([server.url("/go"), "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}"]);
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe(`302 ${server.url("/data.bin")}`);
  });

  test("credentials are not sent to another host after a redirect", async () => {
    const r = await runCli([server.url("/away"), "-L", "-s", "-u", "alice:secret", "-H", "X-Mine: 1"]);
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("elsewhere\n");
    expect(server.requests.findLast((q) => q.path === "/away")!.headers.authorization).toBe(`Basic ${btoa("alice:secret")}`);
    const there = other.requests.at(-1)!;
    expect(there.headers.authorization).toBeUndefined();
    expect(there.headers["x-mine"]).toBe("1");
  });

  test("--location-trusted: -u, -H Authorization and Cookie, and -b reach the redirect's other host too, as curl (fetchx refused it, exit 2)", async () => {
    const seen = async (cmd: readonly string[], args: string[]) => {
      const r = await runCommand([...cmd, "-s", "-u", "alice:secret", ...args, "--location-trusted", server.url("/away")]);
      const q = other.requests.at(-1)!;
      return { code: r.code, body: new TextDecoder().decode(r.stdout), authorization: q.headers.authorization, cookie: q.headers.cookie };
    };
    for (const [args, cookie] of [[["-H", "Cookie: c=1", "-b", "b=2"], "c=1"], [["-b", "b=2"], "b=2"]] as const) {
      const ours = await seen(fetchxCommand(), [...args]);
      expect(ours).toEqual({ code: 0, body: "elsewhere\n", authorization: `Basic ${btoa("alice:secret")}`, cookie });
      expect(await seen(["curl"], [...args])).toEqual(ours);
    }
  });

  test("-H, -A, -e are sent; 'Name:' removes a default header", async () => {
    const r = await runCli([server.url("/dir/"), "-s", "-A", "agent/1", "-e", "http://ref/", "-H", "X-A: b", "-H", "Accept:"]);
    expect(r.code).toBe(0);
    const q = server.requests.at(-1)!;
    expect(q.headers["user-agent"]).toBe("agent/1");
    expect(q.headers.referer).toBe("http://ref/");
    expect(q.headers["x-a"]).toBe("b");
    expect(q.headers.accept).toBeUndefined();
  });

  test("-I prints the response head and no body; -i includes it before the body", async () => {
    const head = await runCli([server.url("/data.bin"), "-I", "-s"]);
    expect(head.code).toBe(0);
    const text = new TextDecoder().decode(head.stdout);
    expect(text).toStartWith("HTTP/1.1 200");
    expect(text.toLowerCase()).toContain(`content-length: ${data.length}`);
    expect(server.requests.at(-1)!.method).toBe("HEAD");
    const inc = await runCli([server.url("/named"), "-i", "-s"]);
    expect(new TextDecoder().decode(inc.stdout)).toMatch(/^HTTP\/1\.1 200 [^]*\r\n\r\nhello\n$/);
  });

  test("special files are written directly (a FIFO)", async () => {
    const fifo = join(tmp.path, "pipe");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const reader = Bun.file(fifo).bytes();
    const r = await runCli([server.url("/data.bin"), "-o", fifo, "-s"]);
    expect(r.code).toBe(0);
    expect(await sha256(await reader)).toBe(await sha256(data));
    expect(existsSync(fifo + ".part")).toBe(false);
  });

  test("a closed downstream pipe ends fetchx quietly", async () => {
    const big = server.url("/data.bin");
    const fetchx = fetchxCommand().map((a) => `'${a}'`).join(" ");
    const cmd = `${fetchx} ${big} | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`;
    // Async spawn: the server lives in this process and must keep serving.
    const r = await runCommand(["bash", "-c", cmd]);
    expect(r.stderr).toBe("");
    expect(new TextDecoder().decode(r.stdout).trim()).toBe("23");
  });

  test("FETCHX_MPTCP=1 turns MPTCP on; --no-mptcp turns it off again", async () => {
    const on = await runCli([server.url("/dir/"), "-s", "-w", "%{mptcp}"], { env: { FETCHX_MPTCP: "1" } });
    expect(new TextDecoder().decode(on.stdout)).toEndWith("fallback");
    const off = await runCli([server.url("/dir/"), "-s", "--no-mptcp", "-w", "%{mptcp}"], { env: { FETCHX_MPTCP: "1" } });
    expect(new TextDecoder().decode(off.stdout)).toEndWith("off");
  });
});
