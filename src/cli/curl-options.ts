// curl's command-line options that apply to HTTP(S) transfers, as of curl 8.x (options for FTP, SMTP,
// IMAP, POP3, SCP/SFTP, TFTP, TELNET, DICT, LDAP, MQTT, RTSP, Gopher and SASL are left out). An option
// without a reason is accepted by fetchx: test/unit/curl-options.test.ts checks that each of them is in
// the option table (table.ts) and each refused one is not, so `fetchx help curl` cannot drift from what
// the parser accepts. `since` marks options newer than curl 7.88.
import { BY_NAME, BY_SHORT, OPTIONS } from "./table.ts";

export interface CurlOption {
  name: string;
  short?: string;
  /** Why fetchx refuses it; undefined when fetchx accepts it. */
  why?: string;
  since?: string;
}

const AUTH = "only Basic, Digest (-u, --digest, --anyauth), Bearer (--oauth2-bearer) and AWS Signature V4 (--aws-sigv4) authentication";
const H2 = "fetchx speaks HTTP/1.1 only";
const SOCKS = "SOCKS5 with no authentication or a user name and password only (GSS-API is not supported)";
const PROXY_TLS = "HTTPS proxies are not supported (http:// proxies, CONNECT for https)";
const TLS_KNOB = "the TLS stack (Bun's BoringSSL) is not tuned per option";
const DNS = "name resolution is the system's (use --resolve)";

const T = (name: string, short?: string, why?: string, since?: string): CurlOption => ({ name, short, why, since });

