// The one typed options object the CLI produces (curl's OperationConfig). Everything below src/cli reads
// this, never argv.
import { isIP } from "../net/libc.ts";
import { FetchxError, usageError } from "../errors.ts";
import { USER_AGENT } from "../version.ts";
import type { RawArgs } from "./parse.ts";
import { everydayOptions, type EverydayOptions } from "./everyday.ts";
import { compatOptions, type CompatOptions } from "./compat-options.ts";
import { readData } from "./body.ts";
import { isToken } from "../http/chars.ts";
import { EMPTY_VALUE, givenHeader } from "../http/headers.ts";
import { expandGlobs, globUrls, MAX_GLOB_URLS, type OutputSlot } from "./glob.ts";
import { parseChecksum, type ChecksumSpec } from "../transfer/checksum.ts";
import { MAX_PER_HOST } from "../transfer/hostcap.ts";

export type ProgressMode = "bar" | "plain" | "none";

export interface Options extends EverydayOptions, CompatOptions {
  urls: string[];

  // connection
  mptcp: boolean;
  /** --paths: "endpoints" (auto), [] (none), or the named addresses and interfaces; undefined: the engine's default. */
  paths?: string[] | "endpoints";
  family?: 4 | 6;
  connectTimeoutMs: number;
  /** --happy-eyeballs-timeout-ms; undefined: the engine's 250. */
  happyEyeballsMs?: number;
  /** --proto-default: the scheme of a URL given without one (http, https or file). */
  protoDefault?: string;
  /** --no-alpn: no ALPN offered in TLS handshakes. */
  noAlpn: boolean;
  insecure: boolean;
  cacert?: string;
  resolve: Map<string, string[]>;
  interface?: string;
  localAddress?: string;
  proxy?: string;
  noproxy?: string;
  proxytunnel: boolean;

  // request
  method?: string;
  headers: [string, string][];
  userAgent: string;
  /** --proxy-header: for the proxy only (CONNECT, and a forwarded request). */
  proxyHeaders: [string, string][];
  referer?: string;
  /** -e "URL;auto" or ";auto": each followed redirect sends the URL it came from. */
  autoReferer: boolean;
  /** --location-trusted: -u, -H Authorization and Cookie, -b go to every host a redirect reaches. */
  locationTrusted: boolean;
  user?: string;
  compressed: boolean;
  head: boolean;
  followRedirects: boolean;
  /** -X given without --follow: its method stays on 301, 302 and 303 (the body does not), as curl's. */
  keepMethod: boolean;
  maxRedirs: number;

  // output
  /**
   * -o and -O in command-line order: the i-th names the i-th URL's file (curl's pairing), -o's FILE or
   * null for -O. URLs past them go to stdout, or are -O'd when `remoteName`.
   */
  outputs: OutputSlot[];
  /** What reading the options warned of (an -H line curl ignores), said once the run starts (not with -s). */
  warnings: string[];
  /** curl's %{urlnum} of the i-th URL: which URL given it came from (globbing makes several of one). */
  urlnum: (index: number) => number;
  /** -O or --remote-name-all given: the URLs no -o or -O names are named from their URL (curl: -O names one). */
  remoteName: boolean;
  remoteHeaderName: boolean;
  outputDir?: string;
  createDirs: boolean;
  includeHeaders: boolean;

  // transfer (resume, segments, retries, integrity)
  resume: boolean;
  connections: number;
  retries: number;
  /** --retry was given (a rescued transfer then needs no note: the retries were asked for). */
  retryAsked: boolean;
  retryDelayMs: number;
  retryMaxTimeMs: number;
  /** Bytes per second below which a connection counts as stalled (0 = off). */
  speedLimit: number;
  speedTimeMs: number;
  checksum?: ChecksumSpec;
  preallocate: boolean;

  // behaviour
  fail: boolean;
  /** -m: each transfer's limit, its own retries included; with --retry, each try's (engine-options.ts). */
  maxTimeMs: number;
  /** --expect100-timeout: how long a body sent with Expect: 100-continue waits for the 100 (the engine's default when not given). */
  expect100TimeoutMs?: number;
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  /** --trace FILE / --trace-ascii FILE (the last one given): every byte to FILE ("-" stdout, "%" stderr). */
  trace?: { path: string; ascii: boolean };
  /** --trace-time: the time before each -v line and trace entry. */
  traceTime: boolean;
  writeOut?: string;
  progress: ProgressMode;
}



