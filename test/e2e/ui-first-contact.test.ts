// First contact, as a curl, wget or aria2 user meets fetchx in a real terminal (tmux panes of a fixed
// size, screens read back as text): binary refused on a terminal, an error page visibly an error, help
// wrapped to the terminal, one line per failure, narrow and degraded terminals, and a plain periodic
// progress line without a terminal.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { randomBytes, runCli, tempDir, waitFor } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { fetchxShell, tmuxOn } from "../servers/tmux.ts";

const big = randomBytes(1536 * 1024, 41);
const tmp = tempDir("fetchx-first-");
const socket = `fetchx-first-${process.pid}`;
let server: TestServer;
/** A loopback port nothing listens on (a listener was opened there and closed). */
let closedPort: number;

const tmux = tmuxOn(socket);
const fx = fetchxShell;

beforeAll(async () => {
  server = await startServer({
    routes: {
      "/nul.txt": { body: new TextEncoder().encode("text with a NUL\0 inside\n") },
      "/text.txt": { body: new TextEncoder().encode("plain text\n") },
      "/missing.html": { status: 404, body: new TextEncoder().encode("<h1>Not Found</h1>\n") },
      "/slow.bin": { body: big, rateBytesPerSec: 256 * 1024 },
      "/big.bin": { body: big },
      "/plain.bin": { body: big, rateBytesPerSec: 400 * 1024 },
    },
  });
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  closedPort = probe.port;
  probe.stop(true);
});
afterAll(() => {
  tmux("kill-server");
  server.stop();
  tmp.cleanup();
});

/** Runs shell `script` in a detached WxH pane (cwd: the temp dir); the pane stays for reading. */
function terminal(name: string, script: string, width = 100, height = 30, env = "NO_COLOR=1 LANG=C.UTF-8 LC_ALL="): void {
  const r = tmux("new-session", "-d", "-s", name, "-x", String(width), "-y", String(height), "-c", tmp.path, `export ${env}; ${script}; echo DONE; sleep 120`);
  if (r.code !== 0) throw new Error(`tmux: ${r.err}`);
}
/**
 * The pane's text without the trailing empty rows; with `history`, the lines scrolled off too. (tmux
 * moves the screen into the history when it is erased from its top-left corner, as a live progress line
 * on the first row is: so only output that never erases is read with its history.)
 */
const screen = (name: string, history = false) =>
  tmux("capture-pane", "-p", ...(history ? ["-S", "-"] : []), "-t", name).out.replace(/\n+$/, "");
const finished = (name: string, ms = 20_000) => waitFor(() => /^DONE$/m.test(screen(name)), ms, `${name} to finish`);
/** Every screen line matched, in order, by one pattern (a string must be equal). */
function expectLines(text: string, patterns: (string | RegExp)[]): void {
  const lines = text.split("\n");
  if (lines.length !== patterns.length) expect(text).toBe(`${patterns.length} lines`); // shows the screen
  expect(lines).toHaveLength(patterns.length);
  lines.forEach((l, i) => (typeof patterns[i] === "string" ? expect(l).toBe(patterns[i] as string) : expect(l).toMatch(patterns[i] as RegExp)));
}

