// The one place where the command line meets the engine (curl's src/config2setopts.c): the parsed
// Options become the engine's ClientOptions and DownloadOptions, grouped as curl groups its setopts.
// What the engine does not know about stays in the CLI: output naming (-o/-O/-J/--output-dir, through
// the engine's decideOutput hook), header printing (-i/-I) and how events are shown (the logger).
import { nodeFs, nodePath } from "../node-fs.ts";
import { FetchxError } from "../errors.ts";
import { CookieJar } from "../http/cookies.ts";
import { HstsCache } from "../http/hsts.ts";
import { parseCurlDate } from "../http/date.ts";
import { contentLengthOf } from "../http/parser.ts";
import type { ResponseHead } from "../http/types.ts";
import { parseUrl, urlObject } from "../http/url.ts";
import { isTerminal } from "../net/libc.ts";
import { ownFdOf } from "../sink/file.ts";
import { fdSink } from "../sink/sequential.ts";
import { headText, parseContentRange } from "../http/headers.ts";
import type { ClientOptions, DownloadEvents, DownloadOptions, Output } from "../transfer/options.ts";
import { locationOf, statusError } from "../transfer/request.ts";
import type { Logger } from "../ui/log.ts";
import { joinData, joinQuery, requestParts } from "./body.ts";
import { netrcLookup } from "./netrc.ts";
import type { OutputSlot } from "./glob.ts";
import type { Options } from "./options.ts";
import { outputPath } from "./output-name.ts";

/** The size of the file at `path` as -C - reads it: undefined when there is none or it is empty (no offset). */
function sizeAt(path: string | null): number | undefined {
  const size = path === null ? 0 : (nodeFs().statSync(path, { throwIfNoEntry: false })?.size ?? 0);
  return size > 0 ? size : undefined;
}

function readText(path: string, what: string): string {
  try {
    return nodeFs().readFileSync(path, "utf8");
  } catch (err) {
    throw new FetchxError("READ_FILE", `cannot read ${what} ${path}: ${(err as { code?: string }).code ?? err}`, { cause: err });
  }
}

/** Proxies: -x, --noproxy, -U, -p, --proxy-header and the *_proxy environment. */
function proxySetopts(o: Options): ClientOptions {
  return { proxy: o.proxy, noProxy: o.noproxy, proxyUser: o.proxyUser, proxyAuthScheme: o.proxyAuthScheme, proxyTunnel: o.proxytunnel, proxyEnv: o.proxyEnv, proxyHeaders: o.proxyHeaders };
}

/**
 * TLS: -k, --cacert, --capath (the PEM files of the directory under their hash names, as OpenSSL finds
 * them), --cert/--key/--pass, --ciphers, --crlfile, --tlsv1.3, --tls-max. The engine reads --cacert,
 * --cert, --key and --crlfile once a TLS connection's TCP is up (client.ts), as curl's: a missing or
 * garbage one is curl's exit code there, and an http:// download never reads them.
 */
function sslSetopts(o: Options): ClientOptions {
  let ca: string | undefined;
  // A --capath that cannot be listed adds nothing, as curl's (verification then fails, or not, on the rest).
  if (o.capath) {
    let names: string[] = [];
    try {
      names = nodeFs().readdirSync(o.capath);
    } catch {
      // nothing to add
    }
    // OpenSSL looks a CA up in the directory by its subject's hash (c_rehash's HASH.N names): a certificate
    // under another name is never found, so curl does not trust it, and neither does fetchx.
    const pems = names.filter((n) => /^[0-9a-f]{8}\.\d+$/.test(n)).map((n) => nodePath().join(o.capath!, n)).filter((p) => nodeFs().statSync(p, { throwIfNoEntry: false })?.isFile()).map((p) => nodeFs().readFileSync(p, "utf8")).filter((t) => t.includes("-----BEGIN CERTIFICATE-----"));
    if (pems.length > 0) ca = pems.join("\n");
  }
  // --cert and --key are read at the first TLS connection (client.ts), as curl's: not for an http:// URL.
  return { insecure: o.insecure, ca, caFile: o.cacert || undefined, certFile: o.cert || undefined, keyFile: o.key || undefined, certDer: o.certDer, keyDer: o.keyDer, keyPassword: o.keyPassword, ciphers: o.ciphers, crlFile: o.crlFile, tlsMin: o.tlsMin, tlsMax: o.tlsMax, pinnedPubKey: o.pinnedPubKey, alpn: !o.noAlpn };
}

