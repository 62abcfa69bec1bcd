// The engine's own options: one type for the client (connections, TLS, proxies, shared by every download
// it runs) and one for a download (request, output, resume, segments, retries). Every default lives here,
// documented on its field; the command line maps into these (src/cli/engine-options.ts) as curl's tool
// maps its config into CURLOPT_* (src/config2setopts.c), and a Bun program fills them directly.
import type { HeaderList, ResponseHead } from "../http/types.ts";
import type { ConnectToRule } from "../net/connect-to.ts";
import type { ProxyEnv } from "../net/proxy.ts";
import { USER_AGENT } from "../version.ts";
import type { ChecksumSpec } from "./checksum.ts";
import type { CookieJar } from "../http/cookies.ts";
import type { HstsCache } from "../http/hsts.ts";
import type { ProgressSnapshot, ProgressSource } from "./progress.ts";
import type { ConnectionReport } from "./stats.ts";

/** Options of a client: how connections are made and kept. */
export interface ClientOptions {
  /** Open connections with Multipath TCP (IPPROTO_MPTCP); a kernel without MPTCP is an error (exit 7). @default false */
  mptcp?: boolean;
  /** Only IPv4 (4) or only IPv6 (6) addresses. @default undefined (both, Happy Eyeballs) */
  family?: 4 | 6;
  /** Milliseconds to connect, TLS handshake included (curl's default). @default 300000 */
  connectTimeoutMs?: number;
  /**
   * With several addresses (IPv6 and IPv4), start the next connection attempt after this many
   * milliseconds without an answer (curl's --happy-eyeballs-timeout-ms; RFC 8305's 250). @default 250
   */
  happyEyeballsMs?: number;
  /**
   * No byte for this long is a stall (retried, resumed from where it stopped). It applies to range requests
   * and to bodies that can be resumed by range; a download's first answer is waited for however long the
   * server thinks, and a body that could not be resumed however long it pauses, as curl waits (its
   * --max-time, maxTimeMs, ends those). wget waits 900 s, aria2 60 s. @default 60000
   */
  idleTimeoutMs?: number;
  /** Skip TLS certificate verification (curl -k). @default false */
  insecure?: boolean;
  /** Offer http/1.1 by ALPN in the TLS handshake (curl's --no-alpn: false). @default true */
  alpn?: boolean;
  /** PEM text of the CA certificates to trust instead of the system's. @default undefined */
  ca?: string;
  /**
   * A PEM file of CA certificates to trust (with `ca`), read at the client's first TLS connection, as libcurl
   * reads CURLOPT_CAINFO: missing, unreadable or without a certificate is CA_FILE (exit 77) there, and a
   * client that makes no TLS connection never reads it (curl 7.88: an http:// download ignores --cacert).
   * @default undefined
   */
  caFile?: string;
  /**
   * Accept only a server whose public key is this one (curl --pinnedpubkey): "sha256//BASE64" (several
   * joined by ";") or a file with the key (PEM or DER), read at the first TLS connection. Checked with
   * `insecure` too; a mismatch is PINNED_PUBKEY (curl's exit 90). @default undefined
   */
  pinnedPubKey?: string;
  /** "host:port" -> addresses used instead of DNS (curl --resolve). @default none */
  resolve?: Map<string, string[]>;
  /** curl's --connect-to rules. @default none */
  connectTo?: ConnectToRule[];
  /** Bind to this network device (SO_BINDTODEVICE). @default undefined */
  interface?: string;
  /** Bind the local side to this address. @default undefined */
  localAddress?: string;
  /** Bind the local side to a port of this range, [first, last] (curl --local-port). @default any port */
  localPorts?: [number, number];
  /**
   * Open every connection with a PROXY protocol v1 line (curl --haproxy-protocol): the connection's own
   * addresses and ports, or `clientIp` as both addresses (curl --haproxy-clientip). @default undefined
   */
  haproxy?: { clientIp?: string };
  /** HTTP proxy URL; "" turns proxies off. @default undefined (from `proxyEnv`) */
  proxy?: string;
  /** Hosts, domains and CIDRs that bypass the proxy (curl --noproxy). @default undefined */
  noProxy?: string;
  /** "user:password" for the proxy. @default undefined */
  proxyUser?: string;
  /**
   * How `proxyUser` goes to an HTTP proxy: "basic" at once, or in answer to the proxy's 407 challenge,
   * "digest" (curl --proxy-digest) or "any" (--proxy-anyauth: Digest when offered, else Basic). @default "basic"
   */
  proxyAuthScheme?: "basic" | "digest" | "any";
  /** Tunnel every request through CONNECT, also for http://. @default false */
  proxyTunnel?: boolean;
  /**
   * Headers for an HTTP proxy only (curl --proxy-header): CONNECT's, and a forwarded request's besides the
   * download's own. A name replaces fetchx's header of that name there, an empty value removes it. @default none
   */
  proxyHeaders?: [string, string][];
  /** http_proxy / https_proxy / no_proxy as read from an environment. @default none (the library never reads process.env) */
  proxyEnv?: ProxyEnv;
  /** Bytes per second for all transfers of this client together; 0 = no limit. @default 0 */
  limitRate?: number;
  /** User-Agent sent to servers and proxies; "" sends none. @default "fetchx/VERSION" */
  userAgent?: string;
  /**
   * Network paths to spread range connections over, each connection bound to one (docs/MPTCP.md):
   * "endpoints" = the kernel's own route plus one path per MPTCP `subflow` endpoint (read over netlink);
   * a list = these local addresses or interface names; [] = none. Used when a download has several
   * connections (at least one per path) and the connection is not MPTCP: with MPTCP active the kernel
   * spreads subflows itself. Ignored when `interface` or `localAddress` pins every connection.
   * @default "endpoints" with `mptcp`, else []
   */
  paths?: string[] | "endpoints";
  /** Connect to this Unix domain socket instead of the URL's host (curl --unix-socket); TLS still runs for https. @default undefined */
  unixSocket?: string;
  /** Lowest TLS version: "1.2" or "1.3" (curl --tlsv1.2, --tlsv1.3). @default undefined (the runtime's, 1.2) */
  tlsMin?: "1.2" | "1.3";
  /** Highest TLS version (curl --tls-max); "1.1" leaves none, so every TLS handshake fails (TLS_HANDSHAKE). @default undefined (1.3) */
  tlsMax?: "1.1" | "1.2" | "1.3";
  /** PEM client certificate and its key (curl --cert, --key). @default undefined */
  cert?: string;
  key?: string;
  /**
   * Files with the PEM client certificate and its key (curl --cert, --key; the key may sit in the certificate's
   * file), read at the client's first TLS connection, as libcurl loads them: one that cannot be read, or a
   * certificate with no key, is CLIENT_CERT (exit 58) there, and a client that makes no TLS connection never
   * reads them (curl 7.88: an http:// download ignores --cert). They win over `cert` and `key`. @default undefined
   */
  certFile?: string;
  keyFile?: string;
  /** `certFile`, `keyFile` hold DER (curl --cert-type DER, --key-type DER), not PEM. @default false */
  certDer?: boolean;
  keyDer?: boolean;
  /** The passphrase of an encrypted `key` (curl --pass); a wrong or missing one is CLIENT_CERT (exit 58). @default undefined */
  keyPassword?: string;
  /** TLS 1.2 cipher suites, OpenSSL's names joined by ":" (curl --ciphers); unknown ones are CIPHER (exit 59). @default the runtime's */
  ciphers?: string;
  /**
   * A PEM file of certificate revocation lists (curl --crlfile), read at the first TLS connection: a server
   * certificate it revokes is CERT (exit 60); missing, unreadable or no CRL is CRL_FILE (exit 82). @default undefined
   */
  crlFile?: string;
}

