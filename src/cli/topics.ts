// `fetchx help TOPIC`: short, accurate texts for what a one-line option description cannot say.
import { EXIT_CODES } from "../errors.ts";
import { curlHelpText } from "./curl-options.ts";

const EXIT_MEANINGS: [number, string][] = [
  [0, "success (with several URLs: all of them)"],
  [1, "unsupported protocol (only http://, https:// and file://; http:// and SOCKS proxies), or one --proto leaves out; also a reply whose first line is no HTTP/1.x status line (as curl)"],
  [2, "bad command line (unknown option, bad value, -o with several URLs, ...)"],
  [3, "malformed URL"],
  [5, "could not resolve the HTTP proxy's host name, or the proxy URL does not parse"],
  [6, "could not resolve the host name (or a SOCKS proxy's, as curl)"],
  [7, "could not connect; also --mptcp when the kernel refuses MPTCP (the message gives the fix)"],
  [8, "malformed reply from the server"],
  [18, "the transfer ended early; the .part file and its journal are kept for -C - when the answer named its version (a size, ETag or Last-Modified) to check a resume against, else nothing is kept"],
  [22, "HTTP status >= 400 with -f/--fail (a proxy's answer to CONNECT too)"],
  [23, "write error: disk full, bad path, no file name for -O; a closed stdout pipe ends quietly with 23"],
  [25, "an upload of unknown length under HTTP/1.0: -T - from a pipe with -0 (HTTP/1.0 has no chunked body)"],
  [26, "cannot read a local file (-w @FILE, --input-file, --variable NAME@FILE)"],
  [28, "timeout (-m/--max-time, --connect-timeout, a stalled transfer after its retries)"],
  [32, "--checksum mismatch (the file keeps its .part name)"],
  [33, "the server does not honour ranges where a resume needs them"],
  [35, "TLS handshake failed"],
  [36, "cannot resume (-C -) the partial file"],
  [37, "a file:// URL's file cannot be opened or read"],
  [42, "-Z --fail-early: a transfer still running when another one failed was stopped (the run exits with that failure's code)"],
  [43, "an option value that cannot be used (--aws-sigv4 with an empty provider), or an internal error: a bug in fetchx (the stack is printed; please report it)"],
  [45, "--interface or --local-port cannot be bound (no such device or address, no free port)"],
  [49, "--resolve's entry is not HOST:PORT:ADDRESS[,ADDRESS...]"],
  [47, "too many redirects (--max-redirs)"],
  [52, "empty reply from the server (nothing, or the connection closed inside the status line)"],
  [55, "failed sending data"],
  [56, "failed receiving data: connection reset, malformed chunked framing, or a proxy refused CONNECT (403, 407 authentication; 22 with -f)"],
  [58, "the client certificate cannot be used: a wrong or missing --pass, a --key that is not --cert's"],
  [59, "--ciphers names no cipher suite the TLS stack knows"],
  [60, "the server's certificate is not trusted (see --cacert, -k) or --crlfile revokes it"],
  [61, "bad Content-Encoding with --compressed, or a Transfer-Encoding other than chunked"],
  [63, "the body is larger than --max-filesize"],
  [65, "a 307 or 308 asks to send again an upload read from a pipe (-T -)"],
  [67, "--disallow-username-in-url and a URL with a user name: nothing was sent"],
  [77, "--cacert missing, unreadable or without a certificate"],
  [82, "--crlfile missing, unreadable or without a CRL"],
  [90, "the server's public key is not the one --pinnedpubkey names"],
  [97, "a SOCKS proxy refused the handshake, the credentials or the connection it was asked for"],
  [130, "interrupted by SIGINT (143: SIGTERM); partial data kept when there was any: run the same command again (or with -C -) to resume. As curl, fetchx then dies by the signal: a shell's $? is 128 + its number, and Ctrl-C ends a shell loop of fetchx commands. As PID 1 (a container's entry point) it exits with 130. A signal the parent ignored (a script's background job) is ignored"],
];