/** Connections: --mptcp, --paths, -4/-6, --connect-timeout, --resolve, --connect-to, --interface, --limit-rate. */
function connectionSetopts(o: Options): ClientOptions {
  return {
    mptcp: o.mptcp,
    paths: o.paths,
    family: o.family,
    connectTimeoutMs: o.connectTimeoutMs || undefined,
    happyEyeballsMs: o.happyEyeballsMs,
    resolve: o.resolve,
    connectTo: o.connectTo,
    interface: o.interface,
    localAddress: o.localAddress,
    localPorts: o.localPorts,
    haproxy: o.haproxy,
    limitRate: o.limitRate,
    userAgent: o.userAgent,
    unixSocket: o.unixSocket,
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
    autoReferer: o.autoReferer,
    locationTrusted: o.locationTrusted,
    keepPost: o.keepPost,
    pathAsIs: o.pathAsIs,
    requestTarget: o.requestTarget,
    ignoreContentLength: o.ignoreContentLength,
    awsSigv4: o.awsSigv4,
    user: o.user,
    compressed: o.compressed,
    followRedirects: o.followRedirects,
    keepMethod: o.keepMethod,
    maxRedirects: o.maxRedirs,
    failOnHttpError: o.fail,
    bearer: o.bearer,
    authScheme: o.authScheme,
    httpVersion: o.http10 ? "1.0" : undefined,
    expect100TimeoutMs: o.expect100TimeoutMs,
    protocols: o.protocols,
    redirectProtocols: o.redirectProtocols,
  };
}

/** The transfer: -C -, --connections, --retry*, --speed-*, --checksum, --preallocate, --create-dirs. */
function transferSetopts(o: Options): DownloadOptions {
  return {
    retryAllErrors: o.retryAllErrors,
    retryConnRefused: o.retryConnRefused,
    retriesAsked: o.retryAsked,
    // curl's -m bounds each try, and curl retries only with --retry; fetchx retries unasked (5 by default),
    // so without --retry -m bounds the transfer and its retries: what `curl -m N` (one try) takes at most.
    maxTimeMs: o.retryAsked ? 0 : o.maxTimeMs,
    tryTimeoutMs: o.retryAsked ? o.maxTimeMs : 0,
    failWithBody: o.failWithBody,
    maxFileSize: o.maxFileSize,
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
    // The command's process does nothing else: a lone download's file calls may block its loop.
    ownsEventLoop: true,
  };
}

/** --no-clobber: NAME, else NAME.1 ... NAME.100 (curl's), the first that does not exist. */
function unclobbered(path: string | null): string | null {
  if (path === null || !nodeFs().existsSync(path)) return path;
  for (let i = 1; i <= 100; i++) if (!nodeFs().existsSync(`${path}.${i}`)) return `${path}.${i}`;
  throw new FetchxError("WRITE", `${path} and ${path}.1 to ${path}.100 exist (--no-clobber)`);
}


export const BINARY_ON_TERMINAL = "binary output can mess up your terminal; use -o FILE or -O to save it (-o - forces it)";

/**
 * Standard output as curl treats it: on a terminal, a body with a NUL byte is refused (exit 23) unless
 * `-o -` asked for it, so binary never lands in the terminal by accident. Checked on every chunk, as
 * curl does; off a terminal, or forced, the engine writes fd 1 itself.
 */
function stdoutOutput(forced: boolean): Output {
  if (forced || !isTerminal(1)) return { fd: 1 };
  const out = fdSink(1);
  return new WritableStream<Uint8Array>({
    write(chunk) {
      if (chunk.includes(0)) throw new FetchxError("WRITE", BINARY_ON_TERMINAL);
      return out.write(chunk);
    },
  });
}

/**
 * A 401 under --digest or --anyauth, or a 407 under --proxy-digest or --proxy-anyauth: a challenge the
 * engine answers with the same request when it can, so its head goes before the answer's (curl -i shows
 * both). When it could not answer, no other head follows it in this transfer.
 */
const challenged = (o: Options, status: number) => (status === 401 && o.authScheme !== "basic") || (status === 407 && o.proxyAuthScheme !== "basic");

/**
 * Where the body goes: a path known now (-o, -O), or decided from the head (-J names the file from
 * Content-Disposition; -i and -I write the heads before the body, every hop's with -L; -C OFFSET appends
 * to the file once the server answered 206). `-o -` and no -o/-O mean stdout. -D FILE gets every head as
 * it arrives.
 */