/**
 * A request body: bytes, text (sent as UTF-8), a Blob (`Bun.file(path)` streams a file from disk with its
 * size), a stream of unknown length (sent chunked, and only once: a failure after it started is not
 * retried), or a sequence of these sent one after another (multipart with files read as they are sent:
 * Bun's Blob constructor does not keep a file part lazy).
 */
export type RequestBody = Uint8Array | string | Blob | ReadableStream<Uint8Array> | RequestBody[];

/** Where body bytes go. */
export type Output =
  /** A file: written as NAME.part with a journal beside it, renamed to NAME once complete and verified. */
  | string
  /** A caller's file descriptor, written in order (pipes non-blocking). `{ fd: 1 }` is standard output. */
  | { fd: number }
  /** A caller's stream, written in order; awaited chunk by chunk (backpressure). */
  | WritableStream<Uint8Array>;

/** What `decideOutput` answers once the response head is known. */
export interface OutputDecision {
  output: Output;
  /** Bytes written before the body (curl -i writes the response head there). @default none */
  preamble?: Uint8Array;
  /** Never replace an existing file at `output` (a name the server chose): the commit fails instead. */
  exclusive?: boolean;
}

/** A retry about to happen. */
export interface RetryInfo {
  error: Error & { code?: string; exitCode?: number };
  delayMs: number;
  /** Retries so far in this download, this one included. */
  attempt: number;
  /** The byte the retry resumes at, when a segment is being resumed. */
  resumeAt?: number;
}

