// One run of the downloader: options -> one download per URL -> exit code (main.ts exits with it). The
// loop over many URLs, -m and signals, the progress display and --write-out are the CLI's; each URL's
// download is the engine's (FetchxClient), configured through engine-options.ts.
// Loaded lazily by main.ts, so --version, --help and usage errors start without the network stack.
import { asFetchxError, FetchxError, usageError } from "../errors.ts";
import { urlObject } from "../http/url.ts";
import { setEnv, signalIgnored, statPath } from "../net/libc.ts";
import { isSpecialFile, typeAt } from "../sink/file.ts";
import { DownstreamClosed } from "../sink/types.ts";
import { FetchxClient } from "../transfer/fetchx-client.ts";
import type { ProgressSnapshot, ProgressSource } from "../transfer/progress.ts";
import type { RetryInfo } from "../transfer/options.ts";
import { newStats, type DownloadResult } from "../transfer/stats.ts";
import { createLogger, loadColours, type Logger } from "../ui/log.ts";
import { openTrace } from "../ui/trace.ts";
import { formatBytes, formatPercent } from "../ui/format.ts";
import { createProgressDisplay } from "../ui/progress-display.ts";
import { transferName } from "../ui/progress-line.ts";
import { stderr, stdout } from "../ui/stdio.ts";
import { formatFromFile, renderWriteOut } from "../ui/writeout.ts";
import { clientOptions, logEvents, prepareDownload, prepareRun } from "./engine-options.ts";
import { afterDownload, beforeDownload, writeCookieJar, writeHsts } from "./after.ts";
import { outputListing } from "./listing.ts";
import { collector, runMany, summaryLine } from "./multi.ts";
import type { Options } from "./options.ts";
import { outputPath } from "./output-name.ts";
import { KeySet } from "./key-set.ts";
import { collectUrls, type UrlList } from "./urls.ts";

async function readWriteOut(format: string | undefined): Promise<string | undefined> {
  if (!format?.startsWith("@")) return format;
  const path = format.slice(1);
  try {
    return formatFromFile(await (path === "-" ? Bun.stdin : Bun.file(path)).bytes());
  } catch {
    throw new FetchxError("READ_FILE", `cannot read write-out format from ${path}`);
  }
}