function seconds(raw: RawArgs, name: string): number {
  const v = raw.values.get(name) as string | undefined;
  if (v === undefined) return 0;
  const n = Number(v);
  // As curl's strtod: ".5", "2.", "1e-1" are seconds too.
  if (!/^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v.trim()) || !Number.isFinite(n)) throw usageError(`--${name} wants seconds, got "${v}"`);
  // curl's bound (its milliseconds in a signed 64-bit number); a longer wait than a timer takes is clamped where it is set.
  if (n > 9_223_372_036_854_775) throw usageError(`--${name}: too large a number of seconds, "${v}"`);
  return Math.round(n * 1000);
}

/** --proto-default: a scheme fetchx speaks, lower-cased; another is curl's exit 1 before any request. */
function protoDefault(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const scheme = v.toLowerCase();
  if (scheme !== "http" && scheme !== "https" && scheme !== "file")
    throw new FetchxError("UNSUPPORTED_PROTOCOL", `--proto-default ${v}: not a scheme fetchx speaks (http, https, file)`);
  return scheme;
}

function integer(raw: RawArgs, name: string, fallback: number, min = 0): number {
  const v = raw.values.get(name) as string | undefined;
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v.trim()) || Number(v) < min) throw usageError(`--${name} wants a whole number >= ${min}, got "${v}"`);
  return Number(v);
}

/**
 * The header lines of one -H: the value itself, or with "@FILE" (curl 7.55) the lines of FILE ("-" is
 * standard input), blank ones skipped. A file that cannot be read is an error, not a warning: a request
 * sent without its Authorization header fails later and says less.
 */
function headerLines(value: string): string[] {
  if (!value.startsWith("@")) return [value];
  const text = new TextDecoder().decode(readData(value.slice(1), "-H"));
  return text.split("\n").map((l) => l.replace(/\r$/, "")).filter((l) => l.trim() !== "");
}

/**
 * One -H line as curl reads it: "Name: value", sent as written (spaces and tabs included); "Name:" with
 * nothing but spaces after it removes a header fetchx would send (a Host of spaces is sent, as curl sends
 * it); "Name;" sends the header empty (EMPTY_VALUE). curl sends nothing for any other line (no colon, or
 * text after the semicolon): fetchx warns and leaves it out too.
 */
function parseHeader(line: string, warnings: string[]): [string, string] | null {
  const colon = line.indexOf(":");
  if (colon < 0) {
    if (line.length > 1 && line.endsWith(";") && line.indexOf(";") === line.length - 1) return givenHeader(checkName(line.slice(0, -1).trim()), EMPTY_VALUE, "");
    warnings.push(`-H ${JSON.stringify(line)} is neither "Name: value", "Name:" nor "Name;": not sent (as curl)`);
    return null;
  }
  // No name (": value"): curl sends nothing and goes on; fetchx said exit 2.
  if (colon === 0) {
    warnings.push(`-H ${JSON.stringify(line)} has no name before its colon: not sent (as curl)`);
    return null;
  }
  const name = checkName(line.slice(0, colon).trim());
  const sent = line.slice(colon + 1);
  const value = sent.trim();
  if (value !== "") return givenHeader(name, value, sent);
  // curl 7.88 sends its Host line from any -H Host but a bare "Host:" (lib/http.c, http_host).
  return sent !== "" && name.toLowerCase() === "host" ? givenHeader(name, EMPTY_VALUE, sent) : [name, ""];
}

function headerList(values: string[], warnings: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const v of values) for (const line of headerLines(v)) {
    const h = parseHeader(line, warnings);
    if (h) out.push(h);
  }
  return out;
}

function checkName(name: string): string {
  if (!isToken(name)) throw usageError(`header name "${name}" is not a valid token`);
  return name;
}