/** Bytes an earlier run left that this download keeps (or a finished file it only checked). */
export interface ResumeInfo {
  path: string;
  /**
   * "journal": NAME.part with its journal is resumed; "complete": NAME was already whole; "prefix": NAME
   * was shorter than the server's file and its last bytes matched the server's (a partial file another
   * downloader left): it is now NAME.part and goes on from its end.
   */
  kind: "journal" | "complete" | "prefix";
  /** Resumed without being asked (`resume: false`): a rerun never throws work away. */
  implicit: boolean;
  bytes: number;
}

/** What a trace's bytes were: the request head or body sent, a response header line or body chunk received. */
export type WireKind = "send-header" | "send-data" | "recv-header" | "recv-data";

/** Callbacks of one download; all optional, all synchronous and cheap (never per chunk but onWire). */
export interface DownloadEvents {
  /** Diagnostic lines (curl -v's "*" lines): connections, MPTCP, phases, decisions. */
  onTrace?(line: string): void;
  /** Request (">") and response ("<") header lines as sent and received. */
  onHeaderLine?(direction: ">" | "<", line: string): void;
  /**
   * Every byte: the request head and body as sent, each response header line and body chunk as received
   * (curl --trace). Per chunk, synchronously, with a view the engine reuses after the call: a trace only.
   */
  onWire?(kind: WireKind, bytes: Uint8Array): void;
  /** Something went wrong that the engine handles (starting over, a journal it cannot use). */
  onWarning?(message: string): void;
  onRetry?(info: RetryInfo): void;
  onResume?(info: ResumeInfo): void;
  /** The final response head (after redirects) arrived. */
  onHead?(head: ResponseHead, url: URL): void;
  /**
   * An HTTP proxy's answer to CONNECT, its head's bytes as received, for each tunnel the download opens
   * while it asks for its answer (curl -i, -I and -D show it before the origin's head); not for the range
   * connections of a segmented transfer.
   */
  onProxyAnswer?(head: Uint8Array): void;
  /** Every response head as it arrives: 1xx ones (100 Continue, 103 Early Hints), redirects, retried failures and the final answer (curl -D). */
  onAnswer?(head: ResponseHead, url: URL): void;
  /** The final answer's trailer fields (after a chunked body's last chunk), once all its body was handed on (curl -i and -D show them after it). */
  onTrailers?(trailers: HeaderList): void;
  /** A new connection was made for this download. */
  onConnect?(report: ConnectionReport, dialMs: number): void;
  /** Called once at the start with this download's live progress source (a display polls it). */
  onStart?(source: ProgressSource): void;
  /** A progress snapshot every `progressIntervalMs` while the download runs. */
  onProgress?(snapshot: ProgressSnapshot): void;
  /**
   * Every byte is written and this download's connections are back in its client's pool: what is left
   * (verify, commit: a data sync and the rename) touches only the disk. Someone running downloads in
   * turns on one client can start the next one now, while this one finishes. Called at most once.
   */
  onTransferred?(): void;
}