export async function runDownloads(opts: Options, log: { current?: Pick<Logger, "error">; signal?: NodeJS.Signals }): Promise<number> {
  await loadColours();
  const plain = createLogger(opts);
  const logger = opts.trace ? createLogger(opts, openTrace(opts.trace.path, opts.trace.ascii, opts.traceTime, (m) => plain.warn(m))) : plain;
  log.current = logger;
  if (opts.parallel) widenThreadPool(opts.parallelMax);
  const urls = await collectUrls(opts.urls, opts.inputFile, opts.protoDefault);
  const { targets, repeated } = checkOutputs(opts, urls, (m) => logger.warn(m));
  for (const w of opts.warnings) logger.warn(w);
  // curl 7.88 goes on too ("Got more output options than URLs").
  if (opts.outputs.length > urls.length) logger.warn(`${opts.outputs.length} output options (-o, -O) for ${urls.length} URL(s): the last ${opts.outputs.length - urls.length} name nothing`);
  const writeOut = await readWriteOut(opts.writeOut);
  const display = createProgressDisplay(opts);
  const events = logEvents(logger);
  const state = prepareRun(opts, (m) => logger.warn(m));
  if (opts.http2) logger.warn("fetchx speaks HTTP/1.1: --http2 and --http2-prior-knowledge change nothing");
  let failed = false;
  noteSequentialOutputs(opts, targets, logger);

  const controller = new AbortController();
  let why: FetchxError | undefined;
  let downstreamClosed = false;
  let firstFailure: number | undefined;
  // One client per lane: a lane runs its transfers one after another, so its keep-alive connections and
  // its --limit-rate bucket belong to one transfer at a time.
  // Bodies bound for standard output go one after another even with -Z: in parallel they would interleave.
  const toStdout = opts.parallel && urls.length > 1 && targets.includes(null);
  if (toStdout) logger.trace("-Z with bodies on standard output: one transfer at a time, in order");
  const lanes = opts.parallel && !toStdout ? Math.min(opts.parallelMax, urls.length) : 1;
  const settings = clientOptions(opts);
  // A loop, not Array.from: that builtin is JavaScript compiled at its first call, 0.2-0.3 ms (a
  // compiled binary, timestamped), and a download needs it nowhere else.
  const clients: FetchxClient[] = [];
  for (let i = 0; i < lanes; i++) clients.push(new FetchxClient(settings));
  const stop = (err: FetchxError) => {
    why ??= err;
    controller.abort(err);
    for (const c of clients) c.pool.closeAll();
  };
  // What was kept, and how to go on, is said per transfer by reportFailure.
  // The signal is kept for main, which ends the process by it once the run has saved its work.
  const onSignal = (name: NodeJS.Signals) => {
    log.signal ??= name;
    stop(new FetchxError("INTERRUPTED", `interrupted by ${name}`));
  };
  // A signal the parent ignored stays ignored (a script's `fetchx URL &` outlives the script's Ctrl-C, as curl).
  if (!signalIgnored("SIGINT")) process.on("SIGINT", () => onSignal("SIGINT"));
  if (!signalIgnored("SIGTERM")) process.on("SIGTERM", () => onSignal("SIGTERM"));

  // A transfer that is only committing frees its lane, unless -w could then print after a later body on
  // stdout (one transfer after another promises curl's order: body, its -w, next body).
  // Nor when two URLs write one file: the later must not begin its NAME.part before the earlier's rename;
  // nor with -J, whose names come with the answers (two may be one: the later is then refused, as curl's).
  const overlapCommits = (!writeOut || opts.parallel) && !repeated && !(opts.remoteHeaderName && urls.length > 1);
  // Several URLs: their output directories are listed once, and a file none of whose names was there skips
  // its own lookups (cli/listing.ts). One URL looks its names up itself (three calls, no listing).
  const absent = urls.length > 1 ? outputListing() : undefined;
  // --rate: transfer starts at least this far apart (curl: serial transfers only).
  const spacing = opts.parallel ? 0 : opts.rateIntervalMs;
  let nextStart = 0;
  const started = performance.now();
  const results = await runMany(urls.length, { lanes, stopped: () => !!why || downstreamClosed || (opts.failEarly && failed) }, async (index, { lane, free, previous }) => {
    let url = urls.at(index);
    let source: ProgressSource | undefined;
    let result: DownloadResult;
    let failure: FetchxError | undefined;
    let retried: string | undefined;
    let target: string | null | undefined;
    let unshownHeads: (() => string) | undefined;
    if (spacing > 0) {
      const wait = nextStart - performance.now();
      // Ended early by Ctrl-C or --max-time: the transfer then fails at once as interrupted.
      if (wait > 0 && !controller.signal.aborted)
        await new Promise<void>((done) => {
          const timer = setTimeout(done, wait);
          controller.signal.addEventListener("abort", () => (clearTimeout(timer), done()), { once: true });
        });
      nextStart = performance.now() + spacing;
    }
    try {
      // -O's name, found by checkOutputs; named again when the URL as sent differs from the one given
      // (-T FILE to a directory URL) or -o names it (checkOutputs keeps -o's name without --output-dir).
      const named = typeof opts.outputs[index] !== "string" ? targets[index] : undefined;
      const prepared = prepareDownload(opts, url, index, state, named);
      unshownHeads = prepared.unshownHeads;
      target = beforeDownload(opts, prepared.url, index, prepared.url === url ? named : undefined);
      url = prepared.url;
      if (target === "skip") return { url, exitCode: 0, bytes: 0 };
      const output = prepared.options.output;
      // Into the URL's own options object (prepareDownload made it), not a copy of its forty-odd fields.
      result = await clients[lane]!.download(
        url,
        Object.assign(prepared.options, events, {
          outputAbsent: absent !== undefined && typeof output === "string" && !prepared.options.decideOutput && absent(output),
          onRetry: (info: RetryInfo) => {
            retried = info.error.message;
            events.onRetry?.(info);
          },
          // -m is each transfer's (the engine's maxTimeMs, or tryTimeoutMs with --retry), as curl's.
          signal: controller.signal,
          onStart: (s: ProgressSource) => display.start((source = s)),
          onTransferred: overlapCommits ? free : undefined,
        }),
      );
    } catch (thrown) {
      // A closed stdout (fetchx URL | head) ends the run quietly with curl's exit 23.
      failure = thrown instanceof DownstreamClosed || (thrown instanceof FetchxError && thrown.code === why?.code) ? (thrown as FetchxError) : (why ?? asFetchxError(thrown));
      result = (thrown as FetchxError).result ?? newStats(url, opts.head ? "HEAD" : (opts.method ?? "GET"));
      result.exitCode = failure.exitCode;
      result.errorMessage = failure.message;
      const heads = failure instanceof DownstreamClosed ? "" : (unshownHeads?.() ?? "");
      if (heads) state.dump("-", heads); // as -D - writes heads: their bytes, as received
    }
    // curl's %{filename_effective} names the file it was to write, written or not (a transfer that failed,
    // a 304, -C OFFSET's file, which the engine writes as a descriptor it was given).
    if (result.filenameEffective === undefined && typeof target === "string") result.filenameEffective = target;
    await previous;
    if (source) display.finish(source, failure && { exitCode: failure.exitCode, message: failure.message }, result.httpCode);
    if (failure instanceof DownstreamClosed) downstreamClosed = true;
    // --remove-on-error removes what a rerun would resume from.
    else if (failure) reportFailure(logger, failure, source?.snapshot(), urls.length > 1, result.partialKept && !opts.removeOnError ? (result.rangesUnconfirmed ? "try" : "yes") : "no");
    failed ||= !!failure;
    // -Z --fail-early: the first failure stops the transfers still running, as curl's (since 7.79) ends
    // them with 42, and is the run's exit code.
    if (failure && opts.failEarly && firstFailure === undefined) {
      firstFailure = failure.exitCode;
      if (lanes > 1 && !why) stop(new FetchxError("ABORTED", "stopped: another transfer failed, and --fail-early ends them all"));
    }
    afterDownload(opts, result, failure, target, logger, retried);
    if (logger.verbose) for (const line of connectionLines(result)) logger.trace(line);
    if (writeOut) {
      const out = renderWriteOut(writeOut, result, opts.urlnum(index));
      if (out.stdout) stdout.write(out.stdout);
      if (out.stderr) stderr.write(out.stderr);
    }
    return { url, exitCode: failure?.exitCode ?? 0, bytes: result.sizeDownload, httpStatus: result.httpCode };
  });
  // curl goes on when the jar cannot be written (exit 0): the downloads stand.
  try {
    writeCookieJar(opts, state.jar);
  } catch (err) {
    logger.warn(`cannot write the cookie jar ${opts.cookieJar}: ${(err as { code?: string }).code ?? err}`);
  }
  writeHsts(opts, state.hsts, logger);
  // Their connections closed; the clients' own signal is not aborted: nothing listens to it any more, the
  // process exits next, and an abort's first call costs about 50 us.
  for (const c of clients) c.pool.closeAll();
  display.close();
  if (urls.length > 1 && !downstreamClosed) logger.info(summaryLine(results, performance.now() - started));
  return firstFailure ?? results.exitCode;
}

