// A tmux server of a test's own (its own -L socket), so a test neither sees nor disturbs anyone else's
// sessions: run tmux commands on it, and quote fetchx command lines for its shell.
import { fetchxCommand } from "./harness.ts";

export interface TmuxResult {
  code: number | null;
  out: string;
  err: string;
}

/** `tmux -L SOCKET ...args`, synchronously. */
export function tmuxOn(socket: string): (...args: string[]) => TmuxResult {
  return (...args) => {
    const p = Bun.spawnSync(["tmux", "-L", socket, ...args], { stdout: "pipe", stderr: "pipe" });
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
  };
}

/** One word for a POSIX shell. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A fetchx command line (source or FETCHX_BIN) for a shell. */
export const fetchxShell = (...args: string[]) => [...fetchxCommand(), ...args].map(shellQuote).join(" ");
