// Connections per origin (keep-alive reuse for redirects, segments and later downloads) and requests over
// them. Every connection comes from the one dialer, so `mptcp` applies to all of them.
import { nodeFs } from "../node-fs.ts";
import { FetchxError } from "../errors.ts";
import type { ParsedUrl } from "../http/url.ts";
import type { ResponseHead } from "../http/types.ts";
import type { Connection, DialOptions, TlsOptions } from "../net/types.ts";
import { Exchange, isStaleConnection, type RequestSpec } from "./exchange.ts";
import type { ClientSettings, WireKind } from "./options.ts";
import { Router } from "./route.ts";
import type { ConnectionReport } from "./stats.ts";

/** What one request's caller wants to hear about (each download passes its own). */
export interface RequestHooks {
  /** A new connection was dialled for this request. */
  onConnect?(conn: Connection, dialMs: number): void;
  onHeaderLine?(direction: ">" | "<", line: string): void;
  /** Every byte sent and received (curl --trace). */
  onWire?(kind: WireKind, bytes: Uint8Array): void;
  trace?(line: string): void;
  /** The request failed inside its answer's head (-m, a close): the heads as far as they came (Exchange.cutHeads). */
  onCutHead?(heads: ResponseHead[]): void;
  /** A proxy's answer to the CONNECT of a tunnel dialled for this request (its head's bytes). */
  onProxyAnswer?(head: Uint8Array): void;
  /** Aborts a dial in progress. */
  signal?: AbortSignal;
  /** Bind new connections to this path (transfer/paths.ts); pooled apart from other paths' connections. */
  path?: { key: string; localAddress?: string; interface?: string; connectTimeoutMs?: number };
  /** Wait for the answer's head however long the server takes (a download's first request, as curl). */
  patientHead?: boolean;
}

/** The PEM text of a CA file, checked to hold a certificate that parses (curl's exit 77 otherwise). */
function readCaFile(path: string): string {
  let pem: string;
  try {
    pem = nodeFs().readFileSync(path, "utf8");
  } catch (err) {
    throw new FetchxError("CA_FILE", `cannot read the CA file ${path}: ${(err as { code?: string }).code ?? err}`, { cause: err });
  }
  // node:crypto on first use (a CA file only): importing it costs about 1.7 ms of every start (bench/startup.ts).
  const { X509Certificate } = import.meta.require("node:crypto") as typeof import("node:crypto");
  for (const block of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []) {
    try {
      new X509Certificate(block);
      return pem;
    } catch {
      // a damaged block: look at the next
    }
  }
  throw new FetchxError("CA_FILE", `the CA file ${path} holds no PEM certificate`);
}

/** -E/--key's file: one that cannot be read is curl's 58, as a certificate that does not load. */
function readClientFile(path: string, option: string): string {
  try {
    return nodeFs().readFileSync(path, "utf8");
  } catch (err) {
    throw new FetchxError("CLIENT_CERT", `could not load the client certificate or key ${path} (${option}): ${(err as { code?: string }).code ?? err}`, { retryable: false });
  }
}

/**
 * A DER client certificate, or a DER private key (PKCS#8, encrypted with `password` or not, else PKCS#1 or
 * SEC1), as the PEM text the TLS options take: curl's --cert-type DER and --key-type DER. node:crypto is
 * loaded for these files only. A file that does not parse is CLIENT_CERT (58), as curl's.
 */
