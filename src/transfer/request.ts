// Building requests and following redirects: the headers fetchx sends, and the walk from the URL given to
// the one that answers (-L, --max-redirs), with credentials kept to the origin they were given for.
import type { Options } from "../cli/options.ts";
import { FetchxError } from "../errors.ts";
import { ACCEPT_ENCODING } from "../http/decode.ts";
import { parseUrl, resolveRedirect, type ParsedUrl } from "../http/url.ts";
import type { Logger } from "../ui/log.ts";
import type { HttpClient } from "./client.ts";
import type { Exchange } from "./exchange.ts";
import { RETRYABLE_STATUS } from "./retry.ts";
import type { TransferStats } from "./stats.ts";
import { parseRetryAfter } from "../http/headers.ts";

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** No byte for this long on a connection is a stall (curl has none; wget waits 900 s, aria2 60 s). */
export const IDLE_TIMEOUT_MS = 60_000;

export function hostHeader(u: ParsedUrl): string {
  const host = u.host.includes(":") ? `[${u.host}]` : u.host;
  return u.port === (u.secure ? 443 : 80) ? host : `${host}:${u.port}`;
}

const originOf = (u: ParsedUrl) => `${u.secure}|${u.host}|${u.port}`;

/** The request context of one URL: method, credentials and where they may go. */
export class RequestPlan {
  method: string;
  url: ParsedUrl;
  private readonly firstOrigin: string;
  private readonly auth?: string;

  constructor(private readonly opts: Options, urlText: string) {
    this.url = parseUrl(urlText);
    this.firstOrigin = originOf(this.url);
    this.auth = opts.user ?? this.url.user;
    this.method = opts.head ? "HEAD" : (opts.method ?? "GET");
  }

  /** Headers for the current URL: ours, then -H (replacing ours by name; "Name:" removes), then `extra`. */
  headers(extra: [string, string][] = []): [string, string][] {
    const o = this.opts;
    const sameOrigin = originOf(this.url) === this.firstOrigin;
    const ours: [string, string][] = [["User-Agent", o.userAgent], ["Accept", "*/*"]];
    if (this.auth && sameOrigin) ours.push(["Authorization", `Basic ${Buffer.from(this.auth).toString("base64")}`]);
    if (o.referer) ours.push(["Referer", o.referer]);
    if (o.compressed) ours.push(["Accept-Encoding", ACCEPT_ENCODING]);
    const named = new Set(o.headers.map(([k]) => k.toLowerCase()));
    const user = o.headers.filter(([k, v]) => v !== "" && (sameOrigin || !/^(authorization|cookie)$/i.test(k)));
    return [...ours.filter(([k]) => !named.has(k.toLowerCase())), ...user, ...extra];
  }

  spec(extra: [string, string][] = []) {
    return { method: this.method, target: this.url.target, host: hostHeader(this.url), headers: this.headers(extra) };
  }
}

/** An HTTP status that a retry may cure, as a retryable error carrying Retry-After. */
export function statusError(ex: Exchange): FetchxError {
  const status = ex.head.status;
  const err = new FetchxError("HTTP_ERROR", `The requested URL returned error: ${status}`, { retryable: RETRYABLE_STATUS(status) });
  err.status = status;
  const after = parseRetryAfter(ex.head.headers.get("retry-after"));
  if (after !== null) err.retryAfter = after;
  return err;
}

/**
 * Sends the request and follows redirects (with -L). Returns the exchange of the final answer with its
 * head read; the plan's url is then the effective URL.
 */
export async function requestFollowing(
  plan: RequestPlan,
  client: HttpClient,
  opts: Options,
  log: Logger,
  stats: TransferStats,
  extra: [string, string][] = [],
): Promise<Exchange> {
  for (;;) {
    const ex = await client.request(plan.url, plan.spec(extra), IDLE_TIMEOUT_MS);
    const head = ex.head;
    stats.tStartTransfer = performance.now() - stats.startedAt;
    stats.urlEffective = plan.url.url.href;
    stats.scheme = plan.url.url.protocol.replace(":", "");
    stats.httpCode = head.status;
    stats.httpVersion = head.version;
    stats.contentType = head.headers.get("content-type");
    stats.headers = head.headers;
    stats.sizeHeader += head.headerBytes;
    stats.sizeRequest += ex.requestBytes;
    stats.remoteIp = ex.conn.remoteAddress;
    stats.remotePort = ex.conn.remotePort;
    stats.localIp = ex.conn.localAddress;
    stats.localPort = ex.conn.localPort;
    const location = head.headers.get("location");
    if (!REDIRECTS.has(head.status) || !location) return ex;
    const next = resolveRedirect(plan.url.url, location);
    stats.redirectUrl = next.href;
    if (!opts.followRedirects) return ex;
    if (opts.maxRedirs >= 0 && stats.numRedirects >= opts.maxRedirs)
      throw new FetchxError("TOO_MANY_REDIRECTS", `maximum (${opts.maxRedirs}) redirects followed`);
    await ex.discard();
    client.release(ex, plan.url);
    if (head.status === 303 && plan.method !== "HEAD") plan.method = "GET";
    plan.url = parseUrl(next.href);
    stats.numRedirects++;
    stats.tRedirect = performance.now() - stats.startedAt;
    log.trace(`Following redirect to ${next.href}`);
  }
}