/** Options of one download. */
export interface DownloadOptions extends DownloadEvents {
  /**
   * Where the body goes when known before the request: a path (resumable), an fd or a stream. Required
   * unless `decideOutput` is given.
   */
  output?: Output;
  /**
   * Decides the output once the final response head is known (curl -J, -i). Takes precedence over
   * `output`; such a download cannot resume or probe for ranges (nothing is known before the answer).
   */
  decideOutput?(head: ResponseHead, url: URL): OutputDecision | Promise<OutputDecision>;
  /** Request method; "HEAD" reads no body. @default "GET" */
  method?: string;
  /**
   * Extra request headers; a name replaces fetchx's own header of that name, an empty value removes it,
   * and a value of spaces only (EMPTY_VALUE, curl's -H "Name;") sends it empty. @default none
   */
  headers?: [string, string][];
  /**
   * The bytes to ask for ("0-99", "100-", "-50": curl's CURLOPT_RANGE), sent as "Range: bytes=RANGE" right
   * after Authorization, where curl writes it; a Range in `headers` replaces it. The answer is the body, as
   * is (no segments, no resume). @default the whole body
   */
  range?: string;
  /** User-Agent of this download ("" sends none). @default the client's `userAgent` */
  userAgent?: string;
  /** Referer header. @default undefined */
  referer?: string;
  /** Each followed redirect sends the URL it came from as Referer (curl -e ";auto"). @default false */
  autoReferer?: boolean;
  /**
   * Credentials (`user`, `bearer`, the caller's Authorization and Cookie headers, `cookie`) go to every
   * host a redirect leads to, not only the first URL's origin: curl's --location-trusted. @default false
   */
  locationTrusted?: boolean;
  /**
   * Keep `method` on a 301, 302 or 303 that would turn it into GET (the body is dropped all the same): curl's
   * -X, which sets the method of every request. @default false (RFC 9110's rule, curl's --follow)
   */
  keepMethod?: boolean;
  /**
   * Whether the body is a POST's, whatever `method` says (curl's request kind: -d, -F and --json post, -T
   * puts): a 301 or 302 drops a POST's body (`-X PUT -d` goes on as PUT without it) and keeps an upload's
   * (`-X POST -T` sends it again). @default method === "POST"
   */
  postBody?: boolean;
  /** Redirect statuses (301, 302, 303) after which a POST is sent again as a POST, body and all (curl --post301, --post302, --post303). @default [] */
  keepPost?: number[];
  /**
   * Sign every request with AWS Signature Version 4 instead of sending `user` as Basic (curl --aws-sigv4
   * "PROVIDER1[:PROVIDER2[:REGION[:SERVICE]]]", e.g. "aws:amz:us-east-1:s3"); `user` is "KEY_ID:SECRET".
   * @default undefined
   */
  awsSigv4?: string;
  /**
   * An HSTS cache (curl --hsts): http:// URLs to its hosts, redirects included, go over https, and each
   * https answer's Strict-Transport-Security updates it. The caller loads and saves it. @default undefined
   */
  hsts?: HstsCache;
  /** Send the URL's path as given: "." and ".." segments are not resolved (curl --path-as-is). A redirect's Location is resolved as always. @default false */
  pathAsIs?: boolean;
  /**
   * The request-target sent instead of the URL's path and query (curl --request-target: "*" for
   * `OPTIONS *`, a path the URL syntax would change), on every request of the download, and as it is to a
   * forwarding proxy. @default the URL's
   */
  requestTarget?: string;
  /**
   * Read each answer's body to the connection's close whatever Content-Length says (curl
   * --ignore-content-length, for servers that send a wrong one): no size is known, so one connection, no
   * resume by ranges, and a cut body cannot be told from a whole one. @default false
   */
  ignoreContentLength?: boolean;
  /** Read the final answer's head only, whatever the method (curl -I with -X METHOD): its body is not read. @default false */
  headOnly?: boolean;
  /** "user:password" for Basic authentication, sent only to the first origin. @default the URL's userinfo */
  user?: string;
  /** Ask for gzip, deflate, br, zstd and decode the body (curl --compressed). @default false */
  compressed?: boolean;
  /** Follow 301/302/303/307/308 (curl -L). @default true */
  followRedirects?: boolean;
  /** Redirects followed at most; -1 = no limit. @default 50 */
  maxRedirects?: number;
  /** An HTTP status >= 400 is an error (exit 22) and nothing is written (curl -f). @default true */
  failOnHttpError?: boolean;
  /**
   * Check an earlier run's state against the server before downloading (curl -C -): resume NAME.part,
   * or find NAME already complete. A NAME.part with its journal is resumed even without this. @default false
   */
  resume?: boolean;
  /** Connections for one file (segments with work stealing); capped at 16 per host. @default 1 */
  connections?: number;
  /** Failures in a row retried with backoff, resuming from the bytes already written. @default 5 */
  retries?: number;
  /** Fixed wait between retries in ms; 0 = exponential backoff with jitter. @default 0 */
  retryDelayMs?: number;
  /** No retry starts after this many ms since the download began; 0 = no limit. @default 0 */
  retryMaxTimeMs?: number;
  /**
   * Each try's limit in ms, as curl's --max-time with --retry: a try still running then is cut with a
   * timeout (exit 28) and retried while `retries` last (at most `retries` cuts, progress or not), resuming
   * from the bytes it has; the retry wait is not counted. A try starts with the download and with each
   * retry. The first answer, range requests and a dial in progress are cut; a body that cannot be resumed
   * (decoded, an error page, a request with a body) and a commit end the download. The whole download's
   * limit is `signal` (AbortSignal.timeout). 0 = none. @default 0
   */
  tryTimeoutMs?: number;
  /**
   * The whole download's limit in ms, retries included (curl's --max-time where curl makes one try): it
   * ends with TIMEOUT (exit 28), and no retry is made whose wait could end after it (the answer in hand,
   * a 503 page, is the answer then). 0 = none. @default 0
   */
  maxTimeMs?: number;
  /**
   * Bytes per second below which a connection counts as stalled (retried, resumed); 0 = off. As curl's
   * --speed-limit it holds while the first answer is awaited too, and for a body that cannot be resumed
   * (a POST's answer, a decoded body, an error page: too slow ends the download). @default 0
   */
  speedLimit?: number;
  /** How long a connection may stay below `speedLimit`. @default 30000 */
  speedTimeMs?: number;
  /** Expected digest; a mismatch keeps the data under NAME.part and fails (exit 32). @default none */
  checksum?: ChecksumSpec;
  /** Reserve the file's full size on disk before writing (fallocate). @default false */
  preallocate?: boolean;
  /** Create missing directories of the output path. @default false */
  createDirs?: boolean;
  /** Stops the download; resumable data is kept. @default none */
  signal?: AbortSignal;
  /**
   * How often the journal is saved (fdatasync, then the journal) while bytes arrive. A fresh transfer's
   * first save comes at the first interval or once 64 KiB of its body are in, whichever is first, so a
   * small download never writes one. @default 2000
   */
  journalIntervalMs?: number;
  /** How often connection speeds are checked (stalls, slow connections) and MPTCP state is read. @default 1000 */
  monitorIntervalMs?: number;
  /** How often `onProgress` is called. @default 1000 */
  progressIntervalMs?: number;
  /**
   * With several paths: a connection that takes this long to connect, or gets no byte for this long while
   * another path delivers, takes its path down (its ranges go to the other paths, no retry is counted);
   * a down path is tried again this often and used again once it connects. @default 3000
   */
  pathTimeoutMs?: number;
  /** Request body (curl -d, -F, -T); redirects with 301/302 from POST and 303 drop it and use GET. @default none */
  body?: RequestBody;
  /** Content-Type sent with `body` (a caller's header of that name wins). @default none */
  contentType?: string;
  /** Bearer token for the Authorization header, sent only to the first origin (curl --oauth2-bearer). @default undefined */
  bearer?: string;
  /**
   * How `user` is sent: "basic" with every request; "digest" only in answer to the server's Digest challenge
   * (curl --digest: the first request goes without, a 401 with the challenge is answered once); "any" answers
   * whichever the server asks for, Digest before Basic (curl --anyauth). @default "basic"
   */
  authScheme?: "basic" | "digest" | "any";
  /** "1.0" sends HTTP/1.0 request lines (curl -0/--http1.0); the answer may still be HTTP/1.1. @default "1.1" */
  httpVersion?: "1.0" | "1.1";
  /**
   * A body sent with Expect: 100-continue (as curl sends an upload's, and a POST's above 1 MiB) waits this
   * long at most for the server's 100 Continue before it goes (curl --expect100-timeout). @default 1000
   */
  expect100TimeoutMs?: number;
  /** Cookies sent with each request and updated from each answer's Set-Cookie, redirects included. @default none */
  cookies?: CookieJar;
  /**
   * "NAME=VALUE; ..." sent to the first origin after the jar's cookies, in the same Cookie header (curl -b
   * NAME=VALUE); a caller's Cookie header replaces it, not the jar's. @default none
   */
  cookie?: string;
  /** Schemes allowed for the URL and redirects (curl --proto; redirects never go to file://). @default ["http", "https", "file"] */
  protocols?: string[];
  /** Schemes allowed for redirects, on top of `protocols` (curl --proto-redir). @default ["http", "https"] */
  redirectProtocols?: string[];
  /** An HTTP status >= 400 is an error (exit 22) after the body was written (curl --fail-with-body). @default false */
  failWithBody?: boolean;
  /** Largest body accepted, in bytes; larger fails with exit 63 (curl --max-filesize). 0 = no limit. @default 0 */
  maxFileSize?: number;
  /**
   * The time condition the request carries (curl -z), checked against the answer's Last-Modified too, as
   * curl does: a server that ignores If-Modified-Since (nginx unless the date is the file's exact one)
   * answers 200, and a file not newer than `time` (ms) is then a 304: its body is not written.
   * `unmodified`: -z -DATE (If-Unmodified-Since), a file not older is not written. @default none
   */
  timeCondition?: { time: number; unmodified: boolean };
  /** Retry every failure, HTTP errors included (curl --retry-all-errors). @default false */
  retryAllErrors?: boolean;
  /** Retry a refused connection before any byte arrived (curl --retry-connrefused). @default false */
  retryConnRefused?: boolean;
  /**
   * The caller asked for these retries (curl's --retry N): a server that never answered (a connection
   * attempt that timed out, a first answer slower than speedLimit) is retried even before any byte came,
   * a request with a body (a POST, an upload) is sent again, and a Retry-After is waited for up to 60 s.
   * Retries not asked for (the default 5) do none of that: a silent host, a failed POST and a long
   * Retry-After (over 10 s) are the answer at once, as without curl's --retry. @default false
   */
  retriesAsked?: boolean;
  /**
   * Nothing else runs on this process's event loop (the fetchx command). Then a download under way alone
   * makes its output lookups, and a small file's create, write, fsync and rename, as plain calls on the
   * event loop: the thread pool would add its start (two threads) and two hand-overs, 0.7 ms and more of
   * a 12 ms download; and small files finished by concurrent downloads are synced together, by one
   * syncfs(2) of their file system on a thread of its own, before their renames (sink/sync-batch.ts). A
   * program that embeds the engine leaves it off: a sync on a busy disk can take long, its event loop would
   * wait, and a syncfs writes back the program's other data too. @default false
   */
  ownsEventLoop?: boolean;
  /**
   * The caller saw a moment ago that nothing is at `output`, `output.part` or `output.fetchx` (the command
   * lists an output directory once for many URLs), so the download skips its own three lookups of them: in
   * -Z runs they were three thread-pool tasks a file, about a seventh of the CPU of 400 small files.
   * Whatever appears there meanwhile is still met safely: NAME.part is created O_EXCL without following a
   * link, and the final rename fails on a directory. @default false
   */
  outputAbsent?: boolean;
}