function parseResolve(entries: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const given of entries) {
    // curl's "-HOST:PORT" removes an entry from its DNS cache (fetchx keeps none: nothing to do); "+HOST"
    // marks one that may time out (fetchx's last as long as the run).
    if (/^-[^:]+:\d+$/.test(given)) continue;
    const e = given.replace(/^\+/, "");
    // host:port:addr[,addr]; IPv6 addresses may be bracketed.
    const m = e.match(/^(\[[^\]]+\]|[^:]+):(\d+):(.+)$/);
    if (!m || Number(m[2]) > 65535) throw new FetchxError("OPTION_SYNTAX", `--resolve wants HOST:PORT:ADDRESS (a port up to 65535), got "${given}"`);
    const addrs = m[3]!.split(",").map((a) => a.trim().replace(/^\[(.*)\]$/, "$1"));
    // Addresses only, and no IPv6 zone: curl 7.88 refuses both (its exit 49); a zone goes in the URL.
    const bad = addrs.find((a) => a.includes("%") || !isIP(a));
    if (bad !== undefined) throw new FetchxError("OPTION_SYNTAX", `--resolve wants IP addresses${bad.includes("%") ? " without a zone id" : ""}, got "${bad}" in "${e}"`);
    map.set(`${m[1]!.replace(/^\[(.*)\]$/, "$1").toLowerCase()}:${m[2]}`, addrs);
  }
  return map;
}

/**
 * -r as curl reads it: a value that starts with a number and has no dash is that number on: "10" and "10x"
 * ask "bytes=10-" (with curl's warning), and one past 2^63 is refused; anything else goes as written.
 */
function rangeOption(v: string | undefined, warnings: string[]): string | undefined {
  if (v === undefined || !/^\d/.test(v) || v.includes("-")) return v;
  const from = BigInt(/^\d+/.exec(v)![0]);
  if (from > 2n ** 63n - 1n) throw usageError(`option -r: is badly used here ("${v}")`);
  warnings.push("A specified range MUST include at least one dash (-). Appending one for you!");
  return `${from}-`;
}

function atMost(n: number, max: number, name: string): number {
  if (n > max) throw usageError(`--${name} is at most ${max} (per host, as aria2)`);
  return n;
}

function resumeFlag(v: string | undefined): boolean {
  if (v === undefined) return false;
  if (/^\d+$/.test(v)) return false; // an offset: compat-options.ts
  if (v !== "-") throw usageError(`-C/--continue takes "-" (resume from the .part file and its journal) or a byte offset, got "${v}"`);
  return true;
}

/**
 * --max-filesize as curl 7.88 reads it: a whole number of bytes with an optional k, M, G (powers of 1024)
 * or b; a fraction ("1.5M") or a number past 2^63 is refused (exit 2).
 */
export function fileSize(v: string | undefined): number {
  if (v === undefined) return 0;
  const m = /^(\d+)([kmgb])?$/i.exec(v.trim());
  const mult = { "": 1n, b: 1n, k: 1024n, m: 1024n ** 2n, g: 1024n ** 3n }[(m?.[2] ?? "").toLowerCase() as "" | "b" | "k" | "m" | "g"];
  if (!m || BigInt(m[1]!) * mult > 2n ** 63n - 1n) throw usageError(`--max-filesize wants a whole number of bytes (k, M, G: powers of 1024), got "${v}"`);
  return Number(BigInt(m[1]!) * mult);
}

/** "1000", "100k", "2M", "1G" (curl's suffixes, powers of 1024). */
export function byteCount(v: string | undefined): number {
  if (v === undefined) return 0;
  const m = v.trim().match(/^(\d+(?:\.\d+)?)([kmg]?)b?$/i);
  if (!m) throw usageError(`expected a byte count like 500k or 2M, got "${v}"`);
  const mult = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "k" | "m" | "g"];
  return Math.round(Number(m[1]) * mult);
}

/** --paths auto | none | a,b,[2001:db8::1] */
function parsePaths(v: string | undefined): string[] | "endpoints" | undefined {
  if (v === undefined) return undefined;
  if (v === "auto") return "endpoints";
  if (v === "none") return [];
  const list = v.split(",").map((e) => e.trim());
  if (list.some((e) => e === "")) throw usageError(`--paths wants auto, none or a comma-separated list of addresses and interfaces, got "${v}"`);
  return list;
}

