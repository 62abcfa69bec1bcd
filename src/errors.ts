// One error class per kind of failure. Lower layers throw these; only src/main.ts turns them into an
// exit code. Exit codes follow curl's where curl has one (curl's man page, "EXIT CODES").
// `retryable` tells the retry policy whether trying again (and resuming) can help.

export type ErrorCode =
  | "USAGE"
  | "UNSUPPORTED_PROTOCOL"
  | "BAD_URL"
  | "RESOLVE_PROXY"
  | "PROXY"
  | "RESOLVE"
  | "CONNECT"
  | "INTERFACE"
  | "LOGIN_DENIED"
  | "MPTCP_UNAVAILABLE"
  | "WEIRD_REPLY"
  | "BAD_CONTENT_ENCODING"
  | "PARTIAL"
  | "HTTP_ERROR"
  | "WRITE"
  | "READ_FILE"
  | "LOCAL_FILE"
  | "TIMEOUT"
  | "CHECKSUM"
  | "RANGE"
  | "BAD_RESUME"
  | "TLS_HANDSHAKE"
  | "TOO_MANY_REDIRECTS"
  | "EMPTY_REPLY"
  | "SEND"
  | "SEND_REWIND"
  | "UPLOAD_FAILED"
  | "RECV"
  | "CERT"
  | "CLIENT_CERT"
  | "OPTION_SYNTAX"
  | "CIPHER"
  | "CRL_FILE"
  | "FILESIZE"
  | "CA_FILE"
  | "PINNED_PUBKEY"
  | "INTERRUPTED"
  | "ABORTED"
  | "BAD_ARGUMENT"
  | "INTERNAL";

export const EXIT_CODES: Record<ErrorCode, number> = {
  USAGE: 2,
  UNSUPPORTED_PROTOCOL: 1,
  BAD_URL: 3,
  RESOLVE_PROXY: 5,
  // curl's CURLE_PROXY (7.73): a SOCKS proxy refused the handshake or the connection it was asked for.
  PROXY: 97,
  RESOLVE: 6,
  CONNECT: 7,
  // curl's CURLE_INTERFACE_FAILED: --interface or --local-port cannot be bound.
  INTERFACE: 45,
  // curl's CURLE_SETOPT_OPTION_SYNTAX: an option's value libcurl cannot parse (--resolve's entries).
  OPTION_SYNTAX: 49,
  // curl's CURLE_LOGIN_DENIED: --disallow-username-in-url and a URL with a user name.
  LOGIN_DENIED: 67,
  MPTCP_UNAVAILABLE: 7,
  WEIRD_REPLY: 8,
  BAD_CONTENT_ENCODING: 61,
  PARTIAL: 18,
  HTTP_ERROR: 22,
  WRITE: 23,
  READ_FILE: 26,
  // curl's CURLE_FILE_COULDNT_READ_FILE: a file:// URL's file cannot be opened or read.
  LOCAL_FILE: 37,
  TIMEOUT: 28,
  // curl has no checksum check; aria2 uses 32 for "checksum validation failed", and curl leaves 32 unused.
  CHECKSUM: 32,
  RANGE: 33,
  TLS_HANDSHAKE: 35,
  BAD_RESUME: 36,
  TOO_MANY_REDIRECTS: 47,
  EMPTY_REPLY: 52,
  SEND: 55,
  // curl's CURLE_SEND_FAIL_REWIND: a body read from a pipe that a redirect asks to send again.
  SEND_REWIND: 65,
  // curl's CURLE_UPLOAD_FAILED: a body of unknown length (-T - from a pipe) under HTTP/1.0 (-0), which has
  // no chunked encoding to send it.
  UPLOAD_FAILED: 25,
  RECV: 56,
  CERT: 60,
  // curl's CURLE_SSL_CERTPROBLEM: --cert/--key cannot be used (a wrong or missing --pass, a key that is
  // not the certificate's, a file that is no PEM).
  CLIENT_CERT: 58,
  // curl's CURLE_SSL_CIPHER: --ciphers names no cipher the TLS stack knows.
  CIPHER: 59,
  // curl's CURLE_SSL_CRL_BADFILE: --crlfile missing, unreadable or no CRL.
  CRL_FILE: 82,
  FILESIZE: 63,
  // curl's CURLE_SSL_CACERT_BADFILE: --cacert missing, unreadable or without a certificate.
  CA_FILE: 77,
  // curl's CURLE_SSL_PINNEDPUBKEYNOTMATCH: the server's public key is not the one --pinnedpubkey names.
  PINNED_PUBKEY: 90,
  INTERRUPTED: 130,
  // curl's CURLE_ABORTED_BY_CALLBACK: -Z --fail-early stopped this transfer when another one failed.
  ABORTED: 42,
  // curl's CURLE_BAD_FUNCTION_ARGUMENT for a value its library refuses (--aws-sigv4 with an empty provider).
  BAD_ARGUMENT: 43,
  // A bug in fetchx, not a network or server failure: curl's closest is CURLE_BAD_FUNCTION_ARGUMENT (43,
  // "internal error"). The stack is printed with the message.
  INTERNAL: 43,
};

