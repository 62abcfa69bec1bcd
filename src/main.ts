#!/usr/bin/env bun
// Entry point: argv -> options -> run -> exit code. The only place that exits. Everything past the
// command line is imported when it is needed (the parser and option table, help, the download machinery:
// FFI sockets, TLS, logging), so --version and --help start as fast as the runtime allows.
import { asFetchxError, usageError } from "./errors.ts";
import { hasDefaultConfig, helpColumns } from "./cli/environment.ts";
import { stderr, stdout } from "./ui/stdio.ts";
import { close as closeFd, errnoMessage, O_CLOEXEC, O_CREAT, O_TRUNC, O_WRONLY, openPath, redirectStderr } from "./net/libc.ts";
import { COMMIT, VERSION } from "./version.ts";
// Run by the bundler: the plain --help text at 80 columns, embedded as a string.
import { helpFor } from "./cli/help.ts" with { type: "macro" };

const versionLine = () => `fetchx ${VERSION} (commit ${COMMIT}) bun ${Bun.version}\n`;

/**
 * A bare `--version` or `--help` answered before the option table, parser and help are loaded: about a
 * third of their start-up (bench/startup.ts). Only when no ~/.fetchxrc can add options, and for --help
 * only at the width of the embedded text; otherwise the parser answers, with the same bytes.
 */
function answeredEarly(argv: string[]): boolean {
  if (argv.length !== 1 || hasDefaultConfig(process.env)) return false;
  if (argv[0] === "--version" || argv[0] === "-V") stdout.write(versionLine());
  else if ((argv[0] === "--help" || argv[0] === "-h") && helpColumns() === 80) stdout.write(helpFor(undefined, 80)!);
  else return false;
  return true;
}

/**
 * curl's --stderr FILE ("-" is standard output): descriptor 2 is pointed there before anything else is
 * written to it, so every line (errors, warnings, progress, -v) goes there. A FILE that cannot be opened
 * is said on standard error as it was, and the run goes on (as curl does).
 */
function stderrTo(path: string): void {
  const fd = path === "-" ? 1 : openPath(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666);
  const r = fd < 0 ? fd : redirectStderr(fd);
  if (fd > 2) closeFd(fd);
  if (r < 0) stderr.write(`fetchx: warning: cannot write to --stderr ${path}: ${errnoMessage(-r)}; standard error it is\n`);
}

interface ErrorLog {
  current?: { error(message: string): void };
  /** -s without -S, before a run's logger exists: a failure that is no usage error (exit 2) is not said. */
  silent?: boolean;
  /** The SIGINT or SIGTERM that stopped the run (cli/run.ts). */
  signal?: NodeJS.Signals;
}

/**
 * Bun decodes the arguments as UTF-8 and puts U+FFFD where a byte is not: a Latin-1 file name ("caf\xe9")
 * would name another file. Such an argument is refused (the raw bytes are in /proc/self/cmdline), before
 * anything is written or sent. Only read when an argument holds U+FFFD.
 */
function checkArgvBytes(argv: string[]): void {
  if (!argv.some((a) => a.includes("\uFFFD"))) return;
  let cmdline: Buffer;
  try {
    cmdline = (import.meta.require("node:fs") as typeof import("node:fs")).readFileSync("/proc/self/cmdline");
  } catch {
    return; // no /proc: nothing to compare with
  }
  // Each argument ends with a NUL byte.
  const raw: Buffer[] = [];
  for (let at = 0, i = 0; i < cmdline.length; i++) if (cmdline[i] === 0) (raw.push(cmdline.subarray(at, i)), (at = i + 1));
  const strict = new TextDecoder("utf-8", { fatal: true });
  raw.slice(-argv.length).forEach((bytes, i) => {
    try {
      strict.decode(bytes);
    } catch {
      throw usageError(`argument ${i + 1} (${JSON.stringify(argv[i])}) is not UTF-8: fetchx would read another name or text for it`);
    }
  });
}

