// dial(): host name -> connected (and for https, handshaken) Connection.
// resolve -> Happy Eyeballs race of libc sockets (TCP or MPTCP) -> adopt the winning fd into Bun
// (with TLS when asked) -> report MPTCP state. The connect timeout covers all of it, like curl's.
import { isIP } from "./libc.ts";
import type { PeerCertificate } from "node:tls";
import type { Socket, TLSOptions } from "bun";
import { FetchxError } from "../errors.ts";
import { timerMs } from "../timers.ts";
import { AttemptError, connectAttempt, connectUnix } from "./attempt.ts";
import { commonNameIs, nameMatches, partialChain, unanchored, weakKey, weakness, type LeafFacts } from "./cert-policy.ts";
import { SocketConnection } from "./connection.ts";
import { formatHostPort } from "./hostport.ts";
import { AllAttemptsFailed, raceAttempts } from "./happy-eyeballs.ts";
import * as libc from "./libc.ts";
import { resolveHost } from "./resolve.ts";
import { sendAll } from "./proxy.ts";
import { parseSockaddr, zoneIndex } from "./sockaddr.ts";
import type { Connection, DialOptions, DialTimings, TlsOptions } from "./types.ts";

// OpenSSL's option bits (ssl.h); TLS 1.0 and 1.1 are off in Bun already, so 1.2 is the lowest.
const SSL_OP_NO_TLSv1_2 = 0x08000000;
const SSL_OP_NO_TLSv1_3 = 0x20000000;

/** ALPN in wire format (length-prefixed): Bun rejects an array and ignores a bare name. */
const ALPN_HTTP1 = "\x08http/1.1";

/** Rejects with the signal's reason as soon as it aborts, so no step outlives the deadline. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function interrupted(reason: unknown): FetchxError {
  if (reason instanceof FetchxError) return reason;
  return new FetchxError("INTERRUPTED", "connection attempt aborted", { cause: reason });
}

export async function dial(opts: DialOptions): Promise<Connection> {
  const trace = opts.trace ?? (() => {});
  const deadline = new AbortController();
  const timer =
    opts.connectTimeoutMs > 0
      ? setTimeout(
          () => deadline.abort(new FetchxError("TIMEOUT", `connection timed out after ${opts.connectTimeoutMs} ms`, { unanswered: true })),
          timerMs(opts.connectTimeoutMs),
        )
      : undefined;
  const signal = opts.signal ? AbortSignal.any([opts.signal, deadline.signal]) : deadline.signal;
  const t0 = performance.now();
  const timings = { resolvedMs: 0, connectedMs: 0, handshakeMs: 0 };
  try {
    if (opts.unixSocket !== undefined) {
      trace(`Connecting to Unix socket ${opts.unixSocket.replace(/^\0/, "@")}`);
      const fd = await connectUnix(opts.unixSocket, signal).catch((err) => {
        if (!(err instanceof AttemptError)) throw err;
        throw new FetchxError("CONNECT", `failed to connect to Unix socket ${opts.unixSocket}: ${err.message}`, { cause: err });
      });
      timings.connectedMs = performance.now() - t0;
      if (opts.haproxy) await sendFirst(fd, "PROXY UNKNOWN\r\n", signal);
      return await adopt(fd, { ...opts, mptcp: false }, signal, timings, t0);
    }
    const candidates = await untilAborted(
      resolveHost({ host: opts.host, port: opts.port, family: opts.family, overrides: opts.resolve }),
      signal,
    );
    timings.resolvedMs = performance.now() - t0;
    // curl connects with scope 0 when the zone names no interface, which fails for a link-local address (exit 7).
    const scope = opts.zone === undefined ? undefined : zoneIndex(opts.zone);
    if (scope === null)
      throw new FetchxError("CONNECT", `failed to connect to ${opts.host} port ${opts.port}: no network interface "${opts.zone}" here (the URL's zone id)`, {
        retryable: false,
      });
    const fd = await raceAttempts(
      candidates,
      (ip, cancel) =>
        connectAttempt(ip, opts.port, { mptcp: opts.mptcp, interface: opts.interface, localAddress: opts.localAddress, localPorts: opts.localPorts, scope, cancel }),
      {
        signal,
        delayMs: opts.happyEyeballsMs,
        onStart: (ip) => trace(`Trying ${formatHostPort(ip, opts.port)}${opts.mptcp ? " (MPTCP)" : ""}...`),
        dispose: (lateFd) => libc.close(lateFd),
      },
    );
    timings.connectedMs = performance.now() - t0;
    let connectStatus = 0;
    if (opts.tunnel) {
      try {
        connectStatus = await untilAborted(opts.tunnel(fd, signal), signal);
      } catch (err) {
        libc.close(fd);
        throw err;
      }
    }
    if (opts.haproxy) await sendFirst(fd, haproxyLine(fd, opts.haproxy.clientIp), signal);
    const conn = await adopt(fd, opts, signal, timings, t0);
    conn.dialInfo = { verifyResult: conn.dialInfo?.verifyResult ?? 0, connectStatus, viaProxy: !!opts.tunnel };
    return conn;
  } catch (err) {
    if (err instanceof AllAttemptsFailed)
      throw new FetchxError("CONNECT", `failed to connect to ${opts.host} port ${opts.port}: ${err.message}`, { cause: err });
    if (err instanceof FetchxError) throw err;
    throw interrupted(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * HAProxy's PROXY protocol v1 line for a connected socket (curl's cf-haproxy.c): its own addresses and
 * ports, or --haproxy-clientip as source and destination (TCP6 unless it is an IPv4 address).
 */