function derAsPem(path: string, option: string, password?: string): string {
  let bytes: Buffer;
  try {
    bytes = nodeFs().readFileSync(path);
  } catch (err) {
    throw new FetchxError("CLIENT_CERT", `could not load the client certificate or key ${path} (${option}): ${(err as { code?: string }).code ?? err}`, { retryable: false });
  }
  const crypto = import.meta.require("node:crypto") as typeof import("node:crypto");
  if (option === "--cert") {
    try {
      // X509Certificate takes PEM too; curl's DER reader does not.
      if (bytes.includes("-----BEGIN")) throw new Error("PEM");
      return new crypto.X509Certificate(bytes).toString();
    } catch {
      throw new FetchxError("CLIENT_CERT", `could not load the client certificate ${path} (--cert-type DER): not a DER certificate`, { retryable: false });
    }
  }
  for (const type of ["pkcs8", "pkcs1", "sec1"] as const) {
    try {
      return String(crypto.createPrivateKey({ key: bytes, format: "der", type, passphrase: password }).export({ format: "pem", type: "pkcs8" }));
    } catch {
      // the next encoding
    }
  }
  throw new FetchxError("CLIENT_CERT", `could not load the private key ${path} (--key-type DER): not a DER key${password === undefined ? "" : ", or not this --pass"}`, { retryable: false });
}

/**
 * curl's --pinnedpubkey: "sha256//BASE64[;sha256//BASE64...]", or a file holding the public key (PEM
 * "PUBLIC KEY" or DER), as base64 SHA-256 hashes of the DER SubjectPublicKeyInfo.
 */
export function parsePins(value: string): string[] {
  // curl cuts the list at ";sha256//" only and compares each piece exactly: "sha256//X; sha256//Y" is one
  // piece ("X; sha256//Y"), and a trailing ";" stays on the last hash, so neither matches (exit 90).
  if (value.startsWith("sha256//")) return value.slice("sha256//".length).split(";sha256//");
  let bytes: Buffer;
  try {
    bytes = nodeFs().readFileSync(value);
  } catch (err) {
    throw new FetchxError("PINNED_PUBKEY", `cannot read the --pinnedpubkey file ${value}: ${(err as { code?: string }).code ?? err}`, { cause: err, retryable: false });
  }
  const pem = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/.exec(bytes.toString("latin1"));
  const der = pem ? Buffer.from(pem[1]!.replace(/\s+/g, ""), "base64") : bytes;
  return [new Bun.CryptoHasher("sha256").update(der).digest("base64")];
}

export class HttpClient {
  private idle = new Map<string, Connection[]>();
  private live = new Set<Connection>();
  /** --connect-to, proxies and --limit-rate (route.ts). */
  private router: Router;
  private readonly closed = new AbortController();

  constructor(readonly settings: ClientSettings) {
    this.router = new Router(settings, this.closed.signal);
  }

  private pinList?: string[];
  /** --pinnedpubkey's hashes, its file read at the first TLS connection (as curl reads it). */
  private pins(): string[] | undefined {
    const pinned = this.settings.pinnedPubKey;
    return pinned === undefined ? undefined : (this.pinList ??= parsePins(pinned));
  }

  private crlText?: string;
  /** The --crlfile's lists, read at the first TLS connection (curl: exit 82 there when it cannot be). */
  private revoked(): string | undefined {
    const path = this.settings.crlFile;
    if (path === undefined) return undefined;
    if (this.crlText === undefined) {
      try {
        this.crlText = nodeFs().readFileSync(path, "utf8");
      } catch (err) {
        throw new FetchxError("CRL_FILE", `error loading the CRL file ${path}: ${(err as { code?: string }).code ?? err}`, { cause: err, retryable: false });
      }
      if (!this.crlText.includes("-----BEGIN X509 CRL-----")) throw new FetchxError("CRL_FILE", `error loading the CRL file ${path}: no PEM CRL in it`, { retryable: false });
    }
    return this.crlText;
  }