function outputSetopts(o: Options, url: string, output: OutputSlot | undefined, state: RunState, known: string | null | undefined): DownloadOptions & Unshown {
  // /dev/stdout, /dev/fd/N, /proc/self/fd/N: that descriptor itself, as standard output is written.
  const toOutput = (path: string | null): Output => {
    if (path === null) return stdoutOutput(output === "-");
    const fd = ownFdOf(path);
    return fd === null ? path : { fd };
  };
  const given = () => urlObject(url);
  const named = (head?: ResponseHead, effective?: URL) => {
    const p = known !== undefined && !head ? known : outputPath(o, effective ? () => effective : given, head, output);
    // --no-clobber does not apply to a resume: curl goes on into the file -C names, as without it.
    return o.noClobber && !o.resume && o.resumeFrom === undefined ? unclobbered(p) : p;
  };
  const toStdout = output === "-" || (output === undefined && !o.remoteName);
  // -J names the file from the answer's Content-Disposition where -O would name it.
  const fromHeader = o.remoteHeaderName && typeof output !== "string";
  const dumpToStdout = o.dumpHeader === "-" && toStdout;
  const printHead = o.includeHeaders || o.head || dumpToStdout;
  // Heads since the last final answer: with -L the redirects' heads come first (curl -i -L, -I -L).
  let hops: string[] = [];
  let final = false;
  let shown = false;
  // The heads as received: their text is byte per char (Latin-1), so a UTF-8 value goes out as its own bytes.
  const preamble = () => ((shown = true), printHead ? Buffer.from(hops.join(""), "latin1") : undefined);
  /** A head's text to -D FILE and to the hops shown; `ends` says it is the answer, the hops before it shown with it. */
  const keep = (text: string, ends: boolean) => {
    if (o.dumpHeader !== undefined && !dumpToStdout) state.dump(o.dumpHeader, text);
    if (final) hops = [];
    hops.push(text);
    final = ends;
  };
  const events: DownloadOptions & Unshown = {
    // A transfer that failed after its head came (-f and a 404) never decided its output: curl has
    // printed the head by then (-i, -I, -D -), so the run prints it before the error.
    // So did it the redirects' heads of a run that then failed (--max-redirs exceeded, a hop unreachable).
    unshownHeads: () => (printHead && toStdout && !shown ? hops.join("") : ""),
    onAnswer: (head) => {
      if (o.dumpHeader === undefined && !printHead) return; // no head is shown: not even its text is made
      // A 1xx goes before the answer it announces; so do a redirect that is followed, a 401 or 407 whose
      // challenge is answered, and a 417 before the same request asked again without Expect (curl shows both).
      const before = (o.followRedirects && locationOf(head) !== null) || challenged(o, head.status) || head.status === 417;
      keep(headText(head), head.status >= 200 && !before);
    },
    // curl shows a proxy's answer to CONNECT before the origin's head, as one more hop.
    onProxyAnswer: (head) => {
      if ((o.dumpHeader === undefined && !printHead) || o.suppressConnectHeaders) return;
      keep(Buffer.from(head).toString("latin1"), false);
    },
    // curl shows a chunked body's trailer lines after the body: in -D FILE, and on stdout with -i or -D -
    // (with -i -o FILE curl puts them in FILE; fetchx does not).
    onTrailers: (trailers) => {
      if (o.dumpHeader === undefined && !printHead) return;
      const text = trailers.entries().map(([name, value]) => `${name}: ${value}\r\n`).join("");
      if (o.dumpHeader !== undefined && !dumpToStdout) state.dump(o.dumpHeader, text);
      if (printHead && toStdout) state.dump("-", text);
    },
  };
  // -C - beside -r is curl's -C SIZE: curl's tool takes the file's size as the offset, and -C's Range wins
  // over -r's (an empty or absent file is no offset: -r's range goes, into a fresh file).
  const from = o.resumeFrom ?? (o.resume && o.range !== undefined && !toStdout && !fromHeader ? sizeAt(named()) : undefined);
  if (from !== undefined) {
    if (fromHeader) throw new FetchxError("USAGE", "-C OFFSET appends to a file named now: give -o FILE or -O without -J");
    const path = named();
    return {
      ...events,
      range: `${from}-`,
      decideOutput: (head) => {
        // A 206 must start where the file ends (curl's content_range check), or its bytes land at the wrong offset.
        const starts = head.status === 206 ? parseContentRange(head.headers.get("content-range"))?.start : undefined;
        if ((head.status === 200 || (head.status === 206 && starts !== from)) && from > 0)
          throw new FetchxError("RANGE", `HTTP server doesn't seem to support byte ranges. Cannot resume.${head.status === 206 ? ` (it answered from byte ${starts ?? "?"}, not ${from})` : ""}`);
        // No bytes of the file: a 416 (the offset is at or past its end) or an answer not followed (a
        // redirect without -L, an error page). Its body is never appended: curl ignores a 416's body, and
        // fails with 33 on any other body (22 with --fail-with-body), the file as it was.
        if (head.status >= 300 && head.status !== 304 && !o.head) {
          if (head.status !== 416 && contentLengthOf(head.headers) !== 0) {
            if (o.failWithBody && head.status >= 400) throw statusError(head);
            throw new FetchxError("RANGE", `HTTP server doesn't seem to support byte ranges. Cannot resume. (it answered ${head.status})`);
          }
          return { output: new WritableStream<Uint8Array>(), preamble: preamble() };
        }
        const out: Output = path === null ? { fd: 1 } : { fd: nodeFs().openSync(path, "a") };
        return { output: out, preamble: preamble() };
      },
    };
  }
  if (!printHead && !fromHeader) return { ...events, output: toOutput(named()) };
  if (o.resume && fromHeader) throw new FetchxError("USAGE", "-C - resumes into a file: give -o FILE or -O");
  // -O names the file from the URL given, known now; -J only from the answer.
  const early = fromHeader ? undefined : named();
  return {
    ...events,
    decideOutput: (head, effective) => ({
      output: toOutput(early !== undefined ? early : named(head, effective)),
      preamble: preamble(),
      // A name the server chose (-J) never replaces an existing file (curl: "Refusing to overwrite", 23).
      exclusive: early === undefined && !!o.remoteHeaderName && head.headers.get("content-disposition") !== undefined,
    }),
  };
}