/** -e URL, "URL;auto" or ";auto" (curl: the URL first, then each followed redirect's origin URL). */
function refererOption(v: string | undefined): { referer?: string; autoReferer: boolean } {
  if (v === undefined || !v.endsWith(";auto")) return { referer: v, autoReferer: false };
  return { referer: v.slice(0, -";auto".length) || undefined, autoReferer: true };
}

/** The options that name one URL's output, in order: -o FILE, -O, --out-null (curl 8.16: discarded). */
const OUTPUT_SLOTS = new Set(["output", "remote-name", "out-null"]);

/** --trace or --trace-ascii, whichever came last (curl: one replaces the other). */
function traceOption(raw: RawArgs): { path: string; ascii: boolean } | undefined {
  const last = (raw.order ?? []).findLast(([k]) => k === "trace" || k === "trace-ascii");
  if (!last) return undefined;
  if (last[1] === "") throw usageError(`--${last[0]} wants a file name ("-" for standard output, "%" for standard error)`);
  return { path: last[1], ascii: last[0] === "trace-ascii" };
}

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

/** Validated, typed options from the raw argv record and the environment (no I/O but -H @FILE). */
export function toOptions(raw: RawArgs, env: Record<string, string | undefined>): Options {
  const flag = (n: string) => raw.values.get(n) === true;
  const str = (n: string) => raw.values.get(n) as string | undefined;
  const list = (n: string) => (raw.values.get(n) as string[] | undefined) ?? [];

  if (flag("ipv4") && flag("ipv6")) throw usageError("-4 and -6 exclude each other");
  // curl 7.88 refuses both pairs too (exit 2).
  if (flag("fail") && flag("fail-with-body")) throw usageError("--fail and --fail-with-body exclude each other: choose one");
  if (flag("remote-header-name") && flag("include")) throw usageError("-i and -J exclude each other: the heads would go into the file the server names");
  const progress = str("progress") ?? (flag("progress-bar") ? "bar" : flag("no-progress-meter") ? "none" : undefined) ?? (env.FETCHX_PROGRESS || undefined);
  if (progress !== undefined && !["bar", "plain", "none"].includes(progress))
    throw usageError(`--progress wants bar, plain or none, got "${progress}"`);
  const mptcpFlag = raw.values.get("mptcp");
  // curl 7.88: "option -o: is badly used here" (2); an empty name would leave a hidden ".part".
  if (list("output").includes("")) throw usageError('-o wants a file name ("-" for standard output), got ""');
  const outputs = (raw.order ?? []).filter(([k]) => OUTPUT_SLOTS.has(k)).map(([k, v]) => (k === "output" ? v : k === "out-null" ? "/dev/null" : null));
  // curl's "{a,b}" and "[1-10]" in the URLs given here (not in --input-file's, as wget), unless -g.
  const globbed = expandGlobs(raw.positionals, outputs, !flag("globoff"));
  const warnings: string[] = [];

  const options: Options = {
    urls: globbed.urls,
    mptcp: mptcpFlag === undefined ? truthy(env.FETCHX_MPTCP) : mptcpFlag === true,
    paths: parsePaths(str("paths")),
    family: flag("ipv4") ? 4 : flag("ipv6") ? 6 : undefined,
    // curl waits at most 300 s to connect (TLS handshake included) when not told otherwise.
    connectTimeoutMs: seconds(raw, "connect-timeout") || 300_000,
    happyEyeballsMs: raw.values.has("happy-eyeballs-timeout-ms") ? integer(raw, "happy-eyeballs-timeout-ms", 250) : undefined,
    noAlpn: flag("no-alpn"),
    protoDefault: protoDefault(str("proto-default")),
    insecure: flag("insecure"),
    cacert: str("cacert") ?? (env.CURL_CA_BUNDLE || undefined),
    resolve: parseResolve(list("resolve")),
    method: str("request"),
    headers: headerList(list("header"), warnings),
    proxyHeaders: headerList(list("proxy-header"), warnings),
    userAgent: str("user-agent") ?? USER_AGENT,
    ...refererOption(str("referer")),
    user: str("user"),
    compressed: flag("compressed"),
    head: flag("head"),
    // --location-trusted is -L that also sends the credentials to every host it is sent to, as curl.
    followRedirects: flag("location") || flag("follow") || flag("location-trusted"),
    locationTrusted: flag("location-trusted"),
    // curl: -X's method goes with every request, redirects included, unless --follow (curl 8.16).
    keepMethod: str("request") !== undefined && !flag("follow"),
    maxRedirs: integer(raw, "max-redirs", 50, -1),
    outputs: globbed.outputs,
    warnings,
    urlnum: globbed.urlnum,
    remoteName: flag("remote-name") || flag("remote-name-all"),
    remoteHeaderName: flag("remote-header-name"),
    outputDir: str("output-dir"),
    createDirs: flag("create-dirs"),
    includeHeaders: flag("include"),
    resume: resumeFlag(str("continue")),
    connections: atMost(integer(raw, "connections", 1, 1), MAX_PER_HOST, "connections"),
    retries: integer(raw, "retry", 5, 0),
    retryAsked: str("retry") !== undefined,
    retryDelayMs: seconds(raw, "retry-delay"),
    retryMaxTimeMs: seconds(raw, "retry-max-time"),
    speedLimit: byteCount(str("speed-limit")),
    speedTimeMs: str("speed-time") === undefined ? 30_000 : seconds(raw, "speed-time"),
    checksum: str("checksum") === undefined ? undefined : parseChecksum(str("checksum")!),
    preallocate: flag("preallocate"),
    fail: flag("fail"),
    maxTimeMs: seconds(raw, "max-time"),
    expect100TimeoutMs: str("expect100-timeout") === undefined ? undefined : seconds(raw, "expect100-timeout"),
    silent: flag("silent"),
    showError: flag("show-error"),
    verbose: flag("verbose"),
    trace: traceOption(raw),
    traceTime: flag("trace-time"),
    writeOut: str("write-out"),
    progress: (progress as ProgressMode | undefined) ?? "bar",
    ...everydayOptions(raw, env),
    ...compatOptions(raw, fileSize),
  };
  options.range = rangeOption(options.range, warnings);
  // Accepted and changing nothing, but a value curl refuses is refused too (exit 2).
  integer(raw, "keepalive-time", 0);
  return flag("globoff") ? options : withUploadGlobs(options);
}