  private clientPair?: { cert?: string; key?: string };
  /** The client certificate and key: `cert`/`key`, or their files read at the first TLS connection (curl: 58 there). */
  private clientCert(): { cert?: string; key?: string } {
    const { cert, key, certFile, keyFile, certDer, keyDer } = this.settings;
    if (certFile === undefined && keyFile === undefined) return { cert, key };
    if (this.clientPair) return this.clientPair;
    const certText = certFile === undefined ? cert : certDer ? derAsPem(certFile, "--cert") : readClientFile(certFile, "--cert");
    const keyText =
      keyFile !== undefined
        ? keyDer
          ? derAsPem(keyFile, "--key", this.settings.keyPassword)
          : readClientFile(keyFile, "--key")
        : certFile !== undefined && certText?.includes("PRIVATE KEY-----")
          ? certText
          : key;
    if (certText !== undefined && keyText === undefined)
      throw new FetchxError("CLIENT_CERT", `unable to set the private key: ${certFile} holds none (give it with --key)`, { retryable: false });
    return (this.clientPair = { cert: certText, key: keyText });
  }

  private caText?: string;
  /** `ca` and the CA file's certificates, the file read at the first TLS connection only. */
  private trusted(): string | undefined {
    const { ca, caFile } = this.settings;
    if (caFile === undefined) return ca;
    return (this.caText ??= ca === undefined ? readCaFile(caFile) : `${readCaFile(caFile)}\n${ca}`);
  }

  /** What a TLS connection reads from files, and the cipher list: each failure is curl's exit code for it. */
  private tlsFiles(): Partial<TlsOptions> {
    const o = this.settings;
    // In curl's order (OpenSSL's connect step 1): the client certificate (58), the ciphers (59), the CA file (77), the CRL (82).
    const client = this.clientCert();
    // An empty cipher list selects nothing: curl's OpenSSL refuses it (59) where Bun would keep its defaults.
    if (o.ciphers === "") throw new FetchxError("CIPHER", "failed setting cipher list: the --ciphers list is empty", { retryable: false });
    return { ...client, ca: o.insecure ? undefined : this.trusted(), ciphers: o.ciphers, crl: this.revoked(), pins: this.pins() };
  }

  private dialOptions(u: ParsedUrl, hooks: RequestHooks): DialOptions {
    const o = this.settings;
    return {
      host: u.host,
      port: u.port,
      zone: u.zone,
      family: o.family,
      mptcp: o.mptcp,
      connectTimeoutMs: o.connectTimeoutMs,
      happyEyeballsMs: o.happyEyeballsMs,
      // -k loads no CA certificates, as curl's: a missing --cacert is no error, and %{ssl_verify_result}
      // says what a chain checked against none gives (20 for a CA-signed leaf, 18 for a self-signed one).
      // The files are read once the TCP connection is up, as curl's: with none, it is 7 whatever they hold.
      tls: u.secure ? { servername: u.host, insecure: o.insecure, minVersion: o.tlsMin, maxVersion: o.tlsMax, passphrase: o.keyPassword, noAlpn: !o.alpn, load: () => this.tlsFiles() } : undefined,
      unixSocket: o.unixSocket,
      resolve: o.resolve,
      interface: hooks.path ? hooks.path.interface : o.interface,
      localAddress: hooks.path ? hooks.path.localAddress : o.localAddress,
      localPorts: o.localPorts,
      haproxy: o.haproxy,
      ...(hooks.path?.connectTimeoutMs ? { connectTimeoutMs: Math.min(hooks.path.connectTimeoutMs, o.connectTimeoutMs || Infinity) } : {}),
      signal: hooks.signal ? AbortSignal.any([hooks.signal, this.closed.signal]) : this.closed.signal,
      trace: hooks.trace,
      onProxyAnswer: hooks.onProxyAnswer,
    };
  }

  private async connect(u: ParsedUrl, hooks: RequestHooks): Promise<Connection> {
    const t0 = performance.now();
    const conn = await this.router.dial(u, this.dialOptions(u, hooks));
    this.live.add(conn);
    hooks.onConnect?.(conn, performance.now() - t0);
    return conn;
  }