/** What a run reads once for all its URLs: the -d data, cookies, netrc, the ETag to compare, -z. */
export interface RunState {
  /** The -d/--json pieces joined (null without -d). */
  data: Uint8Array | null;
  /** --url-query's pieces joined ("" without it). */
  urlQuery: string;
  /** The cookie engine, with -b files loaded: on with -b FILE or -c. */
  jar?: CookieJar;
  /** -b NAME=VALUE strings, sent as they are. */
  cookieText?: string;
  netrc?: string;
  /** Headers of -z and --etag-compare. */
  conditions: [string, string][];
  /** -z's date, also checked against the answer's Last-Modified (curl's simulated 304). */
  timeCondition?: { time: number; unmodified: boolean };
  /** Appends a head to the -D file (truncated at the run's first write). */
  dump(path: string, text: string): void;
  /** The download options every URL of the run shares (prepareDownload makes them at the first URL). */
  fixed?: DownloadOptions;
  /** --hsts FILE's cache (an empty one when FILE is not there yet, as curl starts it). */
  hsts?: HstsCache;
}

/** -z's value: a date, else a file whose modification time is the date (curl's order), in whole seconds as curl's. */
function timeCondition(spec: string, warn: (m: string) => void): { time: number; unmodified: boolean } | undefined {
  const unmodified = spec.startsWith("-");
  const v = unmodified ? spec.slice(1) : spec;
  let t = parseCurlDate(v) ?? NaN;
  if (Number.isNaN(t)) t = nodeFs().statSync(v, { throwIfNoEntry: false })?.mtimeMs ?? NaN;
  if (Number.isNaN(t)) {
    warn(`Illegal date format for -z, --time-cond (and not a file name). Disabling time condition. See curl_getdate(3) for valid date syntax.`);
    return undefined;
  }
  return { time: Math.floor(t / 1000) * 1000, unmodified };
}

