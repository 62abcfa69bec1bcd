// Shell completions, generated from the option table, loaded into the real shells: bash and zsh in a
// tmux terminal (Tab pressed, screen read), fish through its `complete -C`. Plus `fetchx help TOPIC`.
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { OPTIONS } from "../../src/cli/table.ts";
import { runCli, tempDir, waitFor } from "../servers/harness.ts";
import { tmuxOn } from "../servers/tmux.ts";

const tmp = tempDir("fetchx-compl-");
const socket = `fetchx-compl-${process.pid}`;
const has = (cmd: string) => Bun.spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;
const onSocket = tmuxOn(socket);
const tmux = (...args: string[]) => onSocket(...args).out;
afterAll(() => {
  tmux("kill-server");
  tmp.cleanup();
});

async function script(shell: string): Promise<string> {
  const r = await runCli(["completions", shell]);
  expect(r.code).toBe(0);
  const path = tmp.file(`fetchx.${shell}`);
  writeFileSync(path, r.stdout);
  return path;
}

/** Types `line`, presses Tab, and returns the screen once `expected` shows up on it (capture-pane drops
 *  trailing spaces, so "completed with a space" reads as the word at the end of the line). */
async function tabIn(session: string, line: string, expected: RegExp): Promise<string> {
  tmux("send-keys", "-t", session, "C-u", line, "Tab");
  let seen = "";
  await waitFor(() => expected.test((seen = tmux("capture-pane", "-p", "-t", session))), 5000, `completion of "${line}" on screen`).catch(() => {
    throw new Error(`completion of "${line}" did not show ${expected}; screen:\n${seen}`);
  });
  return seen;
}

describe.skipIf(!has("tmux"))("completion in real shells", () => {
  test.skipIf(!has("bash"))("bash: long options, fixed values, subcommands and help topics", async () => {
    const path = await script("bash");
    tmux("new-session", "-d", "-s", "b", "-x", "150", "-y", "30", "bash --norc --noprofile");
    tmux("send-keys", "-t", "b", `PS1='$ '; source ${path}; echo RE""ADY`, "Enter");
    await waitFor(() => tmux("capture-pane", "-p", "-t", "b").includes("READY"), 5000, "bash ready");
    await tabIn("b", "fetchx --proxyt", /fetchx --proxytunnel ?$/m);
    await tabIn("b", "fetchx --limit-r", /fetchx --limit-rate ?$/m);
    await tabIn("b", "fetchx --progress p", /fetchx --progress plain ?$/m);
    await tabIn("b", "fetchx help exit", /fetchx help exit-codes ?$/m);
    await tabIn("b", "fetchx compl", /fetchx completions ?$/m);
  });

  test.skipIf(!has("zsh"))("zsh: options with their values", async () => {
    const path = await script("zsh");
    tmux("new-session", "-d", "-s", "z", "-x", "150", "-y", "30", "zsh -f");
    tmux("send-keys", "-t", "z", `PS1='%% '; autoload -U compinit; compinit -u; source ${path}; echo RE""ADY`, "Enter");
    await waitFor(() => tmux("capture-pane", "-p", "-t", "z").includes("READY"), 5000, "zsh ready");
    await tabIn("z", "fetchx --proxyt", /fetchx --proxytunnel ?$/m);
    await tabIn("z", "fetchx --progress ", /bar +none +plain/);
    await tabIn("z", "fetchx help pro", /fetchx help proxies ?$/m);
  });
});

test.skipIf(!has("fish"))("fish: every option of the table completes, with values", async () => {
  const path = await script("fish");
  const ask = (line: string) =>
    Bun.spawnSync(["fish", "--no-config", "-c", `source ${path}; complete -C '${line}'`], { stdout: "pipe" }).stdout.toString().split("\n").map((l) => l.split("\t")[0]);
  const longs = ask("fetchx --");
  for (const o of OPTIONS) expect(longs).toContain(`--${o.name}`);
  expect(ask("fetchx --progress ")).toEqual(expect.arrayContaining(["bar", "plain", "none"]));
  expect(ask("fetchx help ")).toEqual(expect.arrayContaining(["mptcp", "resume", "write-out", "exit-codes", "proxies"]));
});

test("help topics: each prints text; an unknown topic is a usage error; --help names them", async () => {
  for (const topic of ["mptcp", "resume", "write-out", "exit-codes", "proxies"]) {
    const r = await runCli(["help", topic]);
    expect({ topic, code: r.code }).toEqual({ topic, code: 0 });
    expect(new TextDecoder().decode(r.stdout).length).toBeGreaterThan(200);
  }
  const codes = new TextDecoder().decode((await runCli(["help", "exit-codes"])).stdout);
  expect(codes).not.toContain("also:"); // every exit code in errors.ts has its own line
  expect((await runCli(["help", "nonsense"])).code).toBe(2);
  expect((await runCli(["completions", "tcsh"])).code).toBe(2);
  const help = new TextDecoder().decode((await runCli(["--help", "all"])).stdout);
  for (const title of ["Proxies:", "Transfer:", "Examples:", "Environment:", "FETCHX_PROGRESS", "fetchx help [TOPIC]", "fetchx completions SHELL"]) expect(help).toContain(title);
  // Every option of the table is in --help all; plain --help is the short one and says where the rest is.
  for (const o of OPTIONS) expect(help).toContain(`--${o.name}`);
  const short = new TextDecoder().decode((await runCli(["--help"])).stdout);
  expect(short).toContain("fetchx --help all");
  expect(short).toContain("FETCHX_PROGRESS");
  expect(short.split("\n").length).toBeLessThan(help.split("\n").length / 2);
  expect(new TextDecoder().decode((await runCli(["help", "all"])).stdout)).toBe(help);
  expect(new TextDecoder().decode((await runCli(["--help", "proxy"])).stdout)).toMatch(/^Proxies:\n  -x, --proxy URL/);
  expect((await runCli(["--help", "nonsense"])).code).toBe(2);
});
