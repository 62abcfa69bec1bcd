// Options of curl's command line beyond downloading (request bodies and uploads, cookies and netrc,
// conditional requests, --proto, TLS versions, header dumps): parsed here (no I/O) and spread into the
// one Options object by toOptions(). Files they name are read later, by body.ts and engine-options.ts.
import { FetchxError, usageError } from "../errors.ts";
import type { RawArgs } from "./parse.ts";

/** One piece of request data in command-line order: which option gave it, and its text. */
export interface DataPiece {
  kind: "data" | "data-ascii" | "data-binary" | "data-raw" | "data-urlencode" | "json";
  value: string;
}

export interface FormPart {
  /** NAME=VALUE as given; `literal` for --form-string (no @, < or ;type=). */
  value: string;
  literal: boolean;
}

export interface CompatOptions {
  data: DataPiece[];
  /** -G: the data goes into the URL's query. */
  get: boolean;
  form: FormPart[];
  /** --form-escape: backslash-escape -F names and file names (curl 7.81) instead of percent-encoding. */
  formEscape: boolean;
  /** -T files, the i-th for the i-th URL ("-" = stdin). */
  uploads: string[];
  urlQuery: string[];
  dumpHeader?: string;
  removeOnError: boolean;
  noClobber: boolean;
  skipExisting: boolean;
  remoteTime: boolean;
  createFileMode?: number;
  maxFileSize: number;
  range?: string;
  /** -C OFFSET (a number): ask from this byte and append to the file. */
  resumeFrom?: number;
  etagSave?: string;
  etagCompare?: string;
  timeCond?: string;
  unixSocket?: string;
  /** --http2 or --http2-prior-knowledge was asked: fetchx says it speaks HTTP/1.1. */
  http2: boolean;
  /** -0/--http1.0. */
  http10: boolean;
  protocols?: string[];
  redirectProtocols?: string[];
  bearer?: string;
  /** -u's scheme: --digest, --anyauth, else Basic. */
  authScheme: "basic" | "digest" | "any";
  netrc?: "required" | "optional";
  netrcFile?: string;
  cookies: string[];
  cookieJar?: string;
  junkSessionCookies: boolean;
  capath?: string;
  /** --pinnedpubkey sha256//HASH[;...] or FILE. */
  pinnedPubKey?: string;
  cert?: string;
  key?: string;
  keyPassword?: string;
  /** --cert-type and --key-type: "DER" reads the file as DER; PEM (curl's default) otherwise. */
  certDer: boolean;
  keyDer: boolean;
  ciphers?: string;
  crlFile?: string;
  tlsMin?: "1.2" | "1.3";
  tlsMax?: "1.1" | "1.2" | "1.3";
  retryConnRefused: boolean;
  /** --post301, --post302, --post303: the redirect statuses after which a POST stays a POST. */
  keepPost: number[];
  /** --disallow-username-in-url. */
  disallowUsername: boolean;
  /** --xattr: the file's origin URL and media type as extended attributes. */
  xattr: boolean;
  /** --path-as-is. */
  pathAsIs: boolean;
  requestTarget?: string;
  ignoreContentLength: boolean;
  /** --aws-sigv4 PROVIDER1[:PROVIDER2[:REGION[:SERVICE]]]. */
  awsSigv4?: string;
  /** --hsts FILE: the HSTS cache, read at the start and written at the end of the run. */
  hstsFile?: string;
  retryAllErrors: boolean;
  failWithBody: boolean;
  failEarly: boolean;
}

const KNOWN_SCHEMES = ["dict", "file", "ftp", "ftps", "gopher", "gophers", "http", "https", "imap", "imaps", "ldap", "ldaps", "mqtt", "pop3", "pop3s", "rtmp", "rtsp", "scp", "sftp", "smb", "smbs", "smtp", "smtps", "telnet", "tftp", "ws", "wss"];

/**
 * curl's --proto syntax: comma-separated schemes, each with a modifier: "+" adds (the default), "-"
 * removes, "=" allows only those; "all" stands for every scheme. Starts from every scheme. Returns the
 * schemes fetchx speaks (http, https) that stay allowed.
 */