export function prepareRun(o: Options, warn: (m: string) => void): RunState {
  const conditions: [string, string][] = [];
  const timeCond = o.timeCond === undefined ? undefined : timeCondition(o.timeCond, warn);
  if (timeCond) conditions.push([timeCond.unmodified ? "If-Unmodified-Since" : "If-Modified-Since", new Date(timeCond.time).toUTCString()]);
  if (o.etagSave !== undefined && o.etagSave !== "-") {
    // curl opens the --etag-save file before the request: one that cannot be created is its exit 26, nothing
    // sent. Opened to append, so an ETag saved before stays until the answer brings the next one.
    try {
      nodeFs().closeSync(nodeFs().openSync(o.etagSave, "a"));
    } catch (err) {
      throw new FetchxError("READ_FILE", `cannot write --etag-save ${o.etagSave}: ${(err as { code?: string }).code ?? err}`, { cause: err });
    }
  }
  if (o.etagCompare !== undefined) {
    // An empty file: curl 7.88 sends If-None-Match: "" (which matches nothing); one that cannot be read is its
    // exit 26, unless --etag-save is given too: then it is the first run of `--etag-compare F --etag-save F`.
    const missing = o.etagSave !== undefined && !nodeFs().existsSync(o.etagCompare);
    const etag = missing ? "" : readText(o.etagCompare, "--etag-compare").split(/\r?\n/)[0]!.trim();
    conditions.push(["If-None-Match", etag || '""']);
  }
  const texts = o.cookies.filter((c) => c.includes("="));
  const files = o.cookies.filter((c) => !c.includes("="));
  let jar: CookieJar | undefined;
  if (files.length || o.cookieJar !== undefined) {
    jar = new CookieJar();
    // Every -b file in order, "-" being standard input, as curl's; one that does not exist only turns the
    // cookie engine on (curl's -b "" idiom).
    for (const f of files) if (f === "-" || (f !== "" && nodeFs().existsSync(f))) jar.load(f === "-" ? nodeFs().readFileSync(0, "utf8") : readText(f, "-b"), o.junkSessionCookies);
  }
  let netrc: string | undefined;
  if (o.netrc) {
    const path = o.netrcFile ?? nodePath().join(process.env.HOME ?? "", ".netrc");
    if (nodeFs().existsSync(path)) {
      // ~/.netrc that cannot be read is no credentials for -n and --netrc-optional, as curl's; a
      // --netrc-file named is refused (26).
      try {
        netrc = readText(path, "netrc file");
      } catch (err) {
        if (o.netrcFile !== undefined) throw err;
      }
    } else if (o.netrcFile !== undefined) throw new FetchxError("READ_FILE", `cannot read netrc file ${path}: ENOENT`);
  }
  const dumped = new Set<string>();
  const hsts = o.hstsFile === undefined ? undefined : o.hstsFile !== "" && nodeFs().existsSync(o.hstsFile) ? HstsCache.parse(readText(o.hstsFile, "--hsts")) : new HstsCache();
  return {
    hsts,
    data: o.data.length ? joinData(o.data, warn) : null,
    urlQuery: joinQuery(o.urlQuery, warn),
    jar,
    // curl's tool joins the -b pairs with a bare ";".
    cookieText: texts.length ? texts.join(";") : undefined,
    netrc,
    conditions,
    timeCondition: timeCond,
    dump(path, text) {
      // A head's text is byte per char (Latin-1): written back as those bytes, as received (curl -D).
      if (path === "-") return void nodeFs().writeSync(1, Buffer.from(text, "latin1"));
      const fd = nodeFs().openSync(path, dumped.has(path) ? "a" : "w");
      dumped.add(path);
      try {
        nodeFs().writeSync(fd, Buffer.from(text, "latin1"));
      } finally {
        nodeFs().closeSync(fd);
      }
    },
  };
}

/** Whether the URL names a user (a bad URL is reported by its download). */
function userInUrl(url: string): boolean {
  try {
    return parseUrl(url).user !== undefined;
  } catch {
    return false;
  }
}

/** -u, the URL's user, or ~/.netrc (-n: netrc first; --netrc-optional: only without other credentials). */
function credentials(o: Options, url: string, state: RunState): string | undefined {
  if (o.user !== undefined || !state.netrc) return o.user;
  let u: ReturnType<typeof parseUrl>;
  try {
    u = parseUrl(url);
  } catch {
    return undefined; // the download reports the bad URL
  }
  if (o.netrc === "optional" && u.user !== undefined) return undefined;
  const e = netrcLookup(state.netrc, u.host);
  if (!e?.login) return undefined;
  return `${e.login}:${e.password ?? ""}`;
}

