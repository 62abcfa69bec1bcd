// Helpers every test uses: self-removing temp dirs, deterministic bytes, sha256, starting fetchx or any
// command (optionally inside a network namespace), and a polling wait for conditions (never for time).
// Modelled on Bun's own test/harness.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export interface TempDir {
  path: string;
  /** Path of a file inside the directory. */
  file(name: string): string;
  cleanup(): void;
  [Symbol.dispose](): void;
}

/** A fresh directory under the system temp dir; `using dir = tempDir("x")` removes it at scope end. */
export function tempDir(prefix = "fetchx-"): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const cleanup = () => rmSync(path, { recursive: true, force: true });
  return { path, file: (name) => join(path, name), cleanup, [Symbol.dispose]: cleanup };
}

/**
 * n deterministic pseudo-random bytes for a seed (xorshift32 over 32-bit words: ~1 GB/s, so 256 MiB is
 * cheap). Random rather than repeating content, so a byte written at the wrong offset changes the hash.
 */
export function randomBytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(n / 4));
  // Spread the seed so seeds 1, 2, 3 start far apart; xorshift's state must never be 0.
  let x = (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ 0x7f4a7c15) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, n);
}

/** Hex sha256 of bytes, or of a file's content when given a path (streamed, so any size works). */
export async function sha256(input: Uint8Array | string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  if (typeof input !== "string") return hasher.update(input).digest("hex");
  for await (const chunk of Bun.file(input).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

/** Poll `cond` every `everyMs` (default 10 ms) until it holds; throw after timeoutMs, naming what was awaited. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = "condition",
  everyMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`waitFor: ${what} not met within ${timeoutMs} ms`);
    await Bun.sleep(everyMs);
  }
}

export const REPO_ROOT = resolve(import.meta.dir, "../..");

export interface CliResult {
  /** Exit code; null when the process died from a signal (then see `signal`). */
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: Uint8Array;
  stderr: string;
}

export interface CliOptions {
  /** Bytes through a pipe, or an open file descriptor (a file as standard input, at its offset). */
  stdin?: Uint8Array | string | number;
  /** Added to (and overriding) the inherited environment. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** SIGKILL after this long (default 30 s); the result then says timedOut. */
  timeoutMs?: number;
  /** Run inside this network namespace (`ip netns exec NAME ...`, root only): the MPTCP lab's client side. */
  netns?: string;
  /** "ignore" for a command whose stdout nobody reads (default "pipe": collected into the result). */
  stdout?: "pipe" | "ignore";
}

/** A command started in the background: signal it, watch its stderr, await its result. */
export interface Running {
  proc: Bun.Subprocess<"ignore" | "pipe", "pipe" | "ignore", "pipe">;
  /** stderr received so far, for waiting on a message while the process runs. */
  readonly stderrSoFar: string;
  /** Resolves once the process exited and both pipes are drained. */
  done: Promise<CliResult>;
  kill(signal?: NodeJS.Signals): void;
}

/** The command that runs fetchx: FETCHX_BIN (e.g. the compiled binary) or `bun src/main.ts`. */
export function fetchxCommand(): string[] {
  const bin = process.env.FETCHX_BIN;
  return bin ? [resolve(bin)] : [process.execPath, join(REPO_ROOT, "src/main.ts")];
}

/**
 * Whether fetchx runs as the user nobody here (setpriv; root only): the tests of another user's view skip
 * where it cannot (setpriv missing, or a checkout nobody may read, under /root).
 */
export const nobodyRunsFetchx = (): boolean =>
  Bun.spawnSync(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", ...fetchxCommand(), "--version"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;

/** Start fetchx with args in the background (see spawnCommand). */
export const spawnCli = (args: string[], opts: CliOptions = {}) => spawnCommand([...fetchxCommand(), ...args], opts);

/** Run fetchx with args; the process is killed (SIGKILL) if it outlives timeoutMs (default 30 s). */
export const runCli = (args: string[], opts: CliOptions = {}) => spawnCli(args, opts).done;

/** Run any command to completion, both pipes drained; SIGKILL after timeoutMs (default 30 s). */
export const runCommand = (cmd: string[], opts: CliOptions = {}) => spawnCommand(cmd, opts).done;

/**
 * The one way tests start a process: argv only (no shell), NO_COLOR set, both pipes drained as they fill
 * (a chatty child never blocks on a full pipe), SIGKILL after timeoutMs.
 */
export function spawnCommand(cmd: string[], opts: CliOptions = {}): Running {
  const argv = opts.netns ? ["ip", "netns", "exec", opts.netns, ...cmd] : cmd;
  const proc = Bun.spawn(argv, {
    cwd: opts.cwd ?? process.cwd(),
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    // Bytes go through a pipe, as a shell's `... |` gives them (Bun would hand a Uint8Array over as a file).
    stdin: opts.stdin === undefined ? "ignore" : typeof opts.stdin === "number" ? opts.stdin : "pipe",
    stdout: opts.stdout ?? "pipe",
    stderr: "pipe",
  }) as Running["proc"];
  if (typeof opts.stdin === "string" || opts.stdin instanceof Uint8Array) {
    const sink = proc.stdin as unknown as import("bun").FileSink;
    // A child that exits before reading it all closes the pipe: that is its business, not an error here.
    try {
      sink.write(opts.stdin);
      void Promise.resolve(sink.end()).catch(() => {});
    } catch {}
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill("SIGKILL");
  }, opts.timeoutMs ?? 30_000);
  let stderr = "";
  const readStderr = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) stderr += decoder.decode(chunk, { stream: true });
    stderr += decoder.decode();
  })();
  const done = (async (): Promise<CliResult> => {
    const [stdout] = await Promise.all([
      proc.stdout instanceof ReadableStream ? new Response(proc.stdout).bytes() : new Uint8Array(0),
      readStderr,
    ]);
    await proc.exited;
    clearTimeout(timer);
    return { code: proc.exitCode, signal: proc.signalCode as NodeJS.Signals | null, timedOut, stdout, stderr };
  })();
  return {
    proc,
    get stderrSoFar() {
      return stderr;
    },
    done,
    kill: (signal = "SIGKILL") => proc.kill(signal),
  };
}