async function main(argv: string[], log: ErrorLog): Promise<number> {
  if (answeredEarly(argv)) return 0;
  checkArgvBytes(argv);
  if (argv[0] === "doctor") {
    const [{ runCommand }, { doctorCommand }] = await Promise.all([import("citty"), import("./cli/doctor.ts")]);
    const { result } = await runCommand(doctorCommand, { rawArgs: argv.slice(1) });
    return typeof result === "number" ? result : 0;
  }
  if (argv[0] === "help" || argv[0] === "completions") {
    const { helpCommand } = await import("./cli/subcommands.ts");
    return helpCommand(argv);
  }
  const [{ expandConfig }, { joinUrlless, parseArgv, shareGlobals, splitNext, Variables }] = await Promise.all([import("./cli/config.ts"), import("./cli/parse.ts")]);
  // curl's --next: one set of options per group of URLs, run one group after another.
  // curl's --variable: set in command-line order, seen by the groups after it.
  const variables = new Variables();
  const configWarnings: string[] = [];
  const raws = joinUrlless(splitNext(expandConfig(argv, process.env, configWarnings)).map((words) => parseArgv(words, variables)));
  if (raws.length > 1) shareGlobals(raws);
  // curl's warnings about -K and ~/.fetchxrc lines it skips (an unknown option, a missing value).
  if (!raws[0]!.values.get("silent")) for (const w of configWarnings) stderr.write(`fetchx: warning: ${w}\n`);
  for (const r of raws) for (const w of r.warnings ?? []) if (!r.values.get("silent")) stderr.write(`fetchx: warning: ${w}\n`);
  const raw = raws[0]!;
  const errorsTo = raw.values.get("stderr");
  if (typeof errorsTo === "string") stderrTo(errorsTo);
  if (raw.values.get("help")) {
    // curl's model: --help alone is short; --help all, --help GROUP or --help TOPIC say more.
    if (raw.positionals.length > 1) throw usageError("--help takes at most one word: all, a group or a topic");
    const { renderHelp } = await import("./cli/help.ts");
    stdout.write(renderHelp(raw.positionals[0]));
    return 0;
  }
  if (raw.values.get("version")) {
    stdout.write(versionLine());
    return 0;
  }
  const { toOptions } = await import("./cli/options.ts");
  // A URL whose globbing does not parse ([a-, {a,b) is exit 3 with nothing said under -s, as curl's: -s
  // silences a failed transfer's message, and only -S brings it back (usage errors, exit 2, are always said).
  log.silent = raw.values.get("silent") === true && !raw.values.get("show-error");
  const operations = raws.map((r) => toOptions(r, process.env));
  // Every group is checked before the first transfer (curl: "no URL specified!", exit 2).
  operations.forEach((opts, i) => {
    if (opts.urls.length === 0 && opts.inputFile === undefined) throw usageError(i === 0 ? "no URL given; try fetchx --help" : `no URL given after --next number ${i}`);
  });
  const { runDownloads } = await import("./cli/run.ts");
  if (operations.length === 1) return runDownloads(operations[0]!, log);
  // The first failure's exit code, as for several URLs; --fail-early starts no group after it.
  let code = 0;
  // %{urlnum} counts the URLs of the whole command line, as curl's: a group's go on from the last group's.
  let before = 0;
  for (const group of operations) {
    const offset = before;
    const opts = offset === 0 ? group : { ...group, urlnum: (i: number) => offset + group.urlnum(i) };
    before += group.urls.length === 0 ? 0 : group.urlnum(group.urls.length - 1) + 1;
    const c = await runDownloads(opts, log);
    if (code === 0) code = c;
    if ((code !== 0 && opts.failEarly) || log.signal) break;
  }
  return code;
}

const log: ErrorLog = {};
let code: number;
try {
  code = await main(process.argv.slice(2), log);
} catch (thrown) {
  const err = asFetchxError(thrown, "USAGE");
  const line = `(${err.exitCode}) ${err.message}`;
  if (log.current) log.current.error(line);
  else if (!(log.silent && err.code !== "USAGE")) stderr.write(`fetchx: ${line}\n`);
  // A bug: the stack is what a report needs.
  if (err.code === "INTERNAL") stderr.write(`${err.cause instanceof Error ? err.cause.stack : String(err.cause)}\n`);
  code = err.exitCode;
}
// Stopped by SIGINT or SIGTERM: once the partial data and its journal are saved, the process ends by the same
// signal with its default action, as curl (which handles neither) dies by it. A shell then sees a child killed
// by the signal, not one that exited: Ctrl-C ends a `for` loop of fetchx commands as it ends one of curl's
// (bash goes on after a child that exited 130), and `$?` is 130 for SIGINT and 143 for SIGTERM.
if (log.signal) {
  process.removeAllListeners(log.signal);
  process.kill(process.pid, log.signal);
}
process.exit(code);
