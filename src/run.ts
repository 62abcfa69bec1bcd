// One run of the downloader: options -> one download per URL -> exit code (main.ts exits with it).
// Loaded lazily by main.ts, so --version, --help and usage errors start without the network stack.
import type { Options } from "./cli/options.ts";
import { asFetchxError, FetchxError, usageError } from "./errors.ts";
import { DownstreamClosed } from "./sink/types.ts";
import { collectUrls } from "./cli/urls.ts";
import { parseUrl } from "./http/url.ts";
import { outputPath } from "./sink/name.ts";
import type { Connection } from "./net/types.ts";
import { HttpClient, reportOf } from "./transfer/client.ts";
import { exitCodeOf, runMany, summaryLine } from "./transfer/multi.ts";
import { download } from "./transfer/download.ts";
import { newStats, summariseMptcp, type TransferStats } from "./transfer/stats.ts";
import { createLogger, type Logger } from "./ui/log.ts";
import { createProgressDisplay } from "./ui/progress-display.ts";
import { TransferProgress } from "./ui/transfer-progress.ts";
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
  const urls = await collectUrls(opts.urls, opts.inputFile);
  checkOutputs(opts, urls);
  const writeOut = await readWriteOut(opts.writeOut);
  const display = createProgressDisplay(opts);

  const controller = new AbortController();
  let why: FetchxError | undefined;
  let downstreamClosed = false;
  // One client per lane: a lane runs its transfers one after another, so its keep-alive connections,
  // its --limit-rate bucket and the per-transfer counters below all belong to one transfer at a time.
  const lanes = opts.parallel ? Math.min(opts.parallelMax, urls.length) : 1;
  const current: { stats: TransferStats; conns: Connection[] }[] = [];
  const clients = Array.from({ length: lanes }, (_, lane) => {
    current[lane] = { stats: newStats("", "GET"), conns: [] };
    return new HttpClient(opts, logger, controller.signal, {
      onConnect(conn, _report, dialMs) {
        const { stats, conns } = current[lane]!;
        conns.push(conn);
        stats.numConnects++;
        stats.tConnect ||= performance.now() - stats.startedAt;
        if (opts.verbose) logger.trace(`connection made in ${dialMs.toFixed(1)} ms`);
      },
    });
  });
  const stop = (err: FetchxError) => {
    why ??= err;
    for (const c of clients) c.closeAll();
    controller.abort(err);
  };
  const timer = opts.maxTimeMs > 0 ? setTimeout(() => stop(new FetchxError("TIMEOUT", `operation timed out after ${opts.maxTimeMs} ms`)), opts.maxTimeMs) : undefined;
  const onSignal = (name: string) => stop(new FetchxError("INTERRUPTED", `interrupted by ${name}; partial data kept (resume with -C -)`));
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

  const started = performance.now();
  const results = await runMany(urls.length, { lanes, stopped: () => !!why || downstreamClosed }, async (index, lane) => {
    const url = urls[index]!;
    const client = clients[lane]!;
    const stats = newStats(url, opts.head ? "HEAD" : (opts.method ?? "GET"));
    current[lane] = { stats, conns: [] };
    const conns = current[lane]!.conns;
    const progress = new TransferProgress(display, stats, () => conns);
    progress.begin();
    let failure: FetchxError | undefined;
    let closed = false;
    try {
      await download(url, { opts, log: logger, client, signal: controller.signal, output: opts.outputs[index], progress }, stats);
    } catch (thrown) {
      // A closed stdout (fetchx URL | head) ends the run quietly with curl's exit 23.
      closed = thrown instanceof DownstreamClosed;
      failure = closed ? new FetchxError("WRITE", "output closed") : (why ?? asFetchxError(thrown));
      stats.exitCode = failure.exitCode;
      stats.errorMessage = failure.message;
    }
    progress.end(failure && { exitCode: failure.exitCode, message: failure.message });
    if (failure) {
      if (closed) downstreamClosed = true;
      else {
        logger.error(`(${failure.exitCode}) ${failure.message}`);
        const cause = failure.cause;
        if (logger.verbose && cause instanceof Error && !(cause instanceof FetchxError)) logger.trace(cause.stack ?? "");
      }
    }
    stats.tTotal = performance.now() - stats.startedAt;
    // A transfer that only reused a pooled connection made none of its own: report the client's.
    stats.connections = conns.length > 0 ? conns.map((c) => reportOf(c, true)) : client.reports();
    summariseMptcp(stats);
    if (logger.verbose) for (const line of connectionLines(stats)) logger.trace(line);
    if (writeOut) {
      const out = renderWriteOut(writeOut, stats);
      if (out.stdout) process.stdout.write(out.stdout);
      if (out.stderr) process.stderr.write(out.stderr);
    }
    return { url, exitCode: failure?.exitCode ?? 0, bytes: stats.sizeDownload };
  });
  clearTimeout(timer);
  for (const c of clients) c.closeAll();
  display.close();
  if (urls.length > 1 && !downstreamClosed) logger.info(summaryLine(results, performance.now() - started));
  return exitCodeOf(results);
}

/**
 * Where several URLs go: the i-th -o names the i-th URL's file (as in curl), the others follow -O or go
 * to stdout. Parallel transfers cannot share stdout, and no two URLs may write the same file.
 */
function checkOutputs(opts: Options, urls: string[]): void {
  if (urls.length === 0) throw usageError("no URL given (the input file was empty); try fetchx --help");
  if (opts.outputs.length > urls.length) throw usageError(`${opts.outputs.length} -o options for ${urls.length} URL(s): one -o names one URL's file`);
  const targets = urls.map((u, i) => {
    if (opts.outputs[i] !== undefined) return opts.outputs[i] === "-" ? null : opts.outputs[i]!;
    if (!opts.remoteName || opts.remoteHeaderName) return opts.remoteName ? undefined : null; // -J: known later
    try {
      return outputPath(opts, parseUrl(u).url, undefined, undefined);
    } catch {
      return undefined; // a bad URL fails on its own turn
    }
  });
  if (urls.length > 1 && opts.parallel && targets.some((t) => t === null))
    throw usageError("--parallel with several URLs needs -O or one -o per URL: their bodies cannot share standard output");
  const seen = new Set<string>();
  for (const t of targets) {
    if (!t) continue;
    if (seen.has(t)) throw usageError(`two URLs would write the same file ${t}: name one of them with -o`);
    seen.add(t);
  }
}

/** -v: what each connection of a transfer did, MPTCP subflows included (curl says nothing of this). */
function connectionLines(stats: TransferStats): string[] {
  return stats.connections.map((c, i) => {
    const mptcp =
      c.mptcp === "active" ? `MPTCP active, peak ${c.subflows} subflow${c.subflows === 1 ? "" : "s"}`
      : c.mptcp === "fallback" ? "MPTCP asked, server answered plain TCP"
      : "TCP";
    const paths = c.subflowList.map((f) => `${f.local} -> ${f.remote}`).join(", ");
    return `connection ${i + 1}: ${c.local} -> ${c.remote}${c.tls ? " (TLS)" : ""}, ${mptcp}${paths ? `: ${paths}` : ""}`;
  });
}
