// Building requests and following redirects: the headers fetchx sends, and the walk from the URL given to
// the one that answers (followRedirects, maxRedirects), with credentials kept to the origin they were
// given for.
import { FetchxError } from "../errors.ts";
import { ACCEPT_ENCODING } from "../http/decode.ts";
import { latin1AsUtf8, parseRetryAfter } from "../http/headers.ts";
import type { ResponseHead } from "../http/types.ts";
import { parseUrl, resolveRedirect, type ParsedUrl } from "../http/url.ts";
import type { Exchange, RequestSpec } from "./exchange.ts";
import { RETRYABLE_STATUS } from "./retry.ts";

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function hostHeader(u: ParsedUrl): string {
  const host = u.host.includes(":") ? `[${u.host}]` : u.host;
  return u.port === (u.secure ? 443 : 80) ? host : `${host}:${u.port}`;
}

/** The response head as text, as received (curl -i, -I). */
export function headText(head: ResponseHead): string {
  let s = `HTTP/${head.version} ${head.status} ${head.statusText}\r\n`;
  for (const [k, v] of head.headers.entries()) s += `${k}: ${v}\r\n`;
  return s + "\r\n";
}

const originOf = (u: ParsedUrl) => `${u.secure}|${u.host}|${u.port}`;

export interface PlanOptions {
  method: string;
  headers: [string, string][];
  userAgent: string;
  referer?: string;
  user?: string;
  compressed: boolean;
}

/** The request context of one URL: method, credentials and where they may go. */
export class RequestPlan {
  method: string;
  url: ParsedUrl;
  private readonly firstOrigin: string;
  private readonly auth?: string;

  constructor(private readonly opts: PlanOptions, urlText: string) {
    this.url = parseUrl(urlText);
    this.firstOrigin = originOf(this.url);
    this.auth = opts.user ?? this.url.user;
    this.method = opts.method;
  }

  /** Headers for the current URL: ours, then the caller's (replacing ours by name; "" removes), then `extra`. */
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

  spec(extra: [string, string][] = []): RequestSpec {
    return { method: this.method, target: this.url.target, host: hostHeader(this.url), headers: this.headers(extra) };
  }
}

/** An HTTP status as an error, retryable when a retry may cure it, carrying Retry-After. */
export function statusError(head: ResponseHead): FetchxError {
  const status = head.status;
  const after = parseRetryAfter(head.headers.get("retry-after"));
  return new FetchxError("HTTP_ERROR", `The requested URL returned error: ${status}`, {
    retryable: RETRYABLE_STATUS(status),
    status,
    retryAfter: after ?? undefined,
  });
}

export interface RedirectPolicy {
  follow: boolean;
  max: number;
}

/** What requestFollowing needs of the download: a request over its client, and a place for what happened. */
export interface RequestSender {
  send(spec: RequestSpec, url: ParsedUrl): Promise<Exchange>;
  /** Each answer's head, in order (redirects included). */
  answered(ex: Exchange, url: ParsedUrl): void;
  /** A redirect answer; `followed` when the request goes on to `next`. */
  redirected(next: URL, followed: boolean): void;
  /** Redirects followed so far (the limit counts across retries). */
  readonly redirects: number;
  trace(line: string): void;
}

/**
 * Sends the request and follows redirects. Returns the exchange of the final answer with its head read;
 * the plan's url is then the effective URL.
 */
export async function requestFollowing(plan: RequestPlan, sender: RequestSender, policy: RedirectPolicy, extra: [string, string][] = []): Promise<Exchange> {
  for (;;) {
    const ex = await sender.send(plan.spec(extra), plan.url);
    sender.answered(ex, plan.url);
    const head = ex.head;
    const location = head.headers.get("location");
    if (!REDIRECTS.has(head.status) || !location) return ex;
    // A raw UTF-8 Location (not percent-encoded) arrives as Latin-1 text: read it as the UTF-8 it is, so
    // the URL asked for is the one the server named (curl sends the raw bytes, which is the same request).
    const next = resolveRedirect(plan.url.url, latin1AsUtf8(location));
    if (!policy.follow) {
      sender.redirected(next, false);
      return ex;
    }
    if (policy.max >= 0 && sender.redirects >= policy.max) throw new FetchxError("TOO_MANY_REDIRECTS", `maximum (${policy.max}) redirects followed`);
    await ex.discard();
    ex.release();
    if (head.status === 303 && plan.method !== "HEAD") plan.method = "GET";
    plan.url = parseUrl(next.href);
    sender.redirected(next, true);
    sender.trace(`Following redirect to ${next.href}`);
  }
}