// Built at first use: only `fetchx help curl` and an unknown option read it (about 250 calls and two
// maps that every download would otherwise pay for when the parser is loaded).
const curlOptionList = (): CurlOption[] => [
  T("abstract-unix-socket"), T("alt-svc", undefined, H2), T("anyauth"), T("aws-sigv4"),
  T("basic"), T("ca-native", undefined, undefined, "8.2"), T("cacert"), T("capath"),
  T("cert", "E"), T("cert-status", undefined, TLS_KNOB), T("cert-type"), T("ciphers"),
  T("compressed"), T("config", "K"), T("connect-timeout"), T("connect-to"), T("continue-at", "C"), T("cookie", "b"),
  T("cookie-jar", "c"), T("create-dirs"), T("create-file-mode"), T("crlfile"), T("curves", undefined, TLS_KNOB),
  T("data", "d"), T("data-ascii"), T("data-binary"), T("data-raw"), T("data-urlencode"), T("delegation", undefined, AUTH),
  T("digest"), T("disable", "q"), T("disallow-username-in-url"),
  T("dns-interface", undefined, DNS), T("dns-ipv4-addr", undefined, DNS), T("dns-ipv6-addr", undefined, DNS), T("dns-servers", undefined, DNS),
  T("doh-cert-status", undefined, DNS), T("doh-insecure", undefined, DNS), T("doh-url", undefined, DNS),
  T("dump-ca-embed", undefined, "no embedded CA store of its own", "8.10"), T("dump-header", "D"),
  T("ech", undefined, TLS_KNOB, "8.8"), T("egd-file"), T("engine", undefined, TLS_KNOB),
  T("etag-compare"), T("etag-save"), T("expect100-timeout"),
  T("fail", "f"), T("fail-early"), T("fail-with-body"), T("false-start"), T("follow", undefined, undefined, "8.16"),
  T("form", "F"), T("form-escape"), T("form-string"), T("get", "G"), T("globoff", "g"),
  T("happy-eyeballs-timeout-ms"), T("haproxy-clientip", undefined, undefined, "8.2"),
  T("haproxy-protocol"), T("head", "I"), T("header", "H"), T("help", "h"), T("hsts"),
  T("http0.9", undefined, H2), T("http1.0", "0"), T("http1.1"), T("http2"), T("http2-prior-knowledge"), T("http3", undefined, H2),
  T("http3-only", undefined, H2), T("ignore-content-length"), T("include", "i"), T("insecure", "k"),
  T("interface"), T("ip-tos", undefined, "not implemented", "8.9"), T("ipv4", "4"), T("ipv6", "6"), T("json"),
  T("junk-session-cookies", "j"), T("keepalive-time"), T("key"), T("key-type"),
  T("libcurl", undefined, "fetchx is not libcurl (its engine is a Bun library: import from fetchx)"), T("limit-rate"),
  T("local-port"), T("location", "L"), T("location-trusted"),
  T("manual", "M", "see fetchx --help and fetchx help TOPIC"), T("max-filesize"), T("max-redirs"), T("max-time", "m"),
  T("metalink", undefined, "obsolete (curl dropped it)"), T("mptcp", undefined, undefined, "8.9"), T("negotiate", undefined, AUTH),
  T("netrc", "n"), T("netrc-file"), T("netrc-optional"), T("next", ":"),
  T("no-alpn"), T("no-buffer", "N"), T("no-clobber"), T("no-keepalive"), T("no-npn"),
  T("no-progress-meter"), T("no-sessionid"), T("noproxy"), T("ntlm", undefined, AUTH), T("ntlm-wb", undefined, AUTH),
  T("oauth2-bearer"), T("out-null", undefined, undefined, "8.16"), T("output", "o"), T("output-dir"), T("parallel", "Z"),
  T("parallel-immediate"), T("parallel-max"), T("parallel-max-host", undefined, "at most 16 connections per host, always", "8.16"),
  T("pass"), T("path-as-is"), T("pinnedpubkey"),
  T("post301"), T("post302"), T("post303"),
  T("preproxy", undefined, SOCKS), T("progress-bar", "#"), T("proto"), T("proto-default"),
  T("proto-redir"), T("proxy", "x"), T("proxy-anyauth"), T("proxy-basic"),
  T("proxy-cacert"), T("proxy-capath"), T("proxy-cert", undefined, PROXY_TLS),
  T("proxy-cert-type", undefined, PROXY_TLS), T("proxy-ciphers", undefined, PROXY_TLS), T("proxy-crlfile", undefined, PROXY_TLS),
  T("proxy-digest"), T("proxy-header"), T("proxy-http2", undefined, H2, "8.1"),
  T("proxy-insecure"), T("proxy-key", undefined, PROXY_TLS), T("proxy-key-type", undefined, PROXY_TLS),
  T("proxy-negotiate", undefined, AUTH), T("proxy-ntlm", undefined, AUTH), T("proxy-pass", undefined, PROXY_TLS),
  T("proxy-pinnedpubkey", undefined, PROXY_TLS), T("proxy-service-name", undefined, AUTH), T("proxy-ssl-allow-beast", undefined, PROXY_TLS),
  T("proxy-ssl-auto-client-cert", undefined, PROXY_TLS), T("proxy-tls13-ciphers", undefined, PROXY_TLS), T("proxy-tlsauthtype", undefined, PROXY_TLS),
  T("proxy-tlspassword", undefined, PROXY_TLS), T("proxy-tlsuser", undefined, PROXY_TLS), T("proxy-tlsv1", undefined, PROXY_TLS),
  T("proxy-user", "U"), T("proxy1.0", undefined, H2), T("proxytunnel", "p"), T("random-file"),
  T("range", "r"), T("rate"), T("raw", undefined, "not implemented"),
  T("referer", "e"), T("remote-header-name", "J"), T("remote-name", "O"), T("remote-name-all"), T("remote-time", "R"),
  T("remove-on-error"), T("request", "X"), T("request-target"), T("resolve"), T("retry"),
  T("retry-all-errors"), T("retry-connrefused"), T("retry-delay"), T("retry-max-time"), T("service-name", undefined, AUTH),
  T("show-error", "S"), T("show-headers", undefined, undefined, "8.10"), T("sigalgs", undefined, TLS_KNOB, "8.14"), T("silent", "s"),
  T("skip-existing", undefined, undefined, "8.10"), T("socks4"), T("socks4a"), T("socks5"),
  T("socks5-basic"), T("socks5-gssapi", undefined, SOCKS), T("socks5-gssapi-nec", undefined, SOCKS),
  T("socks5-gssapi-service", undefined, SOCKS), T("socks5-hostname"), T("speed-limit", "Y"), T("speed-time", "y"),
  T("ssl-allow-beast"), T("ssl-auto-client-cert"), T("ssl-no-revoke"),
  T("ssl-revoke-best-effort"), T("ssl-sessions", undefined, TLS_KNOB, "8.12"), T("ssl"), T("ssl-reqd"), T("sslv2", "2"),
  T("sslv3", "3"), T("stderr"), T("styled-output"),
  T("suppress-connect-headers"), T("tcp-fastopen"),
  T("tcp-nodelay"), T("time-cond", "z"), T("tls-earlydata", undefined, TLS_KNOB, "8.11"), T("tls-max"), T("tls13-ciphers", undefined, TLS_KNOB),
  T("tlsauthtype", undefined, TLS_KNOB), T("tlspassword", undefined, TLS_KNOB), T("tlsuser", undefined, TLS_KNOB), T("tlsv1", "1"),
  T("tlsv1.0"), T("tlsv1.1"), T("tlsv1.2"), T("tlsv1.3"), T("tr-encoding", undefined, "not implemented"), T("trace"),
  T("trace-ascii"), T("trace-config", undefined, undefined, "8.3"), T("trace-ids", undefined, undefined, "8.2"),
  T("trace-time"), T("unix-socket"), T("upload-file", "T"), T("url"), T("url-query"), T("user", "u"),
  T("user-agent", "A"), T("variable", undefined, undefined, "8.3"), T("verbose", "v"), T("version", "V"),
  T("vlan-priority", undefined, "not implemented", "8.9"), T("write-out", "w"), T("xattr"),
];

