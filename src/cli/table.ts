// The one option table. The argv parser (parse.ts), --help, citty's command definition and the shell
// completions are all derived from it, so an option is declared exactly once.

export type OptionKind = "flag" | "string" | "list";

export type Group = "basic" | "output" | "connection" | "proxy" | "mptcp" | "request" | "body" | "auth" | "tls" | "transfer" | "reporting";

export interface OptionSpec {
  /** Long name without dashes; also the key in the parsed record. */
  name: string;
  short?: string;
  kind: OptionKind;
  group: Group;
  description: string;
  /** Placeholder shown in help, e.g. FILE. */
  hint?: string;
  /** Flags that accept --no-NAME. */
  negatable?: boolean;
  /** Other long names for the same option (curl's name where fetchx's differs). */
  aliases?: string[];
  /** Accepted for curl command lines and changes nothing in fetchx; says why (fetchx help curl). */
  noop?: string;
  /** Listed by the short `fetchx --help` (curl's "important" category); every option is in `--help all`. */
  important?: boolean;
}

export const GROUP_TITLES: Record<Group, string> = {
  basic: "Basics",
  output: "Output",
  connection: "Connection",
  proxy: "Proxies",
  mptcp: "Multipath TCP",
  request: "Request",
  body: "Request body and upload",
  auth: "Authentication and cookies",
  tls: "TLS",
  transfer: "Transfer",
  reporting: "Reporting",
};

/** Why the options of an HTTPS proxy's certificate change nothing. */
const HTTPS_PROXY_ONLY = "only an HTTPS proxy's certificate is checked (fetchx refuses https:// proxies)";