export function parseProto(spec: string, name: string): string[] {
  let allowed = new Set(KNOWN_SCHEMES);
  for (const raw of spec.split(",")) {
    const token = raw.trim().toLowerCase();
    if (token === "") continue;
    const mod = "+-=".includes(token[0]!) ? token[0]! : "+";
    const scheme = "+-=".includes(token[0]!) ? token.slice(1) : token;
    const set = scheme === "all" ? KNOWN_SCHEMES : KNOWN_SCHEMES.includes(scheme) ? [scheme] : null;
    if (!set) {
      if (mod === "=") allowed = new Set(); // curl: an unknown name with "=" still clears the rest
      continue; // curl warns and goes on; so does fetchx, quietly
    }
    if (mod === "=") allowed = new Set(set);
    else if (mod === "-") for (const s of set) allowed.delete(s);
    else for (const s of set) allowed.add(s);
  }
  void name;
  return ["http", "https", "file"].filter((s) => allowed.has(s));
}

function tlsVersion(v: string | undefined): "1.1" | "1.2" | "1.3" | undefined {
  if (v === undefined || v === "default") return undefined;
  if (v === "1.2" || v === "1.3") return v;
  // Below TLS 1.2 nothing is left: an https:// URL fails its handshake (35), as curl 7.88's does against
  // servers and an OpenSSL that keep TLS 1.2 as their floor; an http:// URL is unaffected, as curl's.
  if (v === "1.0" || v === "1.1") return "1.1";
  throw usageError(`--tls-max wants 1.2, 1.3 or default, got "${v}"`);
}

/**
 * curl's -E FILE[:PASSWORD]: the first ":" not escaped by a backslash ends the file name ("\\:" is a colon
 * of the name, "\\\\" a backslash); --pass wins over a password given there.
 */
export function certOption(cert: string | undefined, pass: string | undefined): { cert?: string; keyPassword?: string } {
  if (cert === undefined) return { keyPassword: pass };
  let name = "";
  for (let i = 0; i < cert.length; i++) {
    const c = cert[i]!;
    if (c === "\\" && (cert[i + 1] === ":" || cert[i + 1] === "\\")) name += cert[++i];
    else if (c === ":") return { cert: name, keyPassword: pass ?? cert.slice(i + 1) };
    else name += c;
  }
  return { cert: name, keyPassword: pass };
}

function parseMode(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^0?[0-7]{3}$/.test(v)) throw usageError(`--create-file-mode wants an octal mode like 0644, got "${v}"`);
  return parseInt(v, 8);
}

/** -C OFFSET: past curl's 64-bit offsets it is curl's "too large number", exit 2 before anything is sent. */
function offsetOf(v: string): number {
  if (BigInt(v) > 2n ** 63n - 1n) throw usageError(`-C/--continue-at ${v}: too large a number`);
  return Number(v);
}

