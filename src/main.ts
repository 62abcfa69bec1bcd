#!/usr/bin/env bun
// Entry point: argv -> options -> run -> exit code. The only place that exits. The download machinery
// (FFI, TLS, logging) is imported only when there is something to download, so --version and --help
// start as fast as the runtime allows.
import { expandConfig } from "./cli/config.ts";
import { parseArgv } from "./cli/parse.ts";
import { asFetchxError, usageError } from "./errors.ts";
import { stderr, stdout } from "./ui/stdio.ts";
import { COMMIT, VERSION } from "./version.ts";

interface ErrorLog {
  current?: { error(message: string): void };
}

async function main(argv: string[], log: ErrorLog): Promise<number> {
  if (argv[0] === "doctor") {
    const [{ runCommand }, { doctorCommand }] = await Promise.all([import("citty"), import("./cli/doctor.ts")]);
    const { result } = await runCommand(doctorCommand, { rawArgs: argv.slice(1) });
    return typeof result === "number" ? result : 0;
  }
  if (argv[0] === "help" || argv[0] === "completions") {
    const { helpCommand } = await import("./cli/subcommands.ts");
    return helpCommand(argv);
  }
  const raw = parseArgv(expandConfig(argv, process.env));
  if (raw.values.get("help")) {
    // curl's model: --help alone is short; --help all, --help GROUP or --help TOPIC say more.
    if (raw.positionals.length > 1) throw usageError("--help takes at most one word: all, a group or a topic");
    const { renderHelp } = await import("./cli/help.ts");
    stdout.write(renderHelp(raw.positionals[0]));
    return 0;
  }
  if (raw.values.get("version")) {
    stdout.write(`fetchx ${VERSION} (commit ${COMMIT}) bun ${Bun.version}\n`);
    return 0;
  }
  const [{ toOptions }, { runDownloads }] = await Promise.all([import("./cli/options.ts"), import("./cli/run.ts")]);
  const opts = toOptions(raw, process.env);
  if (opts.urls.length === 0 && opts.inputFile === undefined) throw usageError("no URL given; try fetchx --help");
  return runDownloads(opts, log);
}

const log: ErrorLog = {};
let code: number;
try {
  code = await main(process.argv.slice(2), log);
} catch (thrown) {
  const err = asFetchxError(thrown, "USAGE");
  const line = `(${err.exitCode}) ${err.message}`;
  if (log.current) log.current.error(line);
  else stderr.write(`fetchx: ${line}\n`);
  // A bug: the stack is what a report needs.
  if (err.code === "INTERNAL") stderr.write(`${err.cause instanceof Error ? err.cause.stack : String(err.cause)}\n`);
  code = err.exitCode;
}
process.exit(code);