export const OPTIONS: OptionSpec[] = [
  { name: "help", short: "h", kind: "flag", group: "basic", description: "show this help (fetchx help TOPIC for more)", important: true },
  { name: "version", short: "V", kind: "flag", group: "basic", description: "print version, commit and Bun version", important: true },
  { name: "config", short: "K", kind: "list", group: "basic", hint: "FILE", description: "read options from FILE, curlrc syntax ('-' = stdin); ~/.fetchxrc is read first unless -q" },
  { name: "disable", short: "q", kind: "flag", group: "basic", description: "as the first option: do not read ~/.fetchxrc" },
  { name: "next", short: ":", kind: "flag", group: "basic", description: "start another group of URLs with options of its own (curl's; global ones such as -v, -Z, -S stay)" },
  { name: "url", kind: "list", group: "basic", hint: "URL", description: "a URL to download (as a plain argument; handy in -K files)" },
  { name: "variable", kind: "list", group: "basic", hint: "[%]NAME=TEXT|NAME@FILE", description: "set NAME for the {{NAME}} of an option written --expand-OPTION (%NAME: from the environment; @- reads stdin; {{NAME:trim:json:url:b64:64dec}} applies functions; curl 8.3)" },
  { name: "globoff", short: "g", kind: "flag", group: "basic", description: "send {} and [] in URLs as they are: no {a,b} sets, no [1-10] ranges" },

  { name: "output", short: "o", kind: "list", group: "output", hint: "FILE", description: "write to FILE instead of stdout (repeat: one per URL, in order)", important: true },
  { name: "remote-name", short: "O", kind: "flag", group: "output", description: "name the file after the URL's last path segment (each -o or -O names the next URL; the URLs after the last are -O too)", important: true },
  { name: "remote-name-all", kind: "flag", group: "output", description: "-O for every URL no -o names" },
  { name: "out-null", kind: "flag", group: "output", description: "discard the next URL's body (as -o /dev/null; curl 8.16)" },
  { name: "remote-header-name", short: "J", kind: "flag", group: "output", description: "with -O, take the name from Content-Disposition (sanitised)" },
  { name: "output-dir", kind: "string", group: "output", hint: "DIR", description: "directory for -o/-O files" },
  { name: "create-dirs", kind: "flag", group: "output", description: "create missing directories of the output path" },
  { name: "include", short: "i", kind: "flag", group: "output", aliases: ["show-headers"], description: "include response headers in the output (every hop's with -L)" },
  { name: "dump-header", short: "D", kind: "string", group: "output", hint: "FILE", description: "write every response's headers to FILE ('-' = stdout)" },
  { name: "remove-on-error", kind: "flag", group: "output", description: "remove the output file (and its .part and journal) when the transfer fails" },
  { name: "no-clobber", kind: "flag", group: "output", description: "never overwrite a file: write NAME.1, NAME.2, ... instead" },
  { name: "skip-existing", kind: "flag", group: "output", description: "do not download when the output file already exists (exit 0)" },
  { name: "remote-time", short: "R", kind: "flag", group: "output", description: "give the file the server's Last-Modified time" },
  { name: "xattr", kind: "flag", group: "output", description: "store the URL and Content-Type in the file's extended attributes (user.xdg.origin.url, user.mime_type)" },
  { name: "create-file-mode", kind: "string", group: "output", hint: "MODE", description: "octal permissions of created files (default 0644 before umask)" },
  { name: "max-filesize", kind: "string", group: "output", hint: "BYTES", description: "refuse bodies larger than BYTES (k, M, G suffixes): exit 63" },
  { name: "range", short: "r", kind: "string", group: "output", hint: "RANGE", description: "ask for these bytes only (e.g. 0-499, 500-, -500); the answer is written as it comes" },
  { name: "etag-save", kind: "string", group: "output", hint: "FILE", description: "save the response's ETag in FILE" },
  { name: "etag-compare", kind: "string", group: "output", hint: "FILE", description: "send If-None-Match with the ETag saved in FILE (304: nothing is written)" },
  { name: "no-buffer", short: "N", kind: "flag", group: "output", description: "accepted for curl: fetchx writes bytes as they arrive", noop: "fetchx never buffers output" },

  { name: "mptcp", kind: "flag", group: "mptcp", negatable: true, description: "connect with Multipath TCP (falls back to TCP if the server lacks it; env FETCHX_MPTCP=1)", important: true },
  { name: "paths", kind: "string", group: "mptcp", hint: "auto|none|LIST", description: "spread range connections over these paths, one bound to each: local addresses or interface names, comma-separated; auto = the kernel's route plus the MPTCP subflow endpoints (default with --mptcp, used when the server answers without MPTCP)" },

  { name: "ipv4", short: "4", kind: "flag", group: "connection", description: "resolve and connect over IPv4 only" },
  { name: "ipv6", short: "6", kind: "flag", group: "connection", description: "resolve and connect over IPv6 only" },
  { name: "unix-socket", kind: "string", group: "connection", hint: "PATH", description: "connect through this Unix domain socket (the Docker API: --unix-socket /var/run/docker.sock)" },
  { name: "abstract-unix-socket", kind: "string", group: "connection", hint: "NAME", description: "connect through this abstract Unix socket (Linux)" },
  { name: "http1.1", kind: "flag", group: "connection", description: "use HTTP/1.1 (what fetchx speaks unless -0)", noop: "fetchx speaks HTTP/1.1 unless -0" },
  { name: "http1.0", short: "0", kind: "flag", group: "connection", description: "send HTTP/1.0 requests (no chunked upload; the server may close after each answer)" },
  { name: "http2", kind: "flag", group: "connection", description: "accepted with a note: fetchx speaks HTTP/1.1" },
  { name: "http2-prior-knowledge", kind: "flag", group: "connection", description: "accepted with a note: fetchx speaks HTTP/1.1" },
  { name: "proto", kind: "string", group: "connection", hint: "PROTOCOLS", description: "allowed schemes, curl's syntax: '=https', '-all,+https', 'https'" },
  { name: "proto-redir", kind: "string", group: "connection", hint: "PROTOCOLS", description: "allowed schemes for redirects (also limited by --proto)" },
  { name: "proto-default", kind: "string", group: "connection", hint: "SCHEME", description: "the scheme of a URL given without one (default http)" },
  { name: "tcp-nodelay", kind: "flag", group: "connection", description: "accepted for curl: fetchx sends without delay", noop: "fetchx writes whole requests at once" },
  { name: "tcp-fastopen", kind: "flag", group: "connection", description: "accepted for curl: fetchx connects without TCP Fast Open", noop: "fetchx connects without TCP Fast Open (a hint: nothing else changes)" },
  { name: "expect100-timeout", kind: "string", group: "connection", hint: "SECONDS", description: "how long a body sent with Expect: 100-continue waits for the 100 (default 1)" },
  { name: "no-keepalive", kind: "flag", group: "connection", description: "accepted for curl (TCP keepalive probes)", noop: "fetchx's idle timeout ends dead connections" },
  { name: "keepalive-time", kind: "string", group: "connection", hint: "SECONDS", description: "accepted for curl (TCP keepalive probes)", noop: "fetchx's idle timeout ends dead connections" },
  { name: "connect-timeout", kind: "string", group: "connection", hint: "SECONDS", description: "give up connecting after SECONDS (fractions allowed)" },
  { name: "resolve", kind: "list", group: "connection", hint: "HOST:PORT:ADDR[,ADDR]", description: "use ADDR for HOST:PORT instead of DNS" },
  { name: "connect-to", kind: "list", group: "connection", hint: "HOST1:PORT1:HOST2:PORT2", description: "connect to HOST2:PORT2 for requests to HOST1:PORT1 (empty parts match any / keep)" },
  { name: "interface", kind: "string", group: "connection", hint: "NAME|ADDR", description: "send from this interface (SO_BINDTODEVICE) or local address (bind)" },
  { name: "local-port", kind: "string", group: "connection", hint: "N[-M]", description: "connect from local port N, or the first free one of N-M" },
  { name: "haproxy-protocol", kind: "flag", group: "connection", description: "start each connection with a PROXY protocol v1 line (HAProxy's; before TLS)" },
  { name: "haproxy-clientip", kind: "string", group: "connection", hint: "IP", description: "the client address of the PROXY line (implies --haproxy-protocol; curl 8.2)" },
  { name: "happy-eyeballs-timeout-ms", kind: "string", group: "connection", hint: "MS", description: "with IPv6 and IPv4 addresses, try the next address after MS milliseconds (default 250, RFC 8305's)" },

  { name: "proxy", short: "x", kind: "string", group: "proxy", hint: "URL", description: "use this proxy [SCHEME://][USER:PASS@]HOST[:PORT], SCHEME http (default), socks4, socks4a, socks5 or socks5h (overrides http_proxy, https_proxy, all_proxy)", important: true },
  // Only an HTTPS proxy reads these, and fetchx refuses https:// proxies (exit 1): scripts pass them for
  // every proxy, and curl 7.88 ignores them for an http:// one. --proxy-cert and --proxy-key, which only a
  // user of an HTTPS proxy gives, stay refused.
  { name: "proxy-insecure", kind: "flag", group: "proxy", description: "accepted for curl: only an HTTPS proxy's certificate is checked, and fetchx uses none", noop: HTTPS_PROXY_ONLY },
  { name: "proxy-cacert", kind: "string", group: "proxy", hint: "FILE", description: "accepted for curl: the CA bundle for an HTTPS proxy, which fetchx does not use", noop: HTTPS_PROXY_ONLY },
  { name: "proxy-capath", kind: "string", group: "proxy", hint: "DIR", description: "accepted for curl: the CA directory for an HTTPS proxy, which fetchx does not use", noop: HTTPS_PROXY_ONLY },
  { name: "socks4", kind: "string", group: "proxy", hint: "HOST[:PORT]", description: "use this SOCKS4 proxy (the name resolved here, IPv4 only): -x socks4://HOST[:PORT]" },
  { name: "socks4a", kind: "string", group: "proxy", hint: "HOST[:PORT]", description: "use this SOCKS4a proxy (the proxy resolves the name): -x socks4a://HOST[:PORT]" },
  { name: "socks5", kind: "string", group: "proxy", hint: "HOST[:PORT]", description: "use this SOCKS5 proxy (the name resolved here): -x socks5://HOST[:PORT]" },
  { name: "socks5-hostname", kind: "string", group: "proxy", hint: "HOST[:PORT]", description: "use this SOCKS5 proxy (the proxy resolves the name): -x socks5h://HOST[:PORT]" },
  { name: "suppress-connect-headers", kind: "flag", group: "proxy", description: "-i and -D leave out the proxy's answer to CONNECT" },
  { name: "socks5-basic", kind: "flag", group: "proxy", description: "accepted for curl: SOCKS5 user and password go whenever given", noop: "credentials for a SOCKS5 proxy are always offered with user/password authentication" },
  { name: "proxy-basic", kind: "flag", group: "proxy", description: "send --proxy-user's credentials to an HTTP proxy as Basic (the default)" },
  { name: "proxy-digest", kind: "flag", group: "proxy", description: "send --proxy-user's credentials to an HTTP proxy as Digest, answering its 407 challenge" },
  { name: "proxy-anyauth", kind: "flag", group: "proxy", description: "send --proxy-user's credentials the way the HTTP proxy asks: Digest, else Basic" },
  { name: "proxy-user", short: "U", kind: "string", group: "proxy", hint: "USER:PASS", description: "credentials for the proxy (Basic for HTTP unless --proxy-digest or --proxy-anyauth, user/password for SOCKS5)" },
  { name: "noproxy", kind: "string", group: "proxy", hint: "LIST", description: "comma-separated hosts/domains/CIDRs that go direct ('*' = all; overrides no_proxy)" },
  { name: "proxy-header", kind: "list", group: "proxy", hint: "'NAME: VALUE'", description: "a header for the proxy only: CONNECT's, and a forwarded request's (@FILE: one a line; 'NAME:' removes one)" },
  { name: "proxytunnel", short: "p", kind: "flag", group: "proxy", description: "tunnel plain http through the proxy with CONNECT too" },

  { name: "request", short: "X", kind: "string", group: "request", hint: "METHOD", description: "request method (default GET)" },
  { name: "header", short: "H", kind: "list", group: "request", hint: "'NAME: VALUE'", description: "add a request header (repeatable; 'NAME:' removes one)", important: true },
  { name: "user-agent", short: "A", kind: "string", group: "request", hint: "TEXT", description: "User-Agent to send" },
  { name: "referer", short: "e", kind: "string", group: "request", hint: "URL", description: "Referer to send" },
  { name: "user", short: "u", kind: "string", group: "request", hint: "USER:PASS", description: "credentials, Basic unless --digest or --anyauth (never sent to another host after a redirect)" },
  { name: "compressed", kind: "flag", group: "request", description: "ask for a compressed response and decode it (gzip, deflate, br, zstd)" },
  { name: "head", short: "I", kind: "flag", group: "request", description: "send HEAD and print the response headers" },
  { name: "location", short: "L", kind: "flag", group: "request", description: "follow redirects (a method given with -X stays on every request, as curl's)", important: true },
  { name: "location-trusted", kind: "flag", group: "request", description: "-L that sends -u's credentials, -H Authorization and Cookie, and -b to every host it reaches" },
  { name: "follow", kind: "flag", group: "request", description: "follow redirects, a 301/302/303 turning -X's method into GET as RFC 9110 says (curl 8.16)" },
  { name: "path-as-is", kind: "flag", group: "request", description: "send the URL's path as given: /a/../b stays /a/../b" },
  { name: "ignore-content-length", kind: "flag", group: "request", description: "read bodies to the connection's close whatever Content-Length says (one connection, no ranges)" },
  { name: "request-target", kind: "string", group: "request", hint: "TARGET", description: "send TARGET instead of the URL's path and query (-X OPTIONS --request-target '*')" },
  { name: "post301", kind: "flag", group: "request", description: "with -L, a POST answered 301 is sent again as POST (curl's default turns it into GET)" },
  { name: "post302", kind: "flag", group: "request", description: "with -L, a POST answered 302 is sent again as POST" },
  { name: "post303", kind: "flag", group: "request", description: "with -L, a POST answered 303 is sent again as POST" },
  { name: "disallow-username-in-url", kind: "flag", group: "request", description: "refuse a URL with a user name in it (exit 67)" },
  { name: "max-redirs", kind: "string", group: "request", hint: "N", description: "at most N redirects with -L (default 50)" },
  { name: "time-cond", short: "z", kind: "string", group: "request", hint: "TIME|FILE", description: "only if modified since TIME or FILE's time ('-TIME': unmodified since); 304 writes nothing" },
  { name: "url-query", kind: "list", group: "request", hint: "DATA", description: "append DATA to the URL's query, --data-urlencode syntax ('+DATA' as is)" },

  { name: "data", short: "d", kind: "list", group: "body", hint: "DATA", description: "POST DATA (form-encoded; @FILE reads FILE without CR/LF; repeats join with &)" },
  { name: "data-ascii", kind: "list", group: "body", hint: "DATA", description: "the same as -d" },
  { name: "data-binary", kind: "list", group: "body", hint: "DATA", description: "POST DATA as is (@FILE: the file's exact bytes)" },
  { name: "data-raw", kind: "list", group: "body", hint: "DATA", description: "POST DATA as is, no @FILE" },
  { name: "data-urlencode", kind: "list", group: "body", hint: "DATA", description: "POST DATA URL-encoded: content, =content, name=content, @file, name@file" },
  { name: "json", kind: "list", group: "body", hint: "JSON", description: "POST JSON (@FILE reads it) with Content-Type and Accept: application/json" },
  { name: "get", short: "G", kind: "flag", group: "body", description: "send the -d data as the URL's query with GET" },
  { name: "form", short: "F", kind: "list", group: "body", hint: "NAME=VALUE", description: "multipart/form-data POST: NAME=VALUE, NAME=@FILE (upload), NAME=<FILE (content); ;type= ;filename=" },
  { name: "form-string", kind: "list", group: "body", hint: "NAME=STRING", description: "a multipart field taken literally (no @ or <)" },
  { name: "form-escape", kind: "flag", group: "body", description: "escape -F names and file names with backslashes (\\\" and \\\\) instead of %22, %0D, %0A" },
  { name: "upload-file", short: "T", kind: "list", group: "body", hint: "FILE", description: "PUT FILE, streamed from disk ('-' = stdin, sent chunked); a URL ending in / gets FILE's name" },

  { name: "aws-sigv4", kind: "string", group: "auth", hint: "PROVIDER[:P2[:REGION[:SERVICE]]]", description: "sign each request with AWS Signature V4 using -u KEY_ID:SECRET (S3, MinIO, R2: aws:amz:REGION:s3)" },
  { name: "oauth2-bearer", kind: "string", group: "auth", hint: "TOKEN", description: "send Authorization: Bearer TOKEN (only to the first host)" },
  { name: "basic", kind: "flag", group: "auth", description: "Basic authentication (the default scheme of -u)", noop: "Basic is -u's default scheme" },
  { name: "digest", kind: "flag", group: "auth", description: "send -u's credentials as HTTP Digest (RFC 7616: MD5, SHA-256, SHA-512-256), answering the server's challenge" },
  { name: "anyauth", kind: "flag", group: "auth", description: "send -u's credentials the way the server asks: Digest, else Basic" },
  { name: "netrc", short: "n", kind: "flag", group: "auth", description: "take credentials from ~/.netrc (an error when it has none for the host)" },
  { name: "netrc-optional", kind: "flag", group: "auth", description: "take credentials from ~/.netrc when it has them" },
  { name: "netrc-file", kind: "string", group: "auth", hint: "FILE", description: "take credentials from FILE (netrc syntax)" },
  { name: "cookie", short: "b", kind: "list", group: "auth", hint: "DATA|FILE", description: "send cookies: 'NAME=VALUE; ...', or read a cookie file (Netscape format) and keep the session's" },
  { name: "cookie-jar", short: "c", kind: "string", group: "auth", hint: "FILE", description: "write all cookies to FILE at the end (Netscape format; '-' = stdout)" },
  { name: "junk-session-cookies", short: "j", kind: "flag", group: "auth", description: "ignore session cookies read from a -b file" },

  { name: "insecure", short: "k", kind: "flag", group: "tls", description: "do not verify the server's certificate", important: true },
  { name: "cacert", kind: "string", group: "tls", hint: "FILE", description: "trust the CA certificates in FILE (PEM; env CURL_CA_BUNDLE)" },
  { name: "hsts", kind: "string", group: "tls", hint: "FILE", description: "keep an HSTS cache in FILE (curl's format): http:// to a host that asked for HSTS goes over https" },
  { name: "pinnedpubkey", kind: "string", group: "tls", hint: "sha256//HASH|FILE", description: "accept only a server with this public key (base64 SHA-256, ';' between several, or a PEM/DER key file; checked with -k too: exit 90)" },
  { name: "capath", kind: "string", group: "tls", hint: "DIR", description: "trust the CA certificates in DIR's PEM files" },
  { name: "cert", short: "E", kind: "string", group: "tls", hint: "FILE[:PASS]", description: "client certificate (PEM; may hold the key too; a password after ':' as --pass)" },
  { name: "key", kind: "string", group: "tls", hint: "FILE", description: "private key of --cert (PEM)" },
  { name: "pass", kind: "string", group: "tls", hint: "PHRASE", description: "passphrase of an encrypted --key (wrong or missing: exit 58)" },
  { name: "ciphers", kind: "string", group: "tls", hint: "LIST", description: "TLS 1.2 cipher suites, OpenSSL names joined by ':' (TLS 1.3's are fixed; unknown names: exit 59)" },
  { name: "crlfile", kind: "string", group: "tls", hint: "FILE", description: "refuse server certificates revoked by the PEM CRLs in FILE (exit 60; a bad FILE: exit 82)" },
  { name: "tlsv1", short: "1", kind: "flag", group: "tls", description: "at least TLS 1.0: fetchx never goes below 1.2", noop: "fetchx speaks TLS 1.2 and 1.3 only" },
  { name: "tlsv1.0", kind: "flag", group: "tls", description: "at least TLS 1.0: fetchx never goes below 1.2", noop: "fetchx speaks TLS 1.2 and 1.3 only" },
  { name: "tlsv1.1", kind: "flag", group: "tls", description: "at least TLS 1.1: fetchx never goes below 1.2", noop: "fetchx speaks TLS 1.2 and 1.3 only" },
  { name: "tlsv1.2", kind: "flag", group: "tls", description: "at least TLS 1.2 (fetchx's floor anyway)" },
  { name: "tlsv1.3", kind: "flag", group: "tls", description: "at least TLS 1.3" },
  { name: "tls-max", kind: "string", group: "tls", hint: "VERSION", description: "at most this TLS version (1.2, 1.3 or default)" },
  { name: "ca-native", kind: "flag", group: "tls", description: "accepted for curl 8.2: fetchx trusts the system's CA bundle and directory (/etc/ssl/certs) already", noop: "the TLS stack reads the system's CA bundle and certificate directory by default" },
  { name: "ssl-no-revoke", kind: "flag", group: "tls", description: "accepted for curl (Schannel only)", noop: "a Windows Schannel option" },
  { name: "ssl-revoke-best-effort", kind: "flag", group: "tls", description: "accepted for curl (Schannel only)", noop: "a Windows Schannel option" },
  { name: "ssl-auto-client-cert", kind: "flag", group: "tls", description: "accepted for curl (Schannel only)", noop: "a Windows Schannel option" },
  { name: "ssl-allow-beast", kind: "flag", group: "tls", description: "accepted for curl: the BEAST workaround concerns TLS 1.0, which fetchx never speaks", noop: "fetchx speaks TLS 1.2 and 1.3 only" },
  { name: "false-start", kind: "flag", group: "tls", description: "accepted for curl (Secure Transport only)", noop: "curl uses TLS False Start only with Apple's Secure Transport" },
  { name: "no-sessionid", kind: "flag", group: "tls", description: "accepted for curl: fetchx resumes no TLS session", noop: "fetchx makes every TLS connection with a full handshake" },
  { name: "no-alpn", kind: "flag", group: "tls", description: "offer no ALPN in the TLS handshake (fetchx offers http/1.1)" },
  { name: "no-npn", kind: "flag", group: "tls", description: "accepted for curl: NPN is gone (curl ignores it too)", noop: "NPN is gone from TLS stacks (curl 7.86 ignores it too)" },
  { name: "sslv2", short: "2", kind: "flag", group: "tls", description: "accepted for curl: SSLv2 is gone (curl 7.88 ignores it too)", noop: "SSL 2 and 3 are gone: curl 7.88 ignores the option too" },
  { name: "sslv3", short: "3", kind: "flag", group: "tls", description: "accepted for curl: SSLv3 is gone (curl 7.88 ignores it too)", noop: "SSL 2 and 3 are gone: curl 7.88 ignores the option too" },
  { name: "ssl", kind: "flag", group: "tls", description: "accepted for curl: it asks FTP, SMTP, IMAP and POP3 to upgrade", noop: "it concerns protocols that upgrade to TLS; curl sends http:// in the clear too" },
  { name: "ssl-reqd", kind: "flag", group: "tls", description: "accepted for curl: it asks FTP, SMTP, IMAP and POP3 to upgrade", noop: "it concerns protocols that upgrade to TLS; curl sends http:// in the clear too" },
  { name: "cert-type", kind: "string", group: "tls", hint: "TYPE", description: "the type of -E's file: PEM (the default) or DER" },
  { name: "key-type", kind: "string", group: "tls", hint: "TYPE", description: "the type of --key's file: PEM (the default) or DER" },
  { name: "egd-file", kind: "string", group: "tls", hint: "FILE", description: "accepted for curl: obsolete (curl ignores it too)", noop: "obsolete: curl ignores it too" },
  { name: "random-file", kind: "string", group: "tls", hint: "FILE", description: "accepted for curl: obsolete (curl ignores it too)", noop: "obsolete: curl ignores it too" },

  { name: "continue", short: "C", kind: "string", group: "transfer", hint: "-|OFFSET", aliases: ["continue-at"], description: "'-': resume from the .part file and its journal; OFFSET: ask from that byte and append to the file", important: true },
  { name: "connections", kind: "string", group: "transfer", hint: "N", description: "download N byte ranges in parallel over N connections (default 1, at most 16 per host)", important: true },
  { name: "retry", kind: "string", group: "transfer", hint: "N", description: "retry transient failures N times, resuming each time (default 5; 0 = never; a server's Retry-After is obeyed up to 60 s)" },
  { name: "retry-delay", kind: "string", group: "transfer", hint: "SECONDS", description: "fixed wait between retries (default: exponential backoff with jitter)" },
  { name: "retry-max-time", kind: "string", group: "transfer", hint: "SECONDS", description: "no new retry after SECONDS since the start" },
  { name: "retry-connrefused", kind: "flag", group: "transfer", description: "also retry refused connections before anything arrived (wait for a service to come up)" },
  { name: "retry-all-errors", kind: "flag", group: "transfer", description: "retry every failure, HTTP errors with -f included" },
  { name: "speed-limit", short: "Y", kind: "string", group: "transfer", hint: "BYTES", description: "a connection slower than BYTES/s for --speed-time is stalled (retried)" },
  { name: "speed-time", short: "y", kind: "string", group: "transfer", hint: "SECONDS", description: "window for --speed-limit (default 30)" },
  { name: "checksum", kind: "string", group: "transfer", hint: "ALGO=HEX", description: "verify sha256/sha512/sha1/md5 before the file takes its name (exit 32 on mismatch)" },
  { name: "preallocate", kind: "flag", group: "transfer", description: "reserve the whole file on disk before writing (fallocate)" },
  { name: "fail", short: "f", kind: "flag", group: "transfer", description: "HTTP errors (>= 400) end with exit 22 and no output", important: true },
  { name: "fail-with-body", kind: "flag", group: "transfer", description: "HTTP errors (>= 400) end with exit 22 after the body was written" },
  { name: "fail-early", kind: "flag", group: "transfer", description: "with several URLs, start no new transfer after a failure" },
  { name: "max-time", short: "m", kind: "string", group: "transfer", hint: "SECONDS", description: "give up a transfer after SECONDS, each URL its own; with --retry, each try (as curl: a try cut is retried)" },
  { name: "limit-rate", kind: "string", group: "transfer", hint: "RATE", description: "at most RATE bytes/s per transfer, all connections together (k, M, G suffixes: 200k)" },
  { name: "input-file", kind: "string", group: "transfer", hint: "FILE", description: "also download the URLs in FILE, one a line, # comments ('-' = stdin)" },
  { name: "parallel", short: "Z", kind: "flag", group: "transfer", description: "download several URLs at the same time", important: true },
  { name: "rate", kind: "string", group: "transfer", hint: "N/U", description: "start at most N transfers per unit (s, m, h, d; 5/15s: per 15 seconds; default per hour) when they run one after another" },
  { name: "parallel-max", kind: "string", group: "transfer", hint: "N", description: "with -Z, at most N transfers at once (default 5)" },
  { name: "parallel-immediate", kind: "flag", group: "transfer", description: "accepted for curl: fetchx connects as transfers start", noop: "fetchx opens connections as transfers start" },

  { name: "silent", short: "s", kind: "flag", group: "reporting", description: "no progress and no error messages", important: true },
  { name: "show-error", short: "S", kind: "flag", group: "reporting", description: "with -s, still show errors" },
  { name: "stderr", kind: "string", group: "reporting", hint: "FILE", description: "write what goes to standard error to FILE instead (- for standard output)" },
  { name: "trace", kind: "string", group: "reporting", hint: "FILE", description: "every byte sent and received, in hex and text, and the -v lines, to FILE ('-' stdout, '%' stderr), as curl writes them" },
  { name: "trace-ascii", kind: "string", group: "reporting", hint: "FILE", description: "--trace as text only" },
  { name: "trace-time", kind: "flag", group: "reporting", description: "the time before each -v line and --trace entry" },
  { name: "verbose", short: "v", kind: "flag", group: "reporting", description: "trace connection, MPTCP, TLS and headers on stderr", important: true },
  { name: "write-out", short: "w", kind: "string", group: "reporting", hint: "FORMAT", description: "print FORMAT after the transfer: %{http_code}, %{json}, ... (@FILE reads it)" },
  { name: "progress", kind: "string", group: "reporting", hint: "bar|plain|none", description: "progress display on stderr (default: bar on a terminal, else none)", important: true },
  { name: "progress-bar", short: "#", kind: "flag", group: "reporting", description: "the progress bar (--progress bar)" },
  { name: "no-progress-meter", kind: "flag", group: "reporting", description: "no progress display, errors still shown (--progress none)" },
  { name: "trace-ids", kind: "flag", group: "reporting", description: "accepted for curl 8.2: -v lines carry no transfer or connection ids", noop: "fetchx's -v lines carry no transfer or connection ids" },
  { name: "trace-config", kind: "string", group: "reporting", hint: "LIST", description: "accepted for curl 8.3: -v shows connections, MPTCP, TLS and headers", noop: "fetchx's -v shows connections, MPTCP, TLS and headers, whatever the list" },
  { name: "styled-output", kind: "flag", group: "reporting", negatable: true, description: "accepted for curl", noop: "fetchx styles output only on a terminal, and NO_COLOR turns it off" },
];

// Plain loops: flatMap, filter and map are JavaScriptCore builtins written in JavaScript, compiled at their
// first call in every process, and the parser is loaded by every download.
export const BY_NAME = new Map<string, OptionSpec>();
export const BY_SHORT = new Map<string, OptionSpec>();
for (const o of OPTIONS) {
  BY_NAME.set(o.name, o);
  if (o.aliases) for (const a of o.aliases) BY_NAME.set(a, o);
  if (o.short) BY_SHORT.set(o.short, o);
}