/**
 * -Z: every file's sync holds a thread of Bun's pool for a journal commit, and the pool has one thread per
 * core, so on 2 cores at most two files commit at once while the others wait. Bun reads
 * UV_THREADPOOL_SIZE from libc's environment when its pool first starts (nothing has used it yet here):
 * a thread per lane, at most 16 (they start only when work waits). 400 x 32 KiB, 8 at a time: 459 ->
 * 309 ms (bench/small-files.ts --pool 8). A value the user set is kept.
 */
function widenThreadPool(lanes: number): void {
  if (process.env.UV_THREADPOOL_SIZE !== undefined) return;
  const threads = Math.max(navigator.hardwareConcurrency || 1, Math.min(lanes, 16));
  setEnv("UV_THREADPOOL_SIZE", String(threads));
}

/**
 * The one line a failed transfer leaves (the progress display prints none for it): the error, which
 * transfer when there are several, and where it stopped when bytes were written. A rerun of the same
 * command resumes a file whose journal is there, -C - or not. Only a bug (INTERNAL) shows a stack.
 */
function reportFailure(logger: Logger, failure: FetchxError, snap: ProgressSnapshot | undefined, several: boolean, resumable: "yes" | "try" | "no"): void {
  const name = snap && several ? `${transferName(snap)}: ` : "";
  let where = "";
  if (snap && snap.done > 0) {
    const at = snap.total ? `${formatPercent(snap.done, snap.total)} (${formatBytes(snap.done)} of ${formatBytes(snap.total)})` : formatBytes(snap.done);
    // "try": the bytes and their journal are kept, but the server never said it takes ranges.
    const rerun = resumable === "yes" ? "; run it again to resume" : resumable === "try" ? "; kept: a rerun asks for the rest (the server did not announce ranges)" : "";
    where = ` at ${at}${rerun}`;
  }
  logger.error(`(${failure.exitCode}) ${name}${failure.message}${where}`);
  const cause = failure.cause;
  if (failure.code === "INTERNAL") logger.error(cause instanceof Error ? (cause.stack ?? String(cause)) : String(cause));
}