function haproxyLine(fd: number, clientIp: string | undefined): string {
  const local = parseSockaddr(libc.getsockname(fd) ?? new Uint8Array());
  const peer = parseSockaddr(libc.getpeername(fd) ?? new Uint8Array());
  const v6 = clientIp !== undefined ? isIP(clientIp) !== 4 : peer?.family === 6;
  const [src, dst] = clientIp !== undefined ? [clientIp, clientIp] : [local?.ip ?? "", peer?.ip ?? ""];
  return `PROXY ${v6 ? "TCP6" : "TCP4"} ${src} ${dst} ${local?.port ?? 0} ${peer?.port ?? 0}\r\n`;
}

/** Bytes the connection starts with, sent on the raw fd before Bun adopts it (closed on failure). */
async function sendFirst(fd: number, text: string, signal: AbortSignal): Promise<void> {
  try {
    await untilAborted(sendAll(fd, new TextEncoder().encode(text), signal, "the PROXY protocol line"), signal);
  } catch (err) {
    libc.close(fd);
    throw err;
  }
}

/** Hands the connected fd to Bun, waits for the TLS handshake, and reports what we got. */
async function adopt(fd: number, opts: DialOptions, signal: AbortSignal, timings: DialTimings, t0: number): Promise<Connection> {
  if (opts.tls?.load) {
    try {
      opts = { ...opts, tls: { ...opts.tls, ...opts.tls.load(), load: undefined } };
    } catch (err) {
      libc.close(fd);
      throw err;
    }
  }
  const trace = opts.trace ?? (() => {});
  const peer = parseSockaddr(libc.getpeername(fd) ?? new Uint8Array());
  const local = parseSockaddr(libc.getsockname(fd) ?? new Uint8Array());
  const conn = new SocketConnection({
    fd,
    remoteAddress: peer?.ip ?? "",
    remotePort: peer?.port ?? opts.port,
    localAddress: local?.ip ?? "",
    localPort: local?.port ?? 0,
    family: peer?.family ?? 4,
    tls: opts.tls !== undefined,
    mptcpAsked: opts.mptcp,
  });
  trace(`Connected to ${opts.host} (${conn.remoteAddress}) port ${conn.remotePort}`);
  if (opts.mptcp) {
    const m = conn.mptcp;
    trace(
      m.state === "active"
        ? `MPTCP active, ${m.subflows} subflow${m.subflows === 1 ? "" : "s"}`
        : "server did not accept MPTCP: continuing over plain TCP",
    );
  }

  let handshake: Promise<void> = Promise.resolve();
  let onHandshake: ((s: Socket, ok: boolean, err: Error | null) => void) | undefined;
  let onClosed: ((err: FetchxError | null) => void) | undefined;
  if (opts.tls) {
    const tls = opts.tls;
    handshake = new Promise<void>((resolve, reject) => {
      // A socket that closes before the handshake reports is a handshake failure, not a hang.
      onClosed = (err) =>
        reject(new FetchxError("TLS_HANDSHAKE", `connection closed during the TLS handshake${err ? `: ${err.message}` : ""}`, { cause: err }));
      onHandshake = (s, ok, err) => {
        const name = tls.servername ?? opts.host;
        const ipName = isIP(name) !== 0;
        // The chain was accepted here, not by Bun (a partial chain): Bun checked no name.
        let anchoredHere = false;
        // The leaf the server sent, asked of Bun once (the checks below all read it).
        let peer: (PeerCertificate & LeafFacts) | null | undefined;
        const leaf = () => (peer ??= (s as unknown as { getPeerCertificate?: () => PeerCertificate & LeafFacts }).getPeerCertificate?.() ?? null);
        // Bun reports certificate problems and broken handshakes (EPROTO, alerts) the same way.
        // Without SNI (an IP literal) Bun checks the name "localhost": its name verdict is not ours, the
        // chain was verified before it (a chain problem is reported first), and the IP check follows.
        if (err) err = withCertCode(err);
        if (ipName && (err as { code?: string } | null)?.code === "ERR_TLS_CERT_ALTNAME_INVALID") err = null;
        else if (err && isCertProblem(err)) {
          if (!tls.insecure) {
            // curl's partial chain: an intermediate (or the leaf) given as --cacert is a trust anchor.
            const found = tls.ca && !tls.crl && unanchored((err as { code?: string }).code) ? leaf() : null;
            const partial = found?.raw ? partialChain(found.raw, tls.ca!) : "unanchored";
            if (partial === "unanchored") return reject(certError(err, tls, opts.host));
            if (partial) return reject(new FetchxError("CERT", `SSL certificate problem: ${partial.text}`, { retryable: false, verifyResult: partial.verifyResult }));
            // Bun stopped at the chain: the name is checked below as for an IP literal.
            err = null;
            anchoredHere = true;
          } else {
            const found = leaf();
            conn.dialInfo = { verifyResult: (found && weakKey(found)?.verifyResult) || x509Result(err), connectStatus: 0, viaProxy: false };
          }
        } else if (!ok || err) {
          // --tlsv1.3 with --tls-max 1.2 or lower: curl refuses the pair before its TLS backend starts, %{ssl_verify_result} 0
          // (any other handshake failure shows 1, download.ts).
          const noVersion = tls.minVersion === "1.3" && tls.maxVersion !== undefined && tls.maxVersion !== "1.3";
          return reject(new FetchxError("TLS_HANDSHAKE", `TLS handshake failed: ${err?.message ?? "unknown error"}`, { cause: err, verifyResult: noVersion ? 0 : undefined }));
        }
        if (!tls.insecure) {
          const found = leaf();
          // Bun checks the name only when it is sent as SNI, and an IP literal never is: check IP SANs here.
          if (ipName || anchoredHere) {
            // node:tls on first use: it loads node:net, about 2 ms of every download's start (bench/startup.ts).
            const { checkServerIdentity } = import.meta.require("node:tls") as typeof import("node:tls");
            const bad = !found ? new Error("no peer certificate") : ipName && commonNameIs(name, found) ? undefined : checkServerIdentity(name, found);
            if (bad) return reject(certError(Object.assign(bad, { code: "ERR_TLS_CERT_ALTNAME_INVALID" }), tls, opts.host));
          }
          // What curl's TLS stack refuses and Bun's lets through: a weak key or signature, a partial wildcard.
          const fault = found ? weakness(found) : null;
          if (fault) return reject(new FetchxError("CERT", `SSL certificate problem: ${fault.text}`, { retryable: false, verifyResult: fault.verifyResult }));
          if (found && !ipName && !nameMatches(name, found))
            return reject(certError(Object.assign(new Error("the name matches only a wildcard curl refuses"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" }), tls, opts.host));
        }
        // curl checks the pin after the chain: its %{ssl_verify_result} is the chain's (20 with -k for a CA-signed leaf).
        if (tls.pins) {
          const pin = publicKeyPin(leaf()?.raw);
          if (pin === null || !tls.pins.includes(pin))
            return reject(new FetchxError("PINNED_PUBKEY", `SSL: public key does not match pinned public key (the server's is sha256//${pin ?? "?"})`, { retryable: false, verifyResult: conn.dialInfo?.verifyResult ?? 0 }));
          trace(`Public key hash: sha256//${pin}: pinned`);
        }
        const alpn = (s as unknown as { alpnProtocol?: string | false }).alpnProtocol;
        trace(`TLS handshake done (${s.getTLSVersion?.() ?? "TLS"}, ALPN ${alpn || "none"})`);
        resolve();
      };
    });
  }

  const handlers = conn.handlers({ handshake: onHandshake, closed: (err) => onClosed?.(err) });
  const tlsConfig = opts.tls ? tlsOptions(opts.tls, opts.host) : undefined;
  // Bun's typings have FdSocketOptions but no connect() overload taking it (shared/PLATFORM.md).
  const connectWithFd = Bun.connect as unknown as (o: { fd: number; tls?: TLSOptions; socket: typeof handlers }) => Promise<Socket>;
  let adopted: Socket;
  try {
    adopted = await connectWithFd({ fd, tls: tlsConfig, socket: handlers });
  } catch (err) {
    // Adoption failed before Bun took the fd: it is still ours to close.
    libc.close(fd);
    throw (opts.tls && tlsSetupError(err, opts.tls)) || new FetchxError(opts.tls ? "TLS_HANDSHAKE" : "CONNECT", `could not adopt the socket: ${String(err)}`, { cause: err });
  }
  void adopted;
  try {
    await untilAborted(handshake, signal);
  } catch (err) {
    conn.close();
    throw err;
  }
  timings.handshakeMs = opts.tls ? performance.now() - t0 : timings.connectedMs;
  conn.timings = timings;
  return conn;
}

/** base64 SHA-256 of the peer's public key (its DER SubjectPublicKeyInfo, what curl's sha256// pins), or null. */
function publicKeyPin(raw: Uint8Array | undefined): string | null {
  if (!raw) return null;
  // node:crypto only with --pinnedpubkey: its import costs about 1.7 ms (bench/startup.ts).
  const { X509Certificate } = import.meta.require("node:crypto") as typeof import("node:crypto");
  const spki = new X509Certificate(raw).publicKey.export({ type: "spki", format: "der" });
  return new Bun.CryptoHasher("sha256").update(spki).digest("base64");
}

function tlsOptions(tls: TlsOptions, host: string): TLSOptions {
  // SNI must not carry an IP literal (RFC 6066 §3).
  const name = tls.servername ?? host;
  return {
    serverName: isIP(name) ? undefined : name,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    passphrase: tls.passphrase,
    ciphers: tls.ciphers,
    crl: tls.crl,
    // For an IP literal Bun would reject on its check of "localhost": the handshake handler verifies
    // instead (the chain from Bun's verify error, the name against the IP SANs).
    // With a CA file or path, a chain Bun refuses may be a partial chain curl accepts: the handler decides.
    rejectUnauthorized: !tls.insecure && !isIP(name) && !tls.ca,
    ALPNProtocols: tls.noAlpn ? undefined : ALPN_HTTP1,
    // Bun's TLS options have no minVersion/maxVersion for client sockets; OpenSSL's SSL_OP_NO_* bits do it.
    secureOptions: (tls.minVersion === "1.3" || tls.maxVersion === "1.1" ? SSL_OP_NO_TLSv1_2 : 0) | (tls.maxVersion !== undefined && tls.maxVersion !== "1.3" ? SSL_OP_NO_TLSv1_3 : 0) || undefined,
  };
}

/**
 * What the TLS stack refused in fetchx's own settings before any byte was sent (the same on every try,
 * so never retried): curl's exit 58 for --cert/--key/--pass, 59 for --ciphers, 82 for --crlfile.
 */
function tlsSetupError(err: unknown, tls: TlsOptions): FetchxError | null {
  const message = String((err as Error)?.message ?? err);
  const code = (err as { code?: string })?.code ?? "";
  if (tls.ciphers !== undefined && /Invalid ciphers/i.test(message))
    return new FetchxError("CIPHER", `failed setting cipher list: ${tls.ciphers}`, { cause: err, retryable: false });
  if (tls.crl !== undefined && /CRL/.test(message)) return new FetchxError("CRL_FILE", `error loading the CRL file: ${message}`, { cause: err, retryable: false });
  if ((tls.cert !== undefined || tls.key !== undefined) && code.startsWith("ERR_OSSL_")) {
    const why = code === "ERR_OSSL_BAD_DECRYPT" && tls.passphrase === undefined ? "the key is encrypted: give its passphrase with --pass" : (CLIENT_CERT_TEXT[code] ?? message);
    return new FetchxError("CLIENT_CERT", `unable to use the client certificate: ${why} (${code})`, { cause: err, retryable: false });
  }
  return null;
}

// What BoringSSL's codes for a client certificate and key it cannot use mean to the caller.
const CLIENT_CERT_TEXT: Record<string, string> = {
  ERR_OSSL_BAD_DECRYPT: "wrong --pass for the key",
  ERR_OSSL_X509_KEY_VALUES_MISMATCH: "the key is not the certificate's",
  ERR_OSSL_PEM_NO_START_LINE: "not a PEM certificate or key",
};

// Worded as curl words them, with Bun's code kept for searching.
const CERT_TEXT: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in certificate chain",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "unable to get local issuer certificate",
  UNABLE_TO_GET_ISSUER_CERT: "unable to get issuer certificate",
  // BoringSSL's name for a leaf whose issuer is nowhere (the server sent no chain): OpenSSL, and so curl,
  // say "unable to get local issuer certificate" (20) for the same certificate.
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unable to get local issuer certificate",
  CERT_HAS_EXPIRED: "certificate has expired",
  CERT_NOT_YET_VALID: "certificate is not yet valid",
  CERT_REVOKED: "certificate revoked",
  UNABLE_TO_GET_CRL: "unable to get certificate CRL",
  INVALID_PURPOSE: "unsuitable certificate purpose",
};

// OpenSSL's X509_V_ERR_* numbers for the codes Bun names (curl's %{ssl_verify_result} shows the number).
const X509_RESULT: Record<string, number> = {
  UNABLE_TO_GET_ISSUER_CERT: 2,
  CERT_SIGNATURE_FAILURE: 7,
  CERT_NOT_YET_VALID: 9,
  CERT_HAS_EXPIRED: 10,
  DEPTH_ZERO_SELF_SIGNED_CERT: 18,
  SELF_SIGNED_CERT_IN_CHAIN: 19,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 20, // BoringSSL's code for OpenSSL's 20 (CERT_TEXT)
  CERT_REVOKED: 23,
  INVALID_CA: 24,
  INVALID_PURPOSE: 26,
  CERT_UNTRUSTED: 27,
  CERT_REJECTED: 28,
  // curl checks the name itself after OpenSSL verified the chain: %{ssl_verify_result} says 1 then.
  ERR_TLS_CERT_ALTNAME_INVALID: 1,
  // BoringSSL's names for OpenSSL's "unable to get certificate CRL" and a key usage the chain does not allow.
  UNABLE_TO_GET_CRL: 3,
};
/** The X509_V_ERR_* number of a certificate error (1, "unspecified", for one without a number here). */
const x509Result = (err: Error) => X509_RESULT[(err as { code?: string }).code ?? ""] ?? 1;

/**
 * OpenSSL's X509_V_ERR_* numbers, by the words BoringSSL gives, of the verify results Bun has no name for
 * (its code is UNSPECIFIED then): a leaf outside a CA's name constraints, a path longer than a CA allows.
 */
const UNNAMED_RESULTS: [RegExp, string, number][] = [
  [/path length constraint exceeded/i, "PATH_LENGTH_EXCEEDED", 25],
  [/permitted subtree violation/i, "PERMITTED_VIOLATION", 47],
  [/excluded subtree violation/i, "EXCLUDED_VIOLATION", 48],
  [/unsupported name constraint type/i, "UNSUPPORTED_CONSTRAINT_TYPE", 51],
  [/invalid name constraint syntax/i, "UNSUPPORTED_CONSTRAINT_SYNTAX", 52],
  [/invalid name syntax/i, "UNSUPPORTED_NAME_SYNTAX", 53],
  [/unhandled critical extension/i, "UNHANDLED_CRITICAL_EXTENSION", 34],
  [/key usage does not include certificate signing/i, "KEYUSAGE_NO_CERTSIGN", 32],
  [/certificate chain too long/i, "CERT_CHAIN_TOO_LONG", 22],
];
const UNNAMED = new Set(UNNAMED_RESULTS.map(([, name]) => name));
for (const [, name, n] of UNNAMED_RESULTS) X509_RESULT[name] = n;

/**
 * Bun names the certificate verify results it knows and reports the others as UNSPECIFIED with OpenSSL's
 * words: a certificate problem all the same (curl's 60, and -k accepts it), named here where the words
 * say which (%{ssl_verify_result} as curl's).
 */
function withCertCode(err: Error): Error {
  if ((err as { code?: string }).code !== "UNSPECIFIED") return err;
  const known = UNNAMED_RESULTS.find(([words]) => words.test(err.message));
  return Object.assign(err, { code: known ? known[1] : "CERT_UNSPECIFIED" });
}

function isCertProblem(err: Error): boolean {
  const code = (err as { code?: string }).code ?? "";
  return code in CERT_TEXT || UNNAMED.has(code) || /CERT|ISSUER|SIGNATURE|ALTNAME/.test(code);
}

function certError(err: Error, tls: TlsOptions, host: string): FetchxError {
  const code = (err as { code?: string }).code ?? "UNKNOWN";
  const text =
    code === "ERR_TLS_CERT_ALTNAME_INVALID"
      ? `SSL: no alternative certificate subject name matches target host name '${tls.servername ?? host}'`
      : `SSL certificate problem: ${CERT_TEXT[code] ?? err.message}`;
  return new FetchxError("CERT", `${text} (${code})`, { cause: err, retryable: false, verifyResult: x509Result(err) });
}