/** The logger's view of the engine's events: -v trace and header lines, warnings, retries, resumes. */
export function logEvents(log: Logger): DownloadEvents {
  return {
    onTrace: log.verbose ? (line) => log.trace(line) : undefined,
    onHeaderLine: log.verbose ? (d, line) => log.header(d, line) : undefined,
    onWire: log.wire,
    onWarning: (message) => log.warn(message),
    onRetry: ({ error, delayMs, resumeAt }) =>
      log.warn(`${error.message}; retrying in ${(delayMs / 1000).toFixed(1)} s${resumeAt !== undefined ? ` (resuming at byte ${resumeAt})` : ""}`),
    onResume: ({ path, kind, implicit, bytes }) => {
      if (kind === "complete") log.info(`${path} is already complete`);
      else if (kind === "prefix") log.info(`resuming ${path} from byte ${bytes} (its last bytes match the server's)`);
      else if (implicit) log.info(`resuming ${path} (left by an earlier run; delete it to start over)`);
    },
  };
}

/**
 * One URL's download: the URL as sent (-G and --url-query add to its query, -T to a directory URL adds
 * the file's name) and its options; the i-th -o names the i-th URL's file, the i-th -T is its upload.
 * `named`: the file -O names from the URL given, when the caller has it already (the -Z loop names every
 * URL's file before the first transfer); used only if the URL as sent is the one given.
 */
export function prepareDownload(o: Options, url: string, index: number, state: RunState, named?: string | null): { url: string; options: DownloadOptions } & Unshown {
  if (o.disallowUsername && userInUrl(url)) throw new FetchxError("LOGIN_DENIED", "Login denied: the URL has a user name (--disallow-username-in-url)");
  const parts = requestParts(o, url, index, state.data, state.urlQuery);
  // What no URL changes is made once a run.
  const fixed = (state.fixed ??= { ...requestSetopts(o), ...transferSetopts(o) });
  // curl opens -D FILE as the transfer starts: a transfer nothing answered leaves it there, empty.
  if (o.dumpHeader !== undefined && o.dumpHeader !== "-") state.dump(o.dumpHeader, "");
  // -C with -T resumes the upload (body.ts), not the answer's download.
  const outO = o.uploads[index] !== undefined && (o.resumeFrom !== undefined || o.resume) ? { ...o, resumeFrom: undefined, resume: false } : o;
  // -O names the file from the URL given, not from the one -T added the file's name to (curl names it
  // first): `-T a.txt -O URL/` wrote the answer over a.txt, the file uploaded.
  const namedFrom = o.uploads[index] !== undefined ? url : parts.url;
  const { unshownHeads, ...out } = outputSetopts(outO, namedFrom, o.outputs[index], state, namedFrom === url && typeof o.outputs[index] !== "string" ? named : undefined);
  const headers: [string, string][] = [...parts.headers, ...state.conditions];
  // -C's Range wins over -r's, and so does the user's -H Range (even "Range:", which sends none): curl
  // sends one Range header, the -H one when there is one (fetchx sent both).
  const rangeGiven = o.headers.some(([name]) => name.toLowerCase() === "range");
  const options: DownloadOptions = {
    ...fixed,
    ...out,
    range: rangeGiven ? undefined : (out.range ?? o.range),
    // Ours first: the user's -H of the same name wins (the engine replaces by name, the later one last).
    headers: [...headers, ...(parts.ownTypeUsed ? o.headers.filter(([k]) => k.toLowerCase() !== "content-type") : o.headers), ...(parts.callerHeaders ?? [])],
    // -X wins over -I's HEAD, as curl's; the body is still not read (headOnly).
    method: o.method ?? (o.head ? "HEAD" : (parts.method ?? "GET")),
    headOnly: o.head || undefined,
    timeCondition: state.timeCondition,
    body: parts.body,
    // curl's request kind: -d, -F and --json post (a 301 or 302 drops the body even under -X PUT), -T puts.
    postBody: parts.body !== undefined ? parts.method === "POST" : undefined,
    contentType: parts.contentType,
    cookies: state.jar,
    cookie: state.cookieText,
    hsts: state.hsts,
    user: credentials(o, parts.url, state),
  };
  // -C - into standard output (or an output chosen from the head, -i) has no file to go on from: the
  // whole body, as curl sends it (the engine itself refuses a resume without a path). With -T it is the
  // upload that resumes.
  if (options.resume && (options.decideOutput || typeof options.output !== "string" || outO !== o)) options.resume = false;
  return { url: parts.url, options, unshownHeads };
}

/** The heads a failed transfer received and never showed (outputSetopts). */
interface Unshown {
  unshownHeads?: () => string;
}
