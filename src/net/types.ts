// The contract between the dialer (src/net) and everything above it.

/** "active": the connection runs MPTCP; "fallback": --mptcp was asked but the peer answered plain TCP;
 *  "off": an ordinary TCP socket was opened. */
export type MptcpState = "active" | "fallback" | "off";

export interface Subflow {
  local: string; // "addr:port" ("[v6]:port" for IPv6)
  remote: string;
}

export interface MptcpStatus {
  state: MptcpState;
  /** Highest subflow count seen on this connection (0 when not active or not known). */
  subflows: number;
  /** Subflow endpoints where the kernel tells (MPTCP_FULL_INFO); empty otherwise. */
  subflowList: Subflow[];
}

/** When each step of a dial ended, in ms since the dial began (curl's time_namelookup, _connect, _appconnect). */
export interface DialTimings {
  resolvedMs: number;
  connectedMs: number;
  /** TLS handshake done; equals connectedMs without TLS. */
  handshakeMs: number;
}

/** What the dial learned besides timings (curl's -w %{ssl_verify_result}, %{http_connect}, %{proxy_used}). */
export interface DialInfo {
  /** The certificate check's result as OpenSSL numbers it: 0 verified (or not TLS), else the X509_V_ERR_* that -k let pass. */
  verifyResult: number;
  /** The proxy's status answering CONNECT (a tunnel), else 0. */
  connectStatus: number;
  /** Reached through a proxy (HTTP or SOCKS). */
  viaProxy: boolean;
}

export interface TlsOptions {
  /** SNI and name to verify; omitted for IP literals. */
  servername?: string;
  /** Lowest and highest TLS version (--tlsv1.2, --tlsv1.3, --tls-max). */
  minVersion?: "1.2" | "1.3";
  /** "1.1": below fetchx's floor, so no version is left (curl --tls-max 1.0 or 1.1: the handshake fails, 35). */
  maxVersion?: "1.1" | "1.2" | "1.3";
  /** PEM client certificate and key (--cert, --key). */
  cert?: string;
  key?: string;
  /** --pass: the passphrase of an encrypted key. */
  passphrase?: string;
  /** --ciphers: TLS 1.2 cipher suites (OpenSSL names). */
  ciphers?: string;
  /** --crlfile: PEM certificate revocation lists. */
  crl?: string;
  /** PEM bundle from --cacert. */
  ca?: string;
  /** -k / --insecure: skip verification. */
  insecure: boolean;
  /**
   * The options read from files (CA, client certificate, CRL, pins), called once the TCP connection (and a
   * proxy's tunnel) is up, as curl's OpenSSL backend loads them: with no connection, curl fails with 7 and
   * never learns that a --cacert is missing (77). What it throws fails the dial.
   */
  load?: () => Partial<TlsOptions>;
  /** --no-alpn: no ALPN extension (else http/1.1 is offered). */
  noAlpn?: boolean;
  /** --pinnedpubkey: the base64 SHA-256 hashes of the public keys (DER SubjectPublicKeyInfo) accepted; checked even with -k. */
  pins?: string[];
}

export interface DialOptions {
  /** Host name or IP literal (IPv6 without brackets). */
  host: string;
  port: number;
  /** The URL's IPv6 zone id (RFC 6874), an interface name or number: the scope of every IPv6 address
   *  connected to, as in curl. It names where to connect, never what the Host header says. */
  zone?: string;
  /** -4 / -6 restrict the address family. */
  family?: 4 | 6;
  mptcp: boolean;
  /** 0 means no limit of our own (the kernel's SYN retries still apply). */
  connectTimeoutMs: number;
  /** Happy Eyeballs: the next address is tried after this many ms (default 250). */
  happyEyeballsMs?: number;
  tls?: TlsOptions;
  /** --resolve overrides: "host:port" -> addresses, consulted before DNS. */
  resolve?: Map<string, string[]>;
  /** Bind the local side (--interface with an address, or a local address) before connect. */
  localAddress?: string;
  /** --interface NAME: SO_BINDTODEVICE. */
  interface?: string;
  /** --local-port: bind a local port of [first, last]. */
  localPorts?: [number, number];
  /** Connect to this Unix domain socket instead (host and port still name the origin: Host, SNI). */
  unixSocket?: string;
  /**
   * Runs on the connected raw fd before Bun adopts it (a proxy's CONNECT exchange; TLS, if any, starts
   * after); resolves with the proxy's CONNECT status (0 for SOCKS).
   */
  tunnel?: (fd: number, signal: AbortSignal) => Promise<number>;
  /** curl --haproxy-protocol: a PROXY protocol v1 line first (after a tunnel, before TLS); clientIp: --haproxy-clientip. */
  haproxy?: { clientIp?: string };
  signal?: AbortSignal;
  /** Verbose trace lines (-v); the dialer says what it tries and what MPTCP did. */
  trace?: (line: string) => void;
  /** An HTTP proxy's answer to CONNECT, its head's bytes as received, whatever its status (curl -i and -D show it). */
  onProxyAnswer?: (head: Uint8Array) => void;
}

/** A connected (and, for https, handshaken) socket with a pull-style reader and backpressure. */
export interface Connection {
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly family: 4 | 6;
  readonly tls: boolean;
  /** Last known MPTCP status; `refreshMptcp()` asks the kernel again (subflow count is kept as a peak). */
  readonly mptcp: MptcpStatus;
  refreshMptcp(): MptcpStatus;
  /** How long the dial's steps took (set by the dialer). */
  timings?: DialTimings;
  /** The certificate check, a proxy's CONNECT answer (set by the dialer). */
  dialInfo?: DialInfo;
  /**
   * Next chunk of received bytes, or null at a clean end of stream. Rejects with FetchxError RECV on
   * reset and TIMEOUT when `idleTimeoutMs` passes with no data. The socket is paused while unread data
   * exceeds a high-water mark, so memory stays bounded when the consumer (disk) is slower. `max`: at most
   * this many bytes from one recv(2) on a plain-TCP socket (a response head is small; a body read chunk by
   * chunk, as --limit-rate reads it, wants larger ones); the connection's default when not given.
   */
  read(idleTimeoutMs?: number, max?: number): Promise<Uint8Array | null>;
  /** A chunk already received, without waiting (undefined when none is queued; null at the end). */
  tryRead?(): Uint8Array | null | undefined;
  /**
   * Push mode for long bodies: `fn` is called synchronously from the socket's data event with each chunk,
   * null at the end, or the error; no promise per chunk. Call only with nothing queued (tryRead() gave
   * undefined); `unlisten()` goes back to read(). No data for `idleTimeoutMs` fails with TIMEOUT.
   */
  listen?(fn: (event: Uint8Array | null | Error) => void, idleTimeoutMs: number): void;
  /** `chunkKept` false: the listener is done with every chunk it was given (its buffer may be reused). */
  unlisten?(chunkKept?: boolean): void;
  /** Put bytes back to be returned by the next read() (parser leftovers on keep-alive). */
  unread(chunk: Uint8Array): void;
  /** Bytes received and not yet read (an idle keep-alive connection should have none). */
  readonly queuedBytes?: number;
  /** `open` and no bytes unread, asked of the kernel once (an idle connection's check before reuse). */
  readonly idleUsable?: boolean;
  /** Resolves when all bytes were handed to the kernel (partial writes continue on drain). */
  write(data: Uint8Array | string): Promise<void>;
  /** True when the peer has not closed and no error happened: reusable for keep-alive. */
  readonly open: boolean;
  /** `open` as far as known without asking the kernel (no system call); the check before reuse asks. */
  readonly alive?: boolean;
  close(): void;
}
