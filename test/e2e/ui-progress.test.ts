// The progress display in a real terminal (tmux with a fixed size): a live line with percent and rate,
// redrawn in place, then a clean final line; colour unless NO_COLOR. Off a terminal: nothing by default,
// and --progress plain writes whole lines with no carriage return or escape sequence.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { fetchxCommand, randomBytes, runCli, sha256, tempDir, waitFor } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { shellQuote, tmuxOn } from "../servers/tmux.ts";

const data = randomBytes(1536 * 1024, 31);
const tmp = tempDir("fetchx-ui-");
// A tmux server of our own, so the test neither sees nor disturbs anyone else's sessions.
const socket = `fetchx-ui-${process.pid}`;
let server: TestServer;
let mptcpServer: TestServer;

const tmux = tmuxOn(socket);
const quote = shellQuote;

beforeAll(async () => {
  // 1.5 MiB at 300 KiB/s: about 5 s, long enough to see the live line several times.
  // /fast.bin is the same body without the limit, for tests that only need the end.
  mptcpServer = await startServer({ routes: { "/data.bin": { body: data } }, rateBytesPerSec: 100 * 1024, mptcp: true });
  server = await startServer({ routes: { "/data.bin": { body: data }, "/fast.bin": { body: data, rateBytesPerSec: 0 } }, rateBytesPerSec: 300 * 1024 });
});
afterAll(() => {
  tmux("kill-server");
  server.stop();
  mptcpServer.stop();
  tmp.cleanup();
});

/** Runs fetchx in a detached 100x20 tmux pane; the pane stays after exit so it can be read. */
function runInTerminal(name: string, args: string[], env: string): void {
  const cmd = `${env} ${[...fetchxCommand(), ...args].map(quote).join(" ")}; echo EXIT=$?; sleep 120`;
  const r = tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "20", cmd);
  if (r.code !== 0) throw new Error(`tmux: ${r.err}`);
}
const screen = (name: string, escapes = false) => tmux("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", name).out;