  /**
   * Each answer to a request for `u`: true when a forwarding proxy's 407 is to be answered with -U's
   * credentials (--proxy-digest, --proxy-anyauth) and the request sent again.
   */
  proxyChallenged(head: ResponseHead, u: ParsedUrl): boolean {
    const route = this.router.route(u);
    if (route?.mode !== "forward" || route.proxy.auth === undefined) return false;
    const answers = this.router.proxyAuth;
    if (head.status === 407) return answers.take(head.headers.getAll("proxy-authenticate"));
    answers.passed();
    return false;
  }

  /** Sends `spec` to the origin of `u`, reusing an idle connection when one is there. */
  async request(u: ParsedUrl, spec: RequestSpec, hooks: RequestHooks = {}): Promise<Exchange> {
    const key = this.router.key(u) + (hooks.path?.key ? ` via ${hooks.path.key}` : "");
    for (;;) {
      let pooled = this.idle.get(key)?.pop();
      // Bytes that arrived on an idle connection answer no request of ours: never read them as the next answer.
      if (pooled && !(pooled.idleUsable ?? (pooled.open && (pooled.queuedBytes ?? 0) === 0))) {
        pooled.close();
        this.live.delete(pooled);
        pooled = undefined;
      }
      const conn = pooled ?? (await this.connect(u, hooks));
      const ex = new Exchange(conn, this.router.spec(u, spec), {
        idleTimeoutMs: this.settings.idleTimeoutMs,
        headIdleTimeoutMs: hooks.patientHead ? 0 : undefined,
        onHeaderLine: hooks.onHeaderLine,
        onWire: hooks.onWire,
        onTrace: hooks.trace,
        release: (c) => this.park(key, c),
      });
      // The caller's abort (-m, Ctrl-C) ends the wait for the head: a first answer is waited for without
      // an idle limit (patientHead), so nothing else would end it. The download closes the connections it
      // holds once their heads are in.
      const signal = hooks.signal;
      const abandon = () => conn.close();
      signal?.addEventListener("abort", abandon, { once: true });
      try {
        if (signal?.aborted) throw signal.reason;
        await ex.start();
        return ex;
      } catch (err) {
        conn.close();
        this.live.delete(conn);
        if (!signal?.aborted && isStaleConnection(err, conn === pooled)) continue; // the server closed an idle keep-alive
        const cut = hooks.onCutHead && ex.cutHeads();
        if (cut) hooks.onCutHead!(cut);
        throw signal?.aborted ? signal.reason : err;
      } finally {
        signal?.removeEventListener("abort", abandon);
      }
    }
  }

  /** Dials a connection for `u` (on `hooks.path`) and parks it for the next request there: a path probe. */
  async warm(u: ParsedUrl, hooks: RequestHooks): Promise<void> {
    const conn = await this.connect(u, hooks);
    this.park(this.router.key(u) + (hooks.path?.key ? ` via ${hooks.path.key}` : ""), conn);
  }

  private park(key: string, conn: Connection): void {
    const list = this.idle.get(key) ?? [];
    list.push(conn);
    this.idle.set(key, list);
  }

  /** Closes every connection (idle or busy); requests in flight fail. */
  closeAll(): void {
    for (const c of this.live) c.close();
    this.live.clear();
    this.idle.clear();
  }

  /** Closes everything for good. */
  close(): void {
    this.closed.abort();
    this.closeAll();
  }
}

/** The MPTCP and address report of a connection, read from the kernel again when `refresh` and still open. */
export function reportOf(conn: Connection, refresh = false): ConnectionReport {
  // Without MPTCP ("off") there is nothing to read again (and no recv(MSG_PEEK) for `open` per download).
  const m = refresh && conn.mptcp.state !== "off" && conn.open ? conn.refreshMptcp() : conn.mptcp;
  const fmt = (ip: string, port: number) => (ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`);
  return {
    remote: fmt(conn.remoteAddress, conn.remotePort),
    local: fmt(conn.localAddress, conn.localPort),
    tls: conn.tls,
    mptcp: m.state,
    subflows: m.subflows,
    subflowList: m.subflowList,
  };
}