let list: CurlOption[] | undefined;
let byName: Map<string, CurlOption> | undefined;
let byShort: Map<string, CurlOption> | undefined;

/** curl's options for HTTP(S), each with why fetchx refuses it (when it does). */
export const curlOptions = (): CurlOption[] => (list ??= curlOptionList());

/** Why fetchx refuses a curl option (by long name, or short letter), or undefined when it is not one. */
export function refusedCurlOption(name: string, short = false): string | undefined {
  byName ??= new Map(curlOptions().map((o) => [o.name, o]));
  byShort ??= new Map(curlOptions().filter((o) => o.short).map((o) => [o.short!, o]));
  return (short ? byShort : byName).get(name)?.why;
}

/** fetchx's options that curl does not have. */
export const FETCHX_OWN = ["connections", "checksum", "preallocate", "progress", "input-file", "mptcp", "paths"];

/** `fetchx help curl`: what of curl's command line works, and what fetchx's defaults change. */
export function curlHelpText(): string {
  const CURL_OPTIONS = curlOptions();
  const accepted = CURL_OPTIONS.filter((o) => !o.why);
  const refused = CURL_OPTIONS.filter((o) => o.why);
  const flag = (o: { name: string; short?: string }) => `${o.short ? `-${o.short}, ` : ""}--${o.name}`;
  const noops = OPTIONS.filter((o) => o.noop).map((o) => o.name);
  const line = (o: CurlOption) => {
    const spec = BY_NAME.get(o.name) ?? (o.short ? BY_SHORT.get(o.short) : undefined);
    const note = o.why ?? (spec?.noop ? `accepted, changes nothing: ${spec.noop}` : "yes");
    return `  ${flag(o).padEnd(34)} ${note}${o.since ? ` (curl ${o.since})` : ""}`;
  };
  return `fetchx takes curl's option names, exit codes and -w variables: replacing curl with fetchx in a script
that downloads over HTTP(S) should work. Of curl's ${CURL_OPTIONS.length} options for HTTP(S), fetchx accepts ${accepted.length}
(${noops.length} of them change nothing in fetchx) and refuses ${refused.length}, each with the reason below. A refused
option exits 2 naming it, before anything is sent.

Where fetchx's defaults differ from curl's, on purpose:
  retries     transient failures (connection reset, timeout, truncated body, 408, 429, 500, 502, 503, 504) are retried
              5 times with backoff, resuming from the bytes already written. curl retries only with
              --retry N. So some curl failures become a later success: a 503 from a server still
              starting, a health check with --head --fail, a reset in the middle of a large file.
              --retry 0 restores curl's behaviour. When a retry rescued a transfer, fetchx says so on
              stderr (shown with -sS too; not when --retry was given), and %{num_retries} counts the
              retries. These unasked retries never send a request with a body again, never retry a
              server that did not answer at all, and wait for no Retry-After over 10 s. -m bounds a
              transfer with them (no retry starts that could outlast it), as curl's -m bounds its one
              try; with --retry given, -m bounds each try as curl's does, and a try it cuts is retried.
  .part       a download to FILE is written to FILE.part with a journal FILE.fetchx and renamed when
              complete: a failed download never leaves a truncated FILE (curl leaves what arrived).
              A FILE already there keeps its permissions and owner (not its hard links); one
              bind-mounted into a container is written in place once FILE.part is complete.
              --remove-on-error removes the .part and the journal (and never a FILE fetchx did
              not write); -C - resumes from them.
  -C -        resumes from FILE.part and its journal (checked against ETag and size), not from
              whatever FILE holds; -C OFFSET appends to FILE as curl does.
  HTTP        HTTP/1.1 only: --http2 and --http2-prior-knowledge are accepted with a note.
  -O          each -o or -O names the next URL's file, in order, as curl's; the URLs after the last one
              are -O'd too where curl writes them to stdout: fetchx -O URL1 URL2 saves both.
  exit code   with several URLs, the first failing URL's (curl: the last URL's, unless --fail-early),
              so a failure never hides behind a later success.
  @FILE       -H @FILE, -F "NAME=VALUE;headers=@FILE" and --netrc-file FILE that cannot be read
              are exit 26 before anything is sent (curl warns, or not, and sends no header). A -d,
              --data-binary or --json @FILE that cannot be read is an empty body and a warning, as
              curl's.
  -u USER     without ":PASSWORD" sends an empty password (curl asks for one on the terminal).
  names       -O and -J never create a hidden file: leading dots of a name the URL or the server gives
              are dropped (curl keeps them).

Options (curl's name: whether fetchx accepts it):
${CURL_OPTIONS.map(line).join("\n")}

fetchx's own: ${FETCHX_OWN.map((n) => `--${n}`).join(", ")} (fetchx --help).
`;
}