// Failures that a new connection (resuming from the bytes already on disk) may cure.
const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "CONNECT",
  "PARTIAL",
  "TIMEOUT",
  "EMPTY_REPLY",
  "SEND",
  "RECV",
  "RESOLVE",
  "RESOLVE_PROXY",
]);

export interface FetchxErrorOptions {
  cause?: unknown;
  retryable?: boolean;
  status?: number;
  retryAfter?: number;
  verifyResult?: number;
  proxyStatus?: number;
  unanswered?: boolean;
}

export class FetchxError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly retryable: boolean;
  /** For HTTP errors: the status, so the retry policy can tell 503 from 404. */
  readonly status?: number;
  /** Seconds from a Retry-After header, when the server sent one. */
  readonly retryAfter?: number;
  /** CERT: the certificate check's result as OpenSSL numbers it (curl's %{ssl_verify_result}). */
  readonly verifyResult?: number;
  /** A refused CONNECT: the proxy's status (curl's %{http_connect}). */
  readonly proxyStatus?: number;
  /**
   * TIMEOUT with not a byte from the server: a connection attempt (--connect-timeout: TCP, a proxy's
   * CONNECT, the TLS handshake) or a first answer slower than --speed-limit.
   */
  readonly unanswered?: boolean;
  /** What the download did up to the failure (set by the engine on the error a download ends with). */
  result?: import("./transfer/stats.ts").DownloadResult;

  constructor(code: ErrorCode, message: string, options: FetchxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "FetchxError";
    this.code = code;
    this.exitCode = EXIT_CODES[code];
    this.retryable = options.retryable ?? RETRYABLE.has(code);
    if (options.status !== undefined) this.status = options.status;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
    if (options.verifyResult !== undefined) this.verifyResult = options.verifyResult;
    if (options.proxyStatus !== undefined) this.proxyStatus = options.proxyStatus;
    if (options.unanswered) this.unanswered = true;
  }
}

export const usageError = (message: string) => new FetchxError("USAGE", message);

/**
 * Wraps anything thrown into a FetchxError. System errors (an errno code) become WRITE for the file ones,
 * else `fallback`; anything else (a TypeError, a failed assertion) is a bug: INTERNAL, with the original
 * as cause so its stack can be shown.
 */
export function asFetchxError(err: unknown, fallback: ErrorCode = "RECV"): FetchxError {
  if (err instanceof FetchxError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "ENOSPC") return new FetchxError("WRITE", `disk full: ${message}`, { cause: err });
  if (code === "EACCES" || code === "EROFS" || code === "EISDIR" || code === "ENOENT" || code === "EDQUOT")
    return new FetchxError("WRITE", message, { cause: err });
  if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return new FetchxError(fallback, message, { cause: err });
  return new FetchxError("INTERNAL", `internal error: ${message}`, { cause: err, retryable: false });
}