/** The client options with every default filled in. */
export type ClientSettings = Required<Omit<ClientOptions, ClientOptional>> & Pick<ClientOptions, ClientOptional>;
type ClientOptional = "family" | "ca" | "caFile" | "pinnedPubKey" | "interface" | "localAddress" | "localPorts" | "haproxy" | "proxy" | "noProxy" | "proxyUser" | "proxyHeaders" | "unixSocket" | "tlsMin" | "tlsMax" | "cert" | "key" | "certFile" | "keyFile" | "certDer" | "keyDer" | "keyPassword" | "ciphers" | "crlFile";

/** The paths a client spreads over, its default filled in. */
export const pathsOf = (o: ClientOptions): string[] | "endpoints" => o.paths ?? (o.mptcp ? "endpoints" : []);

export function clientSettings(o: ClientOptions): ClientSettings {
  return {
    ...o,
    mptcp: o.mptcp ?? false,
    connectTimeoutMs: o.connectTimeoutMs ?? 300_000,
    happyEyeballsMs: o.happyEyeballsMs ?? 250,
    alpn: o.alpn ?? true,
    idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
    insecure: o.insecure ?? false,
    resolve: o.resolve ?? new Map(),
    connectTo: o.connectTo ?? [],
    proxyTunnel: o.proxyTunnel ?? false,
    proxyAuthScheme: o.proxyAuthScheme ?? "basic",
    proxyEnv: o.proxyEnv ?? {},
    limitRate: o.limitRate ?? 0,
    userAgent: o.userAgent ?? USER_AGENT,
    paths: pathsOf(o),
  };
}

