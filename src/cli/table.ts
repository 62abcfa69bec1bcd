// The one option table. The argv parser (parse.ts), --help, citty's command definition and the shell
// completions are all derived from it, so an option is declared exactly once.

export type OptionKind = "flag" | "string" | "list";

export type Group = "basic" | "output" | "connection" | "proxy" | "mptcp" | "request" | "tls" | "transfer" | "reporting";

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
  tls: "TLS",
  transfer: "Transfer",
  reporting: "Reporting",
};

export const OPTIONS: OptionSpec[] = [
  { name: "help", short: "h", kind: "flag", group: "basic", description: "show this help (fetchx help TOPIC for more)", important: true },
  { name: "version", short: "V", kind: "flag", group: "basic", description: "print version, commit and Bun version", important: true },

  { name: "output", short: "o", kind: "list", group: "output", hint: "FILE", description: "write to FILE instead of stdout (repeat: one per URL, in order)", important: true },
  { name: "remote-name", short: "O", kind: "flag", group: "output", description: "name the file after the URL's last path segment", important: true },
  { name: "remote-header-name", short: "J", kind: "flag", group: "output", description: "with -O, take the name from Content-Disposition (sanitised)" },
  { name: "output-dir", kind: "string", group: "output", hint: "DIR", description: "directory for -o/-O files" },
  { name: "create-dirs", kind: "flag", group: "output", description: "create missing directories of the output path" },
  { name: "include", short: "i", kind: "flag", group: "output", description: "include response headers in the output" },

  { name: "mptcp", kind: "flag", group: "mptcp", negatable: true, description: "connect with Multipath TCP (falls back to TCP if the server lacks it; env FETCHX_MPTCP=1)", important: true },

  { name: "ipv4", short: "4", kind: "flag", group: "connection", description: "resolve and connect over IPv4 only" },
  { name: "ipv6", short: "6", kind: "flag", group: "connection", description: "resolve and connect over IPv6 only" },
  { name: "connect-timeout", kind: "string", group: "connection", hint: "SECONDS", description: "give up connecting after SECONDS (fractions allowed)" },
  { name: "resolve", kind: "list", group: "connection", hint: "HOST:PORT:ADDR[,ADDR]", description: "use ADDR for HOST:PORT instead of DNS" },
  { name: "connect-to", kind: "list", group: "connection", hint: "HOST1:PORT1:HOST2:PORT2", description: "connect to HOST2:PORT2 for requests to HOST1:PORT1 (empty parts match any / keep)" },
  { name: "interface", kind: "string", group: "connection", hint: "NAME|ADDR", description: "send from this interface (SO_BINDTODEVICE) or local address (bind)" },

  { name: "proxy", short: "x", kind: "string", group: "proxy", hint: "URL", description: "use this HTTP proxy [USER:PASS@]HOST[:PORT] (overrides http_proxy, https_proxy, all_proxy)", important: true },
  { name: "proxy-user", short: "U", kind: "string", group: "proxy", hint: "USER:PASS", description: "Basic credentials for the proxy" },
  { name: "noproxy", kind: "string", group: "proxy", hint: "LIST", description: "comma-separated hosts/domains/CIDRs that go direct ('*' = all; overrides no_proxy)" },
  { name: "proxytunnel", short: "p", kind: "flag", group: "proxy", description: "tunnel plain http through the proxy with CONNECT too" },

  { name: "request", short: "X", kind: "string", group: "request", hint: "METHOD", description: "request method (default GET)" },
  { name: "header", short: "H", kind: "list", group: "request", hint: "'NAME: VALUE'", description: "add a request header (repeatable; 'NAME:' removes one)", important: true },
  { name: "user-agent", short: "A", kind: "string", group: "request", hint: "TEXT", description: "User-Agent to send" },
  { name: "referer", short: "e", kind: "string", group: "request", hint: "URL", description: "Referer to send" },
  { name: "user", short: "u", kind: "string", group: "request", hint: "USER:PASS", description: "Basic authentication (never sent to another host after a redirect)" },
  { name: "compressed", kind: "flag", group: "request", description: "ask for a compressed response and decode it (gzip, deflate, br, zstd)" },
  { name: "head", short: "I", kind: "flag", group: "request", description: "send HEAD and print the response headers" },
  { name: "location", short: "L", kind: "flag", group: "request", description: "follow redirects", important: true },
  { name: "max-redirs", kind: "string", group: "request", hint: "N", description: "at most N redirects with -L (default 50)" },

  { name: "insecure", short: "k", kind: "flag", group: "tls", description: "do not verify the server's certificate", important: true },
  { name: "cacert", kind: "string", group: "tls", hint: "FILE", description: "trust the CA certificates in FILE (PEM)" },

  { name: "continue", short: "C", kind: "string", group: "transfer", hint: "-", description: "resume a partial download (only '-': from the .part file and its journal)", important: true },
  { name: "connections", kind: "string", group: "transfer", hint: "N", description: "download N byte ranges in parallel over N connections (default 1, at most 16 per host)", important: true },
  { name: "retry", kind: "string", group: "transfer", hint: "N", description: "retry transient failures N times, resuming each time (default 5; 0 = never)" },
  { name: "retry-delay", kind: "string", group: "transfer", hint: "SECONDS", description: "fixed wait between retries (default: exponential backoff with jitter)" },
  { name: "retry-max-time", kind: "string", group: "transfer", hint: "SECONDS", description: "no new retry after SECONDS since the start" },
  { name: "speed-limit", short: "Y", kind: "string", group: "transfer", hint: "BYTES", description: "a connection slower than BYTES/s for --speed-time is stalled (retried)" },
  { name: "speed-time", short: "y", kind: "string", group: "transfer", hint: "SECONDS", description: "window for --speed-limit (default 30)" },
  { name: "checksum", kind: "string", group: "transfer", hint: "ALGO=HEX", description: "verify sha256/sha512/sha1/md5 before the file takes its name (exit 32 on mismatch)" },
  { name: "preallocate", kind: "flag", group: "transfer", description: "reserve the whole file on disk before writing (fallocate)" },
  { name: "fail", short: "f", kind: "flag", group: "transfer", description: "HTTP errors (>= 400) end with exit 22 and no output", important: true },
  { name: "max-time", short: "m", kind: "string", group: "transfer", hint: "SECONDS", description: "give up the whole operation after SECONDS" },
  { name: "limit-rate", kind: "string", group: "transfer", hint: "RATE", description: "at most RATE bytes/s per transfer, all connections together (k, M, G suffixes: 200k)" },
  { name: "input-file", kind: "string", group: "transfer", hint: "FILE", description: "also download the URLs in FILE, one a line, # comments ('-' = stdin)" },
  { name: "parallel", short: "Z", kind: "flag", group: "transfer", description: "download several URLs at the same time", important: true },
  { name: "parallel-max", kind: "string", group: "transfer", hint: "N", description: "with -Z, at most N transfers at once (default 5)" },

  { name: "silent", short: "s", kind: "flag", group: "reporting", description: "no progress and no error messages", important: true },
  { name: "show-error", short: "S", kind: "flag", group: "reporting", description: "with -s, still show errors" },
  { name: "verbose", short: "v", kind: "flag", group: "reporting", description: "trace connection, MPTCP, TLS and headers on stderr", important: true },
  { name: "write-out", short: "w", kind: "string", group: "reporting", hint: "FORMAT", description: "print FORMAT after the transfer: %{http_code}, %{json}, ... (@FILE reads it)" },
  { name: "progress", kind: "string", group: "reporting", hint: "bar|plain|none", description: "progress display on stderr (default: bar on a terminal, else none)", important: true },
];

export const BY_NAME = new Map(OPTIONS.map((o) => [o.name, o]));
export const BY_SHORT = new Map(OPTIONS.filter((o) => o.short).map((o) => [o.short!, o]));