function exitCodes(): string {
  // Every code fetchx can exit with has a line (checked against errors.ts, so the list cannot rot).
  const known = new Set(EXIT_MEANINGS.map(([c]) => c));
  const missing = [...new Set(Object.values(EXIT_CODES))].filter((c) => !known.has(c));
  const lines = EXIT_MEANINGS.map(([c, m]) => `  ${String(c).padStart(3)}  ${m}`);
  if (missing.length) lines.push(`  also: ${missing.join(", ")}`);
  return `Exit codes follow curl's where curl has one. Each failure prints one line on stderr,
"fetchx: (CODE) message"; -s hides it, -sS shows it again. With several URLs, the exit code is that of
the first failing URL in command-line order; the others still run.

${lines.join("\n")}
`;
}

export const TOPICS: Record<string, { summary: string; text: () => string }> = {
  mptcp: {
    summary: "Multipath TCP: what --mptcp does, fallback, subflows, doctor",
    text: () => `--mptcp opens IPPROTO_MPTCP sockets (env FETCHX_MPTCP=1 does the same; --no-mptcp overrides).
Every connection uses it: to the server, to a proxy, and each of --connections.

  active     both ends speak MPTCP; the kernel may add subflows over other paths
  fallback   the server answered plain TCP: the transfer goes on over TCP
  off        --mptcp was not asked

A second path is used only if this host has a "subflow" endpoint (ip mptcp endpoint add ADDR dev IFACE
subflow) and the limits allow it (ip mptcp limits set subflow 2), or the server announces addresses.
If the kernel refuses MPTCP (net.mptcp.enabled=0, or no CONFIG_MPTCP), fetchx exits 7 and says how to fix it.

See it:  the progress line shows "MPTCP ×N" (N subflows); -v traces it; -w '%{json}' reports
"mptcp", "mptcp_subflows" and per-connection subflows.  Check the host:  fetchx doctor [--json]

  fetchx --mptcp -O https://example.com/big.iso
  fetchx --mptcp --connections 4 -O https://example.com/big.iso
`,
  },
  resume: {
    summary: "partial files, -C -, the journal, retries and --connections",
    text: () => `A download to FILE is written to FILE.part, with a journal FILE.fetchx listing the bytes that are safely
on disk and the version (size, ETag, Last-Modified) they belong to. Only a complete file (checksum
verified when --checksum is given) is renamed to FILE. After an error, Ctrl-C or a crash:

  fetchx -C - -o FILE URL        continues from FILE.part (Range + If-Range)

Running the same command again without -C - resumes FILE.part too (fetchx says so); delete FILE.part to
start over. -C - also checks an already finished FILE against the server, and goes on from a shorter FILE
that curl or wget left (no FILE.part) once its last 64 KiB match the server's (else it downloads it again).

If the server's file changed (other size or validator), fetchx says so and starts over rather than
splicing two versions. A .part without a usable journal is not trusted. A chunked answer (size unknown
until its end) or one without Accept-Ranges keeps a journal too, when it has a size, ETag or
Last-Modified to check: the rerun asks Range: bytes=N- and appends a 206 (its total gives the size); a
200 to it starts over with one notice. A body decoded with --compressed keeps no journal: its offsets are
the decoded bytes', not the server's, so a rerun starts from byte 0. Transient failures (resets,
timeouts, 408, 429, 500, 502, 503, 504) are retried --retry N times (default 5) with backoff, each retry resuming from the
bytes on disk; --retry-delay fixes the wait, --retry-max-time bounds the total. -m bounds a transfer
with its retries; with --retry given, -m bounds each try (as curl's), and a try it cuts is retried.
--connections N (at most 16 per host) downloads N ranges over N connections, and an idle connection
takes over half of the slowest one's remaining range. The journal format is documented in docs/JOURNAL.md.

  fetchx -C - --connections 4 --retry 10 -O https://example.com/big.iso
`,
  },
  "write-out": {
    summary: "-w/--write-out FORMAT: variables and %{json}",
    text: () => `-w FORMAT prints FORMAT after each transfer (to stdout; %{stderr} switches to stderr). -w @FILE
reads the format from FILE ("@-" from stdin). Escapes: \\n \\t \\r, and %% for a percent sign.

  %{http_code} %{http_version} %{method} %{scheme} %{url} %{url_effective} %{redirect_url}
  %{content_type} %{size_download} %{size_header} %{size_request} %{speed_download}
  %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_redirect} %{time_total}
  %{num_connects} %{num_headers} %{num_redirects} %{num_retries} %{remote_ip} %{remote_port} %{local_ip}
  %{local_port} %{filename_effective} %{exitcode} %{errormsg} %{referer} %{http_connect}
  %{ssl_verify_result} %{proxy_used} %{conn_id} %{xfer_id} %{url.NAME} %{urle.NAME} (NAME: scheme,
  user, password, host, port, path, query, fragment, zoneid) %{curl_version}
  %{mptcp} %{mptcp_subflows} %{connections}   (fetchx's own: MPTCP state and per-connection detail)
  %header{NAME}  one response header      %{header_json}  all response headers
  %{json}        curl 7.88's variables (its order), num_retries and fetchx's own, as one JSON object

  fetchx -sS -o /dev/null -w '%{http_code} %{speed_download} %{mptcp}\\n' URL
  fetchx -sS -o f.iso -w '%{json}' URL | jq .connections
`,
  },
  "exit-codes": { summary: "what each exit code means", text: exitCodes },
  curl: { summary: "curl's options: which fetchx accepts, and where its defaults differ", text: curlHelpText },
  proxies: {
    summary: "HTTP and SOCKS proxies: -x, environment variables, no_proxy, CONNECT, auth",
    text: () => `fetchx speaks to HTTP proxies (http://[USER:PASS@]HOST[:PORT]) and SOCKS proxies (socks4://,
socks4a://, socks5://, socks5h://); the port defaults to 1080.

Which proxy:  -x/--proxy URL, else the environment:
  http_proxy            for http:// URLs (never HTTP_PROXY, as curl: in a CGI program the client sets it)
  https_proxy, HTTPS_PROXY   for https:// URLs
  all_proxy, ALL_PROXY  for both, when the specific one is not set
  Lower case wins over upper case. -x "" turns proxies off; so does --unix-socket (any proxy).
Which hosts go direct:  --noproxy LIST, else no_proxy / NO_PROXY: comma-separated host names (a name
also covers its subdomains; a leading dot is allowed), IP addresses, CIDR ranges (10.0.0.0/8), or "*"
alone for every host. An entry with a port (host:443) matches nothing, as in curl.

How:  http:// URLs are sent to the proxy as "GET http://host/path"; https:// URLs, and http:// with
-p/--proxytunnel, go through a CONNECT tunnel, and TLS runs end to end inside it (the origin's
certificate is checked as usual). The connection to the proxy is made like any other: --mptcp, -4/-6,
--interface and --connect-timeout apply to it.
SOCKS:  every URL goes through the proxy's tunnel. socks5h:// and socks4a:// (--socks5-hostname,
--socks4a HOST[:PORT]) hand the host name to the proxy, which resolves it; socks5:// and socks4://
(--socks5, --socks4) resolve it here and send the address (SOCKS4: IPv4 only). SOCKS5 credentials are
sent as user and password (RFC 1929). A later -x or --socks* option replaces an earlier one.
Credentials:  from the proxy URL, else -U/--proxy-user USER:PASS (USER alone sends an empty password);
never sent to the origin. Basic by default; --proxy-digest answers an HTTP proxy's 407 Digest challenge
(the request that draws it goes without its body, as curl), --proxy-anyauth takes Digest when the proxy
offers it, else Basic. The challenge is kept for the following requests, forwarded or CONNECT.
--connect-to that sends a URL elsewhere makes an HTTP proxy tunnel (CONNECT to the new HOST:PORT), as curl.
Failures:  an HTTP proxy that does not resolve exits 5 (a SOCKS proxy: 6); a refused CONNECT (403, 407)
exits 56 with the status (22 with -f); a SOCKS proxy that refuses the handshake, the credentials or the
connection exits 97, as curl.

  fetchx -x http://proxy.lan:3128 -O https://example.com/f.iso
  https_proxy=http://u:p@proxy.lan:3128 no_proxy=.lan,10.0.0.0/8 fetchx -O https://example.com/f.iso
  fetchx --socks5-hostname localhost:1080 -O https://example.com/f.iso      # ssh -D 1080 host
`,
  },
};

/** The text for `fetchx help [TOPIC]`; undefined for an unknown topic. */
export function topicText(name: string | undefined): string | undefined {
  if (name === undefined) {
    const list = Object.entries(TOPICS).map(([k, t]) => `  ${k.padEnd(12)} ${t.summary}`);
    return `Usage: fetchx help TOPIC\n\nTopics:\n${list.join("\n")}\n\nfetchx --help all lists every option; fetchx help GROUP the options of one group.\n`;
  }
  return TOPICS[name]?.text();
}