type Optional = "output" | "range" | "decideOutput" | "timeCondition" | "referer" | "autoReferer" | "locationTrusted" | "keepPost" | "keepMethod" | "postBody" | "pathAsIs" | "requestTarget" | "ignoreContentLength" | "headOnly" | "hsts" | "awsSigv4" | "user" | "checksum" | "signal" | "userAgent" | "body" | "contentType" | "bearer" | "authScheme" | "httpVersion" | "cookies" | "cookie" | keyof DownloadEvents;

/** The download options with every default filled in. */
export type DownloadSettings = Required<Omit<DownloadOptions, Optional>> & Pick<DownloadOptions, Optional>;

export function downloadSettings(o: DownloadOptions): DownloadSettings {
  return {
    ...o,
    method: o.method ?? "GET",
    headers: o.headers ?? [],
    compressed: o.compressed ?? false,
    followRedirects: o.followRedirects ?? true,
    maxRedirects: o.maxRedirects ?? 50,
    failOnHttpError: o.failOnHttpError ?? true,
    resume: o.resume ?? false,
    connections: o.connections ?? 1,
    retries: o.retries ?? 5,
    retryDelayMs: o.retryDelayMs ?? 0,
    retryMaxTimeMs: o.retryMaxTimeMs ?? 0,
    tryTimeoutMs: o.tryTimeoutMs ?? 0,
    speedLimit: o.speedLimit ?? 0,
    speedTimeMs: o.speedTimeMs ?? 30_000,
    preallocate: o.preallocate ?? false,
    createDirs: o.createDirs ?? false,
    journalIntervalMs: o.journalIntervalMs ?? 2000,
    monitorIntervalMs: o.monitorIntervalMs ?? 1000,
    progressIntervalMs: o.progressIntervalMs ?? 1000,
    pathTimeoutMs: o.pathTimeoutMs ?? 3000,
    protocols: o.protocols ?? ["http", "https", "file"],
    redirectProtocols: o.redirectProtocols ?? ["http", "https"],
    failWithBody: o.failWithBody ?? false,
    maxFileSize: o.maxFileSize ?? 0,
    retryAllErrors: o.retryAllErrors ?? false,
    retryConnRefused: o.retryConnRefused ?? false,
    retriesAsked: o.retriesAsked ?? false,
    maxTimeMs: o.maxTimeMs ?? 0,
    ownsEventLoop: o.ownsEventLoop ?? false,
    outputAbsent: o.outputAbsent ?? false,
    expect100TimeoutMs: o.expect100TimeoutMs ?? 1000,
  };
}
