#!/usr/bin/env bun
// Entry point: argv -> options -> one download per URL -> exit code. The only place that exits.
import { parseArgv } from "./cli/parse.ts";
import { toOptions } from "./cli/options.ts";
import { renderHelp } from "./cli/help.ts";
import { asFetchxError, FetchxError, usageError } from "./errors.ts";
import { DownstreamClosed } from "./sink/types.ts";
import { HttpClient } from "./transfer/client.ts";
import { download } from "./transfer/download.ts";
import { newStats, summariseMptcp } from "./transfer/stats.ts";
import { createLogger, type Logger } from "./ui/log.ts";
import { renderWriteOut } from "./ui/writeout.ts";
import { COMMIT, VERSION } from "./version.ts";

async function readWriteOut(format: string | undefined): Promise<string | undefined> {
  if (!format?.startsWith("@")) return format;
  const path = format.slice(1);
  try {
    return path === "-" ? await Bun.stdin.text() : await Bun.file(path).text();
  } catch {
    throw new FetchxError("READ_FILE", `cannot read write-out format from ${path}`);
  }
}

async function run(argv: string[], log: { current?: Logger }): Promise<number> {
  const raw = parseArgv(argv);
  if (raw.values.get("help")) {
    process.stdout.write(renderHelp());
    return 0;
  }
  if (raw.values.get("version")) {
    process.stdout.write(`fetchx ${VERSION} (commit ${COMMIT}) bun ${Bun.version}\n`);
    return 0;
  }
  const opts = toOptions(raw, process.env);
  if (opts.urls.length === 0) throw usageError("no URL given; try fetchx --help");
  const logger = createLogger(opts);
  log.current = logger;
  const writeOut = await readWriteOut(opts.writeOut);

  const controller = new AbortController();
  let why: FetchxError | undefined;
  const stop = (err: FetchxError) => {
    why ??= err;
    client.closeAll();
    controller.abort(err);
  };
  let stats = newStats("", "GET");
  const client = new HttpClient(opts, logger, controller.signal, {
    onConnect(_conn, _report, dialMs) {
      stats.numConnects++;
      stats.tConnect ||= performance.now() - stats.startedAt;
      if (opts.verbose) logger.trace(`connection made in ${dialMs.toFixed(1)} ms`);
    },
  });
  const timer = opts.maxTimeMs > 0 ? setTimeout(() => stop(new FetchxError("TIMEOUT", `operation timed out after ${opts.maxTimeMs} ms`)), opts.maxTimeMs) : undefined;
  const onSignal = (name: string) => stop(new FetchxError("INTERRUPTED", `interrupted by ${name}; partial data kept (resume with -C -)`));
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

  let exit = 0;
  for (const url of opts.urls) {
    stats = newStats(url, opts.head ? "HEAD" : (opts.method ?? "GET"));
    try {
      await download(url, { opts, log: logger, client, signal: controller.signal, output: opts.urls.length === 1 ? opts.output : undefined }, stats);
    } catch (thrown) {
      if (thrown instanceof DownstreamClosed) {
        exit ||= 23;
        break;
      }
      const err = why ?? asFetchxError(thrown);
      stats.exitCode = err.exitCode;
      stats.errorMessage = err.message;
      exit ||= err.exitCode;
      logger.error(`(${err.exitCode}) ${err.message}`);
      if (logger.verbose && thrown instanceof Error && !(thrown instanceof FetchxError)) logger.trace(thrown.stack ?? "");
    }
    stats.tTotal = performance.now() - stats.startedAt;
    stats.connections = client.reports();
    summariseMptcp(stats);
    if (writeOut) {
      const out = renderWriteOut(writeOut, stats);
      if (out.stdout) process.stdout.write(out.stdout);
      if (out.stderr) process.stderr.write(out.stderr);
    }
    if (why) break;
  }
  clearTimeout(timer);
  client.closeAll();
  return exit;
}

const log: { current?: Logger } = {};
let code: number;
try {
  code = await run(process.argv.slice(2), log);
} catch (thrown) {
  const err = asFetchxError(thrown, "USAGE");
  const line = `(${err.exitCode}) ${err.message}`;
  if (log.current) log.current.error(line);
  else process.stderr.write(`fetchx: ${line}\n`);
  code = err.exitCode;
}
process.exit(code);