/** An absolute path without "." or ".." segments or doubled slashes (links are not followed). */
function normalPath(path: string): string {
  const out: string[] = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return `/${out.join("/")}`;
}

/** A "." or ".." segment, a doubled slash or a trailing one: a name that normalPath would change. */
const UNPLAIN = /(?:^|\/)\.\.?(?:\/|$)|\/\/|\/$/;

/**
 * One key per name by its letters: "a", "./a", "d/../a" and "CWD/a" are one. A name under the working
 * directory `under` (ending in "/") is keyed relative to it, any other by its absolute form; a relative
 * name that is already plain is its own key.
 */
function nameKey(given: string, under: string): string {
  const absolute = given.startsWith("/");
  if (!absolute && !UNPLAIN.test(given)) return given;
  const full = normalPath(absolute ? given : under + given);
  return full.startsWith(under) ? full.slice(under.length) : full;
}

/**
 * One key per file. A symbolic link or a bind mount shows one directory under two names ("a" and
 * "link/a", link pointing at "."; "d/link/../a"), so a name's directory, as written, is looked up (once a
 * directory) and known by its device and inode (NUL first: no name starts so); one not there yet
 * (--create-dirs makes it) by its nearest existing parent's and the names below it. A name in the working
 * directory is keyed by its base name; one whose directory cannot be told so (a "." or ".." below what
 * exists) or that ends in "/", "." or ".." by its letters (nameKey).
 */
function fileKeys(): (given: string) => string {
  const under = `${process.cwd()}/`.replace(/^\/\/$/, "/");
  const ids = new Map<string, string | null>(); // a directory as written -> its identity, or null
  const idOf = (dir: string): string | null => {
    let id = ids.get(dir);
    if (id !== undefined) return id;
    const st = statPath(dir, true);
    if (typeof st !== "number") id = `\0${st.dev}:${st.ino}`;
    else {
      const slash = dir.lastIndexOf("/");
      const rest = dir.slice(slash + 1);
      const parent = slash < 0 ? "." : slash === 0 ? "/" : dir.slice(0, slash);
      const up = rest === "" || rest === "." || rest === ".." || parent === dir ? null : idOf(parent);
      id = up === null ? null : `${up}/${rest}`;
    }
    ids.set(dir, id);
    return id;
  };
  return (given) => {
    const slash = given.lastIndexOf("/");
    if (slash < 0 && given !== "." && given !== "..") return given;
    const base = given.slice(slash + 1);
    if (slash < 0 || base === "" || base === "." || base === "..") return nameKey(given, under);
    const id = idOf(slash === 0 ? "/" : given.slice(0, slash));
    if (id === null) return nameKey(given, under);
    return id === idOf(".") ? base : `${id}/${base}`;
  };
}