describe("in a terminal", () => {
  test("binary guard: a body with a NUL is refused (exit 23, as curl); -o - forces it; -s says nothing; text passes", async () => {
    const url = server.url("/nul.txt");
    terminal("bin", `${fx(url)}; echo EXIT=$?; ${fx("-s", url)}; echo EXIT=$?; ${fx("-o", "-", url)}; echo EXIT=$?; ${fx(server.url("/text.txt"))}; echo EXIT=$?`);
    await finished("bin");
    expectLines(screen("bin"), [
      "fetchx: (23) binary output can mess up your terminal; use -o FILE or -O to save it (-o - forces it)",
      "EXIT=23",
      "EXIT=23",
      "text with a NUL inside",
      "EXIT=0",
      "plain text",
      "EXIT=0",
      "DONE",
    ]);
  });

  test("an error page saved without -f: its status on the final line (exit 0, as curl); -Z counts it apart", async () => {
    const missing = server.url("/missing.html");
    const refused = `http://127.0.0.1:${closedPort}/refused.bin`;
    // 120 columns: the refused connection's one line is long.
    terminal("http", `${fx(missing, "-o", "page.html")}; echo EXIT=$?; ${fx("-Z", "--parallel-max", "1", "-O", server.url("/text.txt"), missing, refused)}; echo EXIT=$?`, 120);
    await finished("http");
    expectLines(screen("http"), [
      /^page\.html HTTP 404  19 B in 0s  \([\d.]+ K?i?B\/s\)$/,
      "EXIT=0",
      /^text\.txt 100%  11 B in 0s  \([\d.]+ K?i?B\/s\)$/,
      /^missing\.html HTTP 404  19 B in 0s  \([\d.]+ K?i?B\/s\)$/,
      `fetchx: (7) refused.bin: failed to connect to 127.0.0.1 port ${closedPort}: connection refused [ECONNREFUSED] (127.0.0.1)`,
      /^1 ok, 1 HTTP error, 1 failed: 30 B in 0s/,
      "EXIT=7",
      "DONE",
    ]);
    expect(readFileSync(tmp.file("page.html"), "utf8")).toBe("<h1>Not Found</h1>\n");
  });

  test("--help and --help all wrapped to 80 and 100 columns: the screen shows exactly the text, no line broken by the terminal", async () => {
    for (const width of [80, 100]) terminal(`help${width}`, `${fx("--help")}; ${fx("--help", "all")}`, width, 50);
    const text: Record<number, string> = {};
    for (const width of [80, 100]) {
      await finished(`help${width}`);
      // The same commands off a terminal with COLUMNS: what fetchx meant to print at that width.
      const short = new TextDecoder().decode((await runCli(["--help"], { env: { COLUMNS: String(width) } })).stdout);
      const all = new TextDecoder().decode((await runCli(["--help", "all"], { env: { COLUMNS: String(width) } })).stdout);
      expect(short.split("\n").length).toBeLessThan(50); // the short one fits a screen
      const expected = short + all;
      text[width] = expected;
      const lines = expected.trimEnd().split("\n");
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(width);
      expect(Math.max(...lines.map((l) => l.length))).toBeGreaterThan(width - 15); // the width is used
      // A line longer than the pane would show up as two screen lines.
      expect(screen(`help${width}`, true)).toBe(`${lines.map((l) => l.trimEnd()).join("\n")}\nDONE`);
      expect(lines.length).toBeGreaterThan(60);
    }
    expect(text[80]).not.toBe(text[100]);
  }, 30_000);

  test("one line per failure: a refused connection, with -v no stack trace; Ctrl-C says interrupted and that a rerun resumes", async () => {
    const refused = `http://127.0.0.1:${closedPort}/x.bin`;
    terminal("err", `${fx(refused, "-o", "x.bin")} | cat; echo EXIT=$?; ${fx("-v", refused, "-o", "x.bin")} 2>&1 | grep -v '^\\* '; echo EXIT=$?`, 120);
    await finished("err");
    const line = `fetchx: (7) failed to connect to 127.0.0.1 port ${closedPort}: connection refused [ECONNREFUSED] (127.0.0.1)`;
    expectLines(screen("err"), [line, "EXIT=0", line, "EXIT=0", "DONE"]);

    // fetchx dies by Ctrl-C's SIGINT (as curl): the trap keeps the shell going to say what $? it saw.
    terminal("int", `trap : INT; ${fx(server.url("/slow.bin"), "-o", "slow.bin")}; echo EXIT=$?`);
    await waitFor(() => /slow\.bin +\d+% \[/.test(screen("int")), 15_000, "a live progress line");
    tmux("send-keys", "-t", "int", "C-c");
    await finished("int");
    expectLines(screen("int"), [/^fetchx: \(130\) interrupted by SIGINT at \d+% \([\d.]+ [KM]iB of 1\.50 MiB\); run it again to resume$/, "EXIT=130", "DONE"]);
    expect(readFileSync(tmp.file("slow.bin.fetchx")).length).toBeGreaterThan(0); // what "run it again" resumes from
  }, 30_000);

  test("40 columns under LANG=C: the final line fits, whole, in ASCII; a live line shows ASCII segment cells", async () => {
    const name = "a-rather-long-file-name-for-narrow-terminals.bin";
    terminal("narrow", fx(server.url("/big.bin"), "-o", name), 40, 10, "NO_COLOR=1 LANG=C LC_ALL=");
    await finished("narrow");
    expectLines(screen("narrow"), [/^a-rather-long-[a-z-]*\.\.\. 100%  1\.50 MiB in \ds$/, "DONE"]);

    terminal("ascii", fx(server.url("/slow.bin"), "--connections", "4", "-o", "seg.bin"), 100, 10, "NO_COLOR=1 LANG=C LC_ALL=");
    let live = "";
    await waitFor(() => /seg\.bin +\d+% \[/.test((live = screen("ascii"))), 15_000, "a live line with segment cells");
    expect(live).toMatch(/^seg\.bin +\d+% \[[ .:=+*#@_-]{4}\] [\d.]+ [KM]iB\/1\.50 MiB .* \d conns?$/m);
    expect(live).toMatch(/^[\x20-\x7e\n]*$/);
    await finished("ascii");
  }, 30_000);

  test("TERM=dumb: no cursor movement or colour in the raw output, only whole lines", async () => {
    const log = tmp.file("dumb.typescript");
    const cmd = `env TERM=dumb LANG=C.UTF-8 ${fx(server.url("/big.bin"), "-o", tmp.file("dumb.bin"))}`;
    const { NO_COLOR: _, ...env } = process.env; // TERM=dumb alone must turn colour off
    const p = Bun.spawn(["script", "-q", "-e", "-c", cmd, log], { stdout: "ignore", stderr: "pipe", stdin: "ignore", env });
    expect(await p.exited).toBe(0);
    const raw = readFileSync(log, "latin1").replace(/^Script started.*\n/, "").replace(/\nScript done.*\n?$/, "");
    expect(raw).not.toContain("\x1b");
    expect(raw).not.toMatch(/\r(?!\n)/); // a carriage return only as the terminal's end of line
    expect(raw.trim()).toMatch(/^dumb\.bin 100%  1\.50 MiB in \ds  \([\d.]+ [KMG]iB\/s\)$/);
  });
});

describe("off a terminal", () => {
  test("FETCHX_PROGRESS=plain: a plain line every few seconds and a final line", async () => {
    const r = await runCli([server.url("/plain.bin"), "-o", tmp.file("plain.bin")], { env: { FETCHX_PROGRESS: "plain" } });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/[\r\x1b]/);
    const lines = r.stderr.trimEnd().split("\n");
    // ~4 s at 400 KiB/s: a line at 3 s, then the final one.
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^plain\.bin +\d+% \[=*>? *\] [\d.]+ [KM]iB\/1\.50 MiB  [\d.]+ K?i?B\/s  ETA \d+s$/);
    expect(lines.at(-1)).toMatch(/^plain\.bin 100%  1\.50 MiB in \ds  \([\d.]+ KiB\/s\)$/);
  }, 30_000);
});
