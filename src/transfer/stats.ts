// What one download did: the result object the engine returns (and attaches to the error a failed download
// ends with). --write-out and %{json} are rendered from it.
import type { HeaderList } from "../http/types.ts";
import type { MptcpState, Subflow } from "../net/types.ts";

export interface ConnectionReport {
  remote: string;
  local: string;
  tls: boolean;
  mptcp: MptcpState;
  subflows: number;
  subflowList: Subflow[];
  /** The interface holding the local address (the path the connection took), null when unknown. */
  interface?: string | null;
  /** Body bytes this connection carried. */
  bytes?: number;
}

export interface DownloadResult {
  url: string;
  urlEffective: string;
  method: string;
  scheme: string;
  httpCode: number;
  httpVersion: string;
  contentType?: string;
  redirectUrl?: string;
  headers?: HeaderList;
  sizeDownload: number;
  sizeHeader: number;
  sizeRequest: number;
  /** Request body bytes sent (all requests: redirects and retries that resent it included). */
  sizeUpload: number;
  /** Milliseconds since `startedAt` at each milestone of the last request. */
  startedAt: number;
  /** Name resolved (curl's time_namelookup), TCP connected, TLS done (time_appconnect), request about to go. */
  tNameLookup: number;
  tConnect: number;
  tAppConnect: number;
  tPretransfer: number;
  tStartTransfer: number;
  tRedirect: number;
  tTotal: number;
  numConnects: number;
  numRedirects: number;
  numRetries: number;
  /** The Referer of the last request, if any (curl's %{referer}). */
  referer?: string;
  /** The id of the connection the last answer came on, -1 before any (curl 8.2's %{conn_id}). */
  connId: number;
  /** The last connection went through a proxy (curl 8.7's %{proxy_used}). */
  proxyUsed: boolean;
  /** The proxy's answer to CONNECT for the last connection, 0 without a tunnel (curl's %{http_connect}). */
  httpConnect: number;
  /** The certificate check of the last TLS connection: 0 verified, else OpenSSL's X509_V_ERR_* (curl's %{ssl_verify_result}). */
  sslVerifyResult: number;
  remoteIp: string;
  remotePort: number;
  localIp: string;
  localPort: number;
  filenameEffective?: string;
  exitCode: number;
  errorMessage: string;
  /** A failed download left NAME.part with a journal: running it again resumes (set on failure). */
  partialKept: boolean;
  /** The journal was kept for a server that never said it honours ranges: a rerun tries one (a 200 starts over). */
  rangesUnconfirmed: boolean;
  mptcp: MptcpState;
  mptcpSubflows: number;
  connections: ConnectionReport[];
}

export function newStats(url: string, method: string): DownloadResult {
  return {
    url,
    urlEffective: url,
    method,
    scheme: url.split(":")[0]!.toLowerCase(),
    httpCode: 0,
    httpVersion: "",
    sizeDownload: 0,
    sizeHeader: 0,
    sizeRequest: 0,
    sizeUpload: 0,
    startedAt: performance.now(),
    tNameLookup: 0,
    tConnect: 0,
    tAppConnect: 0,
    tPretransfer: 0,
    tStartTransfer: 0,
    tRedirect: 0,
    tTotal: 0,
    numConnects: 0,
    numRedirects: 0,
    numRetries: 0,
    connId: -1,
    proxyUsed: false,
    httpConnect: 0,
    sslVerifyResult: 0,
    remoteIp: "",
    remotePort: 0,
    localIp: "",
    localPort: 0,
    exitCode: 0,
    errorMessage: "",
    partialKept: false,
    rangesUnconfirmed: false,
    mptcp: "off",
    mptcpSubflows: 0,
    connections: [],
  };
}

/** The MPTCP summary across connections: active if any was, fallback if asked and none was, else off. */
export function summariseMptcp(stats: DownloadResult) {
  // One loop (as Download.readMptcp): spreading into Math.max and includes are builtins compiled at their
  // first call, which a one-file download would pay for here alone.
  let active = false;
  let fallback = false;
  let subflows = 0;
  for (const c of stats.connections) {
    if (c.mptcp === "active") active = true;
    else if (c.mptcp === "fallback") fallback = true;
    subflows = Math.max(subflows, c.subflows);
  }
  stats.mptcp = active ? "active" : fallback ? "fallback" : "off";
  stats.mptcpSubflows = subflows;
}