/**
 * curl's -T with a glob ("-T '{a,b}.txt' URL/", "-T 'img[1-3].png' URL/"): one upload per file, each to
 * the URL it goes with (a URL ending in "/" gets each file's name), in the pattern's order. The i-th -T
 * goes with the i-th URL given, so with every URL its glob stands for: each file to each of them, the
 * file changing slowest, as curl's (the URLs of a glob past the first went without the upload, a GET).
 */
function withUploadGlobs(o: Options): Options {
  if (o.uploads.length === 0 || (o.urls.length === o.uploads.length && !o.uploads.some((u) => u !== "-" && u !== "." && (u.includes("{") || u.includes("["))))) return o;
  const urls: string[] = [];
  const uploads: string[] = [];
  const outputs: OutputSlot[] = [];
  const from: number[] = [];
  // The run's URLs by the URL given that each came from, in order.
  const given = new Map<number, number[]>();
  o.urls.forEach((_, i) => {
    const k = o.urlnum(i);
    const same = given.get(k);
    if (same) same.push(i);
    else given.set(k, [i]);
  });
  for (const [k, runs] of given) {
    const upload = o.uploads[k];
    const files = upload === undefined || upload === "-" || upload === "." ? [upload] : globUrls(upload).map((g) => g.url);
    for (const file of files)
      for (const i of runs) {
        urls.push(o.urls[i]!);
        if (file !== undefined) uploads.push(file);
        if (i < o.outputs.length) outputs.push(o.outputs[i]!);
        from.push(k);
      }
  }
  if (urls.length > MAX_GLOB_URLS) throw new FetchxError("BAD_URL", `the -T files given stand for ${urls.length} uploads: at most ${MAX_GLOB_URLS}`);
  outputs.push(...o.outputs.slice(o.urls.length));
  const extra = o.urls.length - urls.length;
  return { ...o, urls, uploads, outputs, urlnum: (i) => (i < from.length ? from[i]! : o.urlnum(i + extra)) };
}
