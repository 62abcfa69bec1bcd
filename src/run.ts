// One run of the downloader: options -> one download per URL -> exit code (main.ts exits with it).
// Loaded lazily by main.ts, so --version, --help and usage errors start without the network stack.
import type { Options } from "./cli/options.ts";
import { asFetchxError, FetchxError } from "./errors.ts";
import { DownstreamClosed } from "./sink/types.ts";
import { HttpClient } from "./transfer/client.ts";
import { download } from "./transfer/download.ts";
import { newStats, summariseMptcp } from "./transfer/stats.ts";
import { createLogger, type Logger } from "./ui/log.ts";
import { renderWriteOut } from "./ui/writeout.ts";

async function readWriteOut(format: string | undefined): Promise<string | undefined> {
  if (!format?.startsWith("@")) return format;
  const path = format.slice(1);
  try {
    return path === "-" ? await Bun.stdin.text() : await Bun.file(path).text();
  } catch {
    throw new FetchxError("READ_FILE", `cannot read write-out format from ${path}`);
  }
}

export async function runDownloads(opts: Options, log: { current?: Pick<Logger, "error"> }): Promise<number> {
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