export function compatOptions(raw: RawArgs, parseBytes: (v: string | undefined) => number): CompatOptions {
  const str = (n: string) => raw.values.get(n) as string | undefined;
  const flag = (n: string) => raw.values.get(n) === true;
  const list = (n: string) => (raw.values.get(n) as string[] | undefined) ?? [];
  const order = raw.order ?? [];
  const dataKinds = new Set(["data", "data-ascii", "data-binary", "data-raw", "data-urlencode", "json"]);
  const data = order.filter(([k]) => dataKinds.has(k)).map(([kind, value]) => ({ kind, value }) as DataPiece);
  const form = order.filter(([k]) => k === "form" || k === "form-string").map(([k, value]) => ({ value, literal: k === "form-string" }));
  const uploads = list("upload-file");

  // curl: "You can only select one HTTP request method!"
  const methods = [data.length ? (flag("get") ? "GET (-G with -d)" : "POST (-d)") : "", form.length ? "POST (-F)" : "", uploads.length ? "PUT (-T)" : "", flag("head") ? "HEAD (-I)" : ""].filter(Boolean);
  if (methods.length > 1 && !(methods.length === 2 && flag("head") && flag("get") && data.length)) throw usageError(`only one request method can be chosen: ${methods.join(" and ")}`);

  // A file name given empty: curl cannot open it (--etag-save '': 26, before any request; -D '' crashes it).
  for (const name of ["dump-header", "etag-save"]) if (str(name) === "") throw new FetchxError("READ_FILE", `--${name} needs a file name ("-" for standard output)`);
  const cont = str("continue");
  const unix = str("unix-socket") ?? (str("abstract-unix-socket") === undefined ? undefined : `\0${str("abstract-unix-socket")}`);
  const tlsMin = flag("tlsv1.3") ? "1.3" : undefined;
  const tlsMax = tlsVersion(str("tls-max"));
  // -E and --key are PEM (curl's default) or DER; curl's other types (ENG, P12) would be misread, so they are refused.
  for (const name of ["cert-type", "key-type"]) {
    const type = str(name);
    if (type !== undefined && !/^(PEM|DER)$/i.test(type)) throw usageError(`--${name} ${type}: fetchx reads PEM and DER files only`);
  }
  // --tlsv1.3 with --tls-max 1.2 leaves no version: the handshake fails (35), as curl's; http:// is unaffected.
  // curl: "Cannot use sigv4 authentication with path-as-is flag" (the signature is over the normalized path).
  if (str("aws-sigv4") === "") throw new FetchxError("BAD_ARGUMENT", "--aws-sigv4: the first provider cannot be empty");
  if (str("aws-sigv4") !== undefined && flag("path-as-is")) throw usageError("--aws-sigv4 cannot be used with --path-as-is: the signature covers the resolved path");
  const proto = str("proto");
  const protoRedir = str("proto-redir");
  return {
    data,
    get: flag("get"),
    form,
    formEscape: flag("form-escape"),
    uploads,
    urlQuery: list("url-query"),
    dumpHeader: str("dump-header"),
    removeOnError: flag("remove-on-error"),
    noClobber: flag("no-clobber"),
    skipExisting: flag("skip-existing"),
    remoteTime: flag("remote-time"),
    keepPost: [301, 302, 303].filter((s) => flag(`post${s}`)),
    disallowUsername: flag("disallow-username-in-url"),
    xattr: flag("xattr"),
    pathAsIs: flag("path-as-is"),
    requestTarget: str("request-target"),
    ignoreContentLength: flag("ignore-content-length"),
    awsSigv4: str("aws-sigv4"),
    hstsFile: str("hsts"),
    createFileMode: parseMode(str("create-file-mode")),
    maxFileSize: parseBytes(str("max-filesize")),
    range: str("range"),
    // -C 0 is no offset at all, as curl reads it: no Range, and the file is written afresh (not appended to).
    resumeFrom: cont !== undefined && /^\d+$/.test(cont) && Number(cont) > 0 ? offsetOf(cont) : undefined,
    etagSave: str("etag-save"),
    etagCompare: str("etag-compare"),
    timeCond: str("time-cond"),
    unixSocket: unix,
    http2: flag("http2") || flag("http2-prior-knowledge"),
    http10: flag("http1.0"),
    protocols: proto === undefined ? undefined : parseProto(proto, "proto"),
    redirectProtocols: protoRedir === undefined ? undefined : parseProto(protoRedir, "proto-redir"),
    bearer: str("oauth2-bearer"),
    authScheme: flag("digest") ? "digest" : flag("anyauth") ? "any" : "basic",
    // --netrc-file is -n with another file, and abides by --netrc-optional.
    netrc: flag("netrc-optional") ? "optional" : flag("netrc") || str("netrc-file") !== undefined ? "required" : undefined,
    netrcFile: str("netrc-file"),
    cookies: list("cookie"),
    cookieJar: str("cookie-jar"),
    junkSessionCookies: flag("junk-session-cookies"),
    capath: str("capath"),
    pinnedPubKey: str("pinnedpubkey"),
    ...certOption(str("cert"), str("pass")),
    certDer: str("cert-type")?.toUpperCase() === "DER",
    keyDer: str("key-type")?.toUpperCase() === "DER",
    key: str("key"),
    ciphers: str("ciphers"),
    crlFile: str("crlfile"),
    tlsMin,
    tlsMax,
    retryConnRefused: flag("retry-connrefused"),
    retryAllErrors: flag("retry-all-errors"),
    failWithBody: flag("fail-with-body"),
    failEarly: flag("fail-early"),
  };
}
