// The one place where the command line meets the engine (curl's src/config2setopts.c): the parsed
// Options become the engine's ClientOptions and DownloadOptions, grouped as curl groups its setopts.
// What the engine does not know about stays in the CLI: output naming (-o/-O/-J/--output-dir, through
// the engine's decideOutput hook), header printing (-i/-I) and how events are shown (the logger).
import { readFileSync } from "node:fs";
import { FetchxError } from "../errors.ts";
import { parseUrl } from "../http/url.ts";
import { fdSink } from "../sink/sequential.ts";
import { headText } from "../transfer/request.ts";
import type { ClientOptions, DownloadEvents, DownloadOptions, Output } from "../transfer/options.ts";
import type { Logger } from "../ui/log.ts";
import type { Options } from "./options.ts";
import { outputPath } from "./output-name.ts";

/** Proxies: -x, --noproxy, -U, -p and the *_proxy environment. */
function proxySetopts(o: Options): ClientOptions {
  return { proxy: o.proxy, noProxy: o.noproxy, proxyUser: o.proxyUser, proxyTunnel: o.proxytunnel, proxyEnv: o.proxyEnv };
}

/** TLS: -k and --cacert (read here, so a missing file is curl's exit 77-like READ_FILE before any dial). */
function sslSetopts(o: Options): ClientOptions {
  let ca: string | undefined;
  if (o.cacert) {
    try {
      ca = readFileSync(o.cacert, "utf8");
    } catch (err) {
      throw new FetchxError("READ_FILE", `cannot read --cacert ${o.cacert}: ${(err as { code?: string }).code ?? err}`);
    }
  }
  return { insecure: o.insecure, ca };
}

/** Connections: --mptcp, -4/-6, --connect-timeout, --resolve, --connect-to, --interface, --limit-rate. */
function connectionSetopts(o: Options): ClientOptions {
  return {
    mptcp: o.mptcp,
    family: o.family,
    connectTimeoutMs: o.connectTimeoutMs || undefined,
    resolve: o.resolve,
    connectTo: o.connectTo,
    interface: o.interface,
    localAddress: o.localAddress,
    limitRate: o.limitRate,
    userAgent: o.userAgent,
  };
}

export function clientOptions(o: Options): ClientOptions {
  return { ...connectionSetopts(o), ...sslSetopts(o), ...proxySetopts(o) };
}

/** The request: -X, -I, -H, -A, -e, -u, --compressed, -L, --max-redirs, -f. */
function requestSetopts(o: Options): DownloadOptions {
  return {
    method: o.head ? "HEAD" : (o.method ?? "GET"),
    headers: o.headers,
    userAgent: o.userAgent,
    referer: o.referer,
    user: o.user,
    compressed: o.compressed,
    followRedirects: o.followRedirects,
    maxRedirects: o.maxRedirs,
    failOnHttpError: o.fail,
  };
}

/** The transfer: -C -, --connections, --retry*, --speed-*, --checksum, --preallocate, --create-dirs. */
function transferSetopts(o: Options): DownloadOptions {
  return {
    resume: o.resume,
    connections: o.connections,
    retries: o.retries,
    retryDelayMs: o.retryDelayMs,
    retryMaxTimeMs: o.retryMaxTimeMs,
    speedLimit: o.speedLimit,
    speedTimeMs: o.speedTimeMs,
    checksum: o.checksum,
    preallocate: o.preallocate,
    createDirs: o.createDirs,
  };
}

export const BINARY_ON_TERMINAL = "binary output can mess up your terminal; use -o FILE or -O to save it (-o - forces it)";

/**
 * Standard output as curl treats it: on a terminal, a body with a NUL byte is refused (exit 23) unless
 * `-o -` asked for it, so binary never lands in the terminal by accident. Checked on every chunk, as
 * curl does; off a terminal, or forced, the engine writes fd 1 itself.
 */
function stdoutOutput(forced: boolean): Output {
  if (forced || !process.stdout.isTTY) return { fd: 1 };
  const out = fdSink(1);
  return new WritableStream<Uint8Array>({
    write(chunk) {
      if (chunk.includes(0)) throw new FetchxError("WRITE", BINARY_ON_TERMINAL);
      return out.write(chunk);
    },
  });
}

/**
 * Where the body goes: a path known now (-o, -O), or decided from the head (-J names the file from
 * Content-Disposition; -i and -I write the head before the body). `-o -` and no -o/-O mean stdout.
 */
function outputSetopts(o: Options, url: string, output: string | undefined): DownloadOptions {
  const toOutput = (path: string | null): Output => path ?? stdoutOutput(output === "-");
  const printHead = o.includeHeaders || o.head;
  const given = () => parseUrl(url).url;
  if (!printHead && !(o.remoteHeaderName && output === undefined)) return { output: toOutput(outputPath(o, given, undefined, output)) };
  if (o.resume && o.remoteHeaderName && output === undefined) throw new FetchxError("USAGE", "-C - resumes into a file: give -o FILE or -O");
  // -O names the file from the URL given, known now; -J only from the answer.
  const early = o.remoteHeaderName && output === undefined ? undefined : outputPath(o, given, undefined, output);
  return {
    decideOutput: (head, effective) => ({
      output: toOutput(early !== undefined ? early : outputPath(o, () => effective, head, output)),
      preamble: printHead ? new TextEncoder().encode(headText(head)) : undefined,
    }),
  };
}

/** The logger's view of the engine's events: -v trace and header lines, warnings, retries, resumes. */
export function logEvents(log: Logger): DownloadEvents {
  return {
    onTrace: log.verbose ? (line) => log.trace(line) : undefined,
    onHeaderLine: log.verbose ? (d, line) => log.header(d, line) : undefined,
    onWarning: (message) => log.warn(message),
    onRetry: ({ error, delayMs, resumeAt }) =>
      log.warn(`${error.message}; retrying in ${(delayMs / 1000).toFixed(1)} s${resumeAt !== undefined ? ` (resuming at byte ${resumeAt})` : ""}`),
    onResume: ({ path, kind, implicit }) => {
      if (kind === "complete") log.info(`${path} is already complete`);
      else if (implicit) log.info(`resuming ${path} (left by an earlier run; delete it to start over)`);
    },
  };
}

/** One URL's download options: the i-th -o names the i-th URL's file. */
export function downloadOptions(o: Options, url: string, output: string | undefined): DownloadOptions {
  return { ...requestSetopts(o), ...transferSetopts(o), ...outputSetopts(o, url, output) };
}