/**
 * Each URL's output (a file name; null: standard output; undefined: named later, or a URL that fails on
 * its own turn), and whether two of them name one file. The i-th -o or -O names the i-th URL's file (as in
 * curl), the others are -O'd when -O was given (curl: standard output) or go to stdout. Two URLs writing
 * one file: one after another the later replaces the earlier (as curl, with a warning); in parallel they
 * are refused (both would write it at once).
 */
function checkOutputs(opts: Options, urls: UrlList, warn: (m: string) => void): { targets: (string | null | undefined)[]; repeated: boolean } {
  if (urls.length === 0) throw usageError("no URL given (the input file was empty); try fetchx --help");
  // Naming a URL (parse, decode, sanitise) leaves ~1.1 KB of garbage that JavaScriptCore let pile up for
  // the whole loop: 10,000 URLs took 11 MB here before the first transfer. A collection every 1,000: 4 MB.
  const collect = collector(1000);
  const targets: (string | null | undefined)[] = [];
  for (let i = 0; i < urls.length; i++) {
    collect();
    const slot = opts.outputs[i];
    const remote = slot === null || opts.remoteName;
    if (typeof slot === "string") targets.push(slot === "-" ? null : slot);
    else if (!remote || opts.remoteHeaderName) targets.push(remote ? undefined : null); // -J: known later
    else {
      const u = urls.at(i);
      try {
        targets.push(outputPath(opts, () => urlObject(u), undefined, slot));
      } catch {
        targets.push(undefined); // a bad URL fails on its own turn
      }
    }
  }
  if (targets.length < 2) return { targets, repeated: false };
  const fileKey = fileKeys();
  const seen = new KeySet((i) => fileKey(targets[i]!), targets.length);
  const warned = new Set<string>();
  const parallel = opts.parallel && !targets.includes(null); // with stdout in the run, -Z goes one at a time
  let repeated = false;
  for (let i = 0; i < targets.length; i++) {
    const given = targets[i];
    if (!given) continue;
    const t = fileKey(given);
    if (!seen.add(i, t)) continue;
    repeated = true;
    if (sharable(given, parallel)) continue;
    if (parallel) throw usageError(`two URLs would write the same file ${given} at once (-Z): name one of them with -o`);
    if (!warned.has(t)) warn(`several URLs write ${given}: the last one's body stays (as curl)`);
    warned.add(t);
  }
  return { targets, repeated };
}

/**
 * A device takes several URLs' bodies, as in curl (`-o /dev/null URL1 -o /dev/null URL2`); a FIFO or
 * socket only one after another (parallel bodies would interleave in it). Regular files never: the
 * second would replace the first.
 */
function sharable(path: string, parallel: boolean): boolean {
  const st = typeAt(path);
  if (!st || st.isFile() || st.isDirectory()) return false;
  return !parallel || !(st.isFIFO() || st.isSocket());
}

/**
 * --connections writes ranges at their offsets, which only a regular file takes: standard output and
 * devices (/dev/null, a FIFO) are written in order over one connection. Said once, not silently done.
 */
function noteSequentialOutputs(opts: Options, targets: (string | null | undefined)[], logger: Logger): void {
  if (opts.connections <= 1) return;
  const where = targets.includes(null) ? "standard output" : targets.find((t) => t && isSpecialFile(t));
  if (where) logger.warn(`--connections ${opts.connections} ignored: ${where} is written in order, over one connection`);
}

/** -v: what each connection of a transfer did, MPTCP subflows included (curl says nothing of this). */
function connectionLines(stats: DownloadResult): string[] {
  return stats.connections.map((c, i) => {
    const mptcp =
      c.mptcp === "active" ? `MPTCP active, peak ${c.subflows} subflow${c.subflows === 1 ? "" : "s"}`
      : c.mptcp === "fallback" ? "MPTCP asked, server answered plain TCP"
      : "TCP";
    const paths = c.subflowList.map((f) => `${f.local} -> ${f.remote}`).join(", ");
    return `connection ${i + 1}: ${c.local} -> ${c.remote}${c.tls ? " (TLS)" : ""}, ${mptcp}${paths ? `: ${paths}` : ""}`;
  });
}