describe("in a terminal", () => {
  test("live line with percent, rate and ETA, redrawn in place; then one clean final line", async () => {
    const out = tmp.file("t1.bin");
    runInTerminal("t1", [server.url("/data.bin"), "-o", out], "env NO_COLOR=1");
    let live = "";
    await waitFor(() => {
      live = screen("t1");
      return /\d+% \[=*>? *\] [\d.]+ [KM]iB\/1\.50 MiB  [\d.]+ [KM]?i?B\/s  ETA \d+s/.test(live);
    }, 15_000, "a live progress line with percent, bytes, rate and ETA");
    // Redrawn in place: one progress line on screen, not one per redraw.
    expect(live.split("\n").filter((l) => l.includes("%")).length).toBe(1);
    await waitFor(() => screen("t1").includes("EXIT="), 30_000, "fetchx to finish");
    const end = screen("t1").split("\n").filter((l) => l.trim() !== "");
    expect(end).toHaveLength(2);
    expect(end[0]).toMatch(/^t1\.bin 100%  1\.50 MiB in \d+s  \([\d.]+ KiB\/s\)$/);
    expect(end[1]).toBe("EXIT=0");
    expect(await sha256(readFileSync(out))).toBe(await sha256(data));
  }, 60_000);

  test("--connections: per-segment cells, connection count and the MPTCP badge", async () => {
    const out = tmp.file("seg.bin");
    runInTerminal("seg", [mptcpServer.url("/data.bin"), "-o", out, "--connections", "4", "--mptcp"], "env NO_COLOR=1 LANG=C.UTF-8 LC_ALL=");
    // Four ranges at 100 KiB/s each: about 4 s.
    await waitFor(() => /seg\.bin +\d+% \[[ ▁▂▃▄▅▆▇█·]{4}\] .*  4 conns  MPTCP ×\d/.test(screen("seg")), 15_000, "a live line with four segment cells, 4 conns and the MPTCP badge");
    await waitFor(() => screen("seg").includes("EXIT="), 30_000, "fetchx to finish");
    expect(screen("seg")).toMatch(/seg\.bin 100%  1\.50 MiB in \d+s  \([\d.]+ KiB\/s\)  MPTCP ×\d\nEXIT=0/);
    expect(await sha256(readFileSync(out))).toBe(await sha256(data));
  }, 60_000);

  test("other stderr lines (-v trace) never land inside a live line", async () => {
    runInTerminal("v1", ["-v", "--connections", "3", server.url("/data.bin"), "-o", tmp.file("v1.bin")], "env NO_COLOR=1");
    await waitFor(() => screen("v1").includes("EXIT="), 30_000, "fetchx to finish");
    const all = tmux("capture-pane", "-p", "-S", "-1000", "-t", "v1").out.split("\n");
    // Later connections start while the bar is up; their trace lines must each stand on a line of their own.
    expect(all.filter((l) => l.startsWith("* Trying")).length).toBeGreaterThanOrEqual(2);
    for (const l of all.filter((x) => /\d+%/.test(x))) {
      expect(l).toMatch(/^v1\.bin /);
      expect(l).not.toMatch(/\* |[<>] /); // no trace text glued to a progress line
    }
    expect(all.filter((l) => l.startsWith("v1.bin 100%"))).toHaveLength(1);
  }, 60_000);

  test("at most ~10 redraws a second (counted in the raw terminal output)", async () => {
    const log = tmp.file("typescript");
    const cmd = [...fetchxCommand(), server.url("/data.bin"), "-o", tmp.file("r1.bin")].map(quote).join(" ");
    const t0 = performance.now();
    const p = Bun.spawn(["script", "-q", "-e", "-c", `env NO_COLOR=1 ${cmd}`, log], { stdout: "ignore", stderr: "pipe", stdin: "ignore" });
    expect(await p.exited).toBe(0);
    const seconds = (performance.now() - t0) / 1000;
    const raw = readFileSync(log, "latin1");
    // Every redraw clears to the end of the screen once ("\x1b[J").
    const redraws = raw.split("\x1b[J").length - 1;
    expect(redraws).toBeGreaterThanOrEqual(5); // it animated (~5 s transfer)
    expect(redraws).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 3);
    expect(raw).toMatch(/r1\.bin 100%/);
  }, 60_000);

  test("colour on a terminal; none with NO_COLOR", async () => {
    runInTerminal("c1", [server.url("/fast.bin"), "-o", tmp.file("c1.bin")], "env -u NO_COLOR TERM=xterm-256color");
    runInTerminal("c2", [server.url("/fast.bin"), "-o", tmp.file("c2.bin")], "env NO_COLOR=1 TERM=xterm-256color");
    await waitFor(() => screen("c1").includes("EXIT=") && screen("c2").includes("EXIT="), 30_000, "both runs to finish");
    expect(screen("c1", true)).toMatch(/\x1b\[[0-9;]*m100%/);
    expect(screen("c2", true)).not.toMatch(/\x1b\[[0-9;]*m100%/);
    expect(screen("c2")).toContain("c2.bin 100%");
  }, 60_000);

  test("-s shows no progress", async () => {
    runInTerminal("s1", [server.url("/fast.bin"), "-o", tmp.file("s1.bin"), "-s"], "env NO_COLOR=1");
    await waitFor(() => screen("s1").includes("EXIT="), 30_000, "fetchx to finish");
    expect(screen("s1").trim()).toBe("EXIT=0");
  }, 60_000);
});

describe("off a terminal", () => {
  test("default: nothing on stderr", async () => {
    const r = await runCli([server.url("/fast.bin"), "-o", tmp.file("n1.bin")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });

  test("--progress plain: whole lines every few seconds and a final line, no \\r, no escapes", async () => {
    const r = await runCli([server.url("/data.bin"), "-o", tmp.file("p1.bin"), "--progress", "plain"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("\r");
    expect(r.stderr).not.toContain("\x1b");
    const lines = r.stderr.trimEnd().split("\n");
    // The transfer lasts ~5 s (the server's rate), so at least one periodic line precedes the final one.
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^p1\.bin +\d+% /);
    expect(lines.at(-1)).toMatch(/^p1\.bin 100%  1\.50 MiB in \d+s/);
    const quiet = await runCli([server.url("/fast.bin"), "-o", tmp.file("p2.bin"), "--progress", "plain", "-s"]);
    expect(quiet.stderr).toBe("");
  }, 30_000);
});
