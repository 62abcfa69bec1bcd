// Building requests and following redirects: the headers fetchx sends, and the walk from the URL given to
// the one that answers (followRedirects, maxRedirects), with credentials kept to the origin they were
// given for.
import { FetchxError } from "../errors.ts";
import { ACCEPT_ENCODING } from "../http/decode.ts";
import { Challenges } from "../http/digest.ts";
import type { HstsCache } from "../http/hsts.ts";
import { parseSigV4, signV4, type SigV4Params } from "../http/sigv4.ts";
import { latin1AsUtf8, parseRetryAfter, withHeaders } from "../http/headers.ts";
import type { ResponseHead } from "../http/types.ts";
import type { CookieJar } from "../http/cookies.ts";
import { parseUrl, resolveRedirect, withWrittenTarget, type ParsedUrl } from "../http/url.ts";
import { bodyLength, type Exchange, type RequestSpec } from "./exchange.ts";
import type { RequestBody } from "./options.ts";
import { RETRYABLE_STATUS } from "./retry.ts";

/** curl follows any 3xx with a Location but 304 (the answer to a conditional request). */
const isRedirectStatus = (status: number) => status >= 300 && status < 400 && status !== 304;

/** The Location of a redirect answer as sent (the first one, when there are several, as curl), else null. */
export function locationOf(head: ResponseHead): string | null {
  if (!isRedirectStatus(head.status)) return null;
  const location = head.headers.getAll("location")[0];
  return location === undefined || location.trim() === "" ? null : location;
}

/** Where a redirect answer points (a raw UTF-8 Location read as the UTF-8 it is), or null when it is none. */
export function redirectTarget(head: ResponseHead, base: ParsedUrl): string | null {
  const location = locationOf(head);
  return location === null ? null : resolveRedirect(base, latin1AsUtf8(location));
}

/**
 * A redirect not followed, as %{redirect_url} shows it: resolved when it can be, else as written (a
 * Location fetchx could not follow is no error when it is not followed: an app's "myapp://callback").
 */
function unfollowedTarget(location: string, base: ParsedUrl): string {
  try {
    return resolveRedirect(base, latin1AsUtf8(location));
  } catch {
    try {
      const url = new URL(location.trim(), base.url);
      if (url.host !== "" && url.pathname === "") url.pathname = "/"; // curl's "scheme://host/" form
      return url.href;
    } catch {
      return location.trim();
    }
  }
}

export function hostHeader(u: ParsedUrl): string {
  const host = u.host.includes(":") ? `[${u.host}]` : (u.hostWritten ?? u.host);
  return u.port === (u.secure ? 443 : 80) ? host : `${host}:${u.port}`;
}

const originOf = (u: ParsedUrl) => `${u.secure}|${u.host}|${u.zone ?? ""}|${u.port}`;

export interface PlanOptions {
  method: string;
  headers: [string, string][];
  userAgent: string;
  referer?: string;
  autoReferer?: boolean;
  /** Credentials go to every origin, not only the first URL's (curl --location-trusted). */
  locationTrusted?: boolean;
  /** The method stays on a redirect that turns it into GET (curl -X); the body is dropped all the same. */
  keepMethod?: boolean;
  /** The body is a POST's whatever the method (DownloadOptions.postBody). */
  postBody?: boolean;
  /** Redirect statuses (301, 302, 303) after which a POST is sent again as POST (curl --post301 ...). */
  keepPost?: number[];
  /** The URL's path as given, "." and ".." segments included (curl --path-as-is). */
  pathAsIs?: boolean;
  /** curl's --request-target: sent instead of the URL's path and query. */
  requestTarget?: string;
  /** curl's --ignore-content-length: every answer's body runs to the connection's close. */
  ignoreContentLength?: boolean;
  /** curl's --aws-sigv4 value: `user` signs each request (AWS Signature Version 4) instead of Basic. */
  awsSigv4?: string;
  /** curl's --hsts: http:// URLs to its hosts (the URL given and redirects) go over https. */
  hsts?: HstsCache;
  user?: string;
  compressed: boolean;
  body?: RequestBody;
  contentType?: string;
  bearer?: string;
  authScheme?: "basic" | "digest" | "any";
  /** "1.0": HTTP/1.0 request lines (curl -0). */
  httpVersion?: "1.0" | "1.1";
  /** How long a body asked with Expect: 100-continue waits for the 100 (curl --expect100-timeout). */
  expect100TimeoutMs: number;
  cookies?: CookieJar;
  /** The bytes the caller asks for (curl -r, -C: "0-99", "100-"), sent as a Range header. */
  range?: string;
  /** curl -b NAME=VALUE: sent to the first origin after the jar's cookies, unless a Cookie header is given. */
  cookie?: string;
  /** Schemes allowed for the URL (and redirects), and for redirects only. */
  protocols: string[];
  redirectProtocols: string[];
}

/** curl's wording for a scheme --proto or --proto-redir leaves out (exit 1). */
function checkAllowed(u: ParsedUrl, allowed: string[]): void {
  const scheme = u.url.protocol.slice(0, -1);
  if (!allowed.includes(scheme)) throw new FetchxError("UNSUPPORTED_PROTOCOL", `Protocol "${scheme}" not supported or disabled in libcurl`);
}

/** curl 7.88's EXPECT_100_THRESHOLD: a POST's body above it is sent with Expect: 100-continue. */
const EXPECT_100_THRESHOLD = 1024 * 1024;

export const hasStream = (b: RequestBody | undefined): boolean => b instanceof ReadableStream || (Array.isArray(b) && b.some(hasStream));

/** A body's bytes when they are all in memory (not a stream, a file or a form with files), else null. */
function bytesOf(b: RequestBody): Uint8Array | null {
  if (b instanceof Uint8Array) return b;
  if (typeof b === "string") return new TextEncoder().encode(b);
  if (!Array.isArray(b)) return null;
  const parts = b.map(bytesOf);
  if (parts.some((p) => p === null)) return null;
  return Buffer.concat(parts as Uint8Array[]);
}

/** "user" alone means an empty password (curl sends "TOKEN:" for https://TOKEN@host/). */
const withColon = (user: string) => (user.includes(":") ? user : `${user}:`);

/** The request context of one URL: method, credentials and where they may go. */
export class RequestPlan {
  method: string;
  url: ParsedUrl;
  private readonly firstOrigin: string;
  /** The first URL's host name: the user's Host header goes to that host only (curl's first_host). */
  private readonly firstHost: string;
  private readonly auth?: string;
  /** How `auth` is sent (--digest, --anyauth; Basic by default). */
  private readonly scheme: "basic" | "digest" | "any";
  /** The body still to send; a redirect that turns the request into a GET drops it. */
  body?: RequestBody;
  /** A stream body was handed to a request: it cannot be sent again. */
  bodySent = false;
  /** The server's challenges answered (--digest, --anyauth), over the whole download. */
  private readonly answers: Challenges;
  /** The request sent without its body to draw a challenge drew none: the body goes with the next. */
  private probed = false;
  /** The Referer sent: -e's, then with autoReferer the URL each followed redirect came from. */
  private referer?: string;
  /** A 417 answered the expectation: the request goes on without waiting for a 100 (nor asking, unless -H asks). */
  private expectFailed = false;

  constructor(private readonly opts: PlanOptions, urlText: string) {
    this.url = this.secured(withWrittenTarget(parseUrl(urlText), urlText, opts.pathAsIs));
    checkAllowed(this.url, opts.protocols);
    this.firstOrigin = originOf(this.url);
    this.firstHost = this.url.host.toLowerCase();
    this.auth = opts.user ?? this.url.user;
    this.scheme = opts.authScheme ?? "basic";
    this.answers = new Challenges(this.scheme);
    this.method = opts.method;
    this.body = opts.body;
    this.referer = opts.referer;
  }

  /** curl -X: the method stays on a redirect that would turn it into GET. */
  get keepsMethod(): boolean {
    return this.opts.keepMethod ?? false;
  }

  /** The request is a POST in curl's sense (its body -d's, -F's or --json's), whatever -X names. */
  get posting(): boolean {
    return this.opts.postBody ?? this.method === "POST";
  }

  /** The Referer the requests carry: -H's when given (empty: none), else -e's or the last redirect's. */
  get refererSent(): string | undefined {
    const given = this.opts.headers.find(([k]) => k.toLowerCase() === "referer");
    return given ? given[1] || undefined : this.referer;
  }

  /** --post301, --post302, --post303: a POST answered `status` stays a POST. */
  keepsPost(status: number): boolean {
    return this.opts.keepPost?.includes(status) ?? false;
  }

  /** Goes on to a followed redirect's target; with autoReferer the URL left is the next Referer (without its credentials and fragment, as curl 8). */
  redirectTo(next: string): void {
    if (this.opts.autoReferer) {
      const from = new URL(this.url.url.href); // parseUrl's URL holds no credentials
      from.hash = "";
      this.referer = from.href;
    }
    this.url = this.secured(parseUrl(next));
  }

  /**
   * `u`, or its https:// twin when --hsts knows its host: the same text after the scheme (zone included),
   * so a port given stays and http's default becomes https's.
   */
  private secured(u: ParsedUrl): ParsedUrl {
    if (u.secure || !this.opts.hsts?.upgrades(u.host)) return u;
    const text = `https${u.href.slice(u.href.indexOf(":"))}`;
    // The path as u sends it (its dot segments are already resolved, or kept with --path-as-is).
    const up = withWrittenTarget(parseUrl(text), text, true);
    return u.user === undefined ? up : { ...up, user: u.user };
  }

  /**
   * Expect: 100-continue as curl 7.88 decides it (lib/http.c expect100()): "ours" when fetchx sends it and
   * waits, "theirs" when -H asks it (waited on with a body, but with -0 only for a POST's), none else. curl
   * asks for an upload (-T) with any body, for a POST's (-d, -F, --json) above 1 MiB or of unknown length,
   * never with -0, nor once a 417 answered it; -H 'Expect:' (any Expect of the caller's) replaces it.
   */
  private expectation(length: number | null): "ours" | "theirs" | undefined {
    if (this.expectFailed || length === 0) return undefined;
    const given = this.opts.headers.find(([k]) => k.toLowerCase() === "expect");
    const http11 = this.opts.httpVersion !== "1.0";
    if (given) return /100-continue/i.test(given[1]) && (http11 || this.posting) ? "theirs" : undefined;
    if (!http11) return undefined;
    return !this.posting || length === null || length > EXPECT_100_THRESHOLD ? "ours" : undefined;
  }

  /** A 417 answered the expectation: the request is sent again, its body without waiting, as curl's. */
  expectationFailed(): void {
    this.expectFailed = true;
  }

  /** Whether the request can be sent again (a retry): not once a stream body was consumed. */
  get replayable(): boolean {
    return !(this.bodySent && hasStream(this.body));
  }

  /**
   * A 401 that --digest or --anyauth should answer (credentials given, the first origin, a challenge fetchx
   * can answer, not answered already unless only its nonce went stale): true when the request is to be sent
   * again, now with Authorization.
   */
  takeChallenge(head: ResponseHead): boolean {
    if (head.status !== 401 || !this.auth || this.opts.bearer || !this.trusted(this.url)) return false;
    return this.answers.take(head.headers.getAll("www-authenticate"));
  }

  /** --aws-sigv4: the request to `url` signed now (its own time: a retry or a range request signs again). */
  private signed(url: ParsedUrl): [string, string][] {
    const body = this.body === undefined ? undefined : (bytesOf(this.body) ?? "stream");
    let params: SigV4Params;
    try {
      params = parseSigV4(this.opts.awsSigv4!, url.host);
    } catch (err) {
      throw new FetchxError("BAD_URL", (err as Error).message, { retryable: false });
    }
    return signV4(params, { method: this.method, target: url.target, host: hostHeader(url), headers: this.opts.headers, body, credentials: withColon(this.auth!), now: Date.now() / 1000 });
  }

  /**
   * --digest before the server's challenge: the request is sent without its body to draw it, as curl's. With
   * --anyauth curl sends the body at once (and again after a challenge): so does fetchx, unless the body
   * can be sent only once (a stream).
   */
  private get authProbe(): boolean {
    return this.scheme !== "basic" && !!this.auth && !this.opts.bearer && this.answers.answered === 0 && !this.probed && (this.scheme === "digest" || hasStream(this.body)) && this.trusted(this.url);
  }

  /** Whether the next request is sent without its body, to draw a challenge. */
  get probing(): boolean {
    return this.body !== undefined && this.authProbe;
  }

  /** The request sent to draw a challenge was answered without one: the next goes with its body. */
  probeUnanswered(): void {
    this.probed = true;
  }

  /** A redirect to `next`: checked against --proto and --proto-redir. */
  allowRedirect(next: ParsedUrl): void {
    checkAllowed(next, this.opts.protocols);
    checkAllowed(next, this.opts.redirectProtocols);
  }

  /**
   * Headers for the current URL (or `url`): ours, then the caller's (replacing ours by name; "" removes), then
   * `extra`; and where a forwarding proxy's Proxy-Connection goes among them (undefined: the caller named it).
   */
  headers(extra: [string, string][] = [], url: ParsedUrl = this.url): { headers: [string, string][]; proxyConnectionAt?: number } {
    const o = this.opts;
    const credentialed = this.trusted(url);
    // In curl's order: Authorization, Range, User-Agent, Accept, Accept-Encoding, Referer (then a forwarding
    // proxy's Proxy-Connection), Cookie (the signature's headers of --aws-sigv4 after Accept).
    const ours: [string, string][] = [];
    if (o.bearer && credentialed) ours.push(["Authorization", `Bearer ${o.bearer}`]);
    else if (o.awsSigv4 === undefined && this.auth && credentialed) {
      const value = this.answers.header(withColon(this.auth), this.method, url.target);
      if (value !== undefined) ours.push(["Authorization", value]);
    }
    // A segment's or a resume's Range (in `extra`) or the caller's -r/-C: curl writes it right after Authorization.
    const rangeAt = extra.findIndex(([k]) => k === "Range");
    if (rangeAt >= 0) {
      ours.push(extra[rangeAt]!);
      extra = extra.filter((_, i) => i !== rangeAt);
    } else if (o.range !== undefined) ours.push(["Range", `bytes=${o.range}`]);
    // An empty User-Agent sends none, as curl's -A "".
    if (o.userAgent !== "") ours.push(["User-Agent", o.userAgent]);
    ours.push(["Accept", "*/*"]);
    if (!o.bearer && o.awsSigv4 !== undefined && this.auth && credentialed) {
      if (!o.headers.some(([k, v]) => v !== "" && k.toLowerCase() === "authorization")) ours.push(...this.signed(url));
    }
    if (o.compressed) ours.push(["Accept-Encoding", ACCEPT_ENCODING]);
    if (this.referer) ours.push(["Referer", this.referer]);
    const beforeCookie = ours.length;
    // The jar's cookies, then -b NAME=VALUE, in one header as curl's; the user's -H Cookie (even "Cookie:",
    // which sends none) replaces the -b pairs only: the jar's still go, in a header of their own before it.
    const userCookie = o.headers.some(([k]) => k.toLowerCase() === "cookie");
    const jarCookie = o.cookies?.header(url.url) ?? "";
    const cookie = [jarCookie, credentialed && !userCookie ? o.cookie : undefined].filter(Boolean).join("; ");
    if (cookie) ours.push(["Cookie", cookie]);
    // The body's headers go after the caller's, as curl writes them (-H "X: 1" -d x: X, Content-Length, Content-Type).
    const framing: [string, string][] = [];
    if (this.body !== undefined) {
      const length = this.authProbe ? 0 : bodyLength(this.body);
      if (length === null && o.httpVersion === "1.0") throw new FetchxError("UPLOAD_FAILED", "HTTP/1.0 (-0) cannot send a body of unknown length: it has no chunked encoding");
      // The caller's Transfer-Encoding: chunked frames the body (exchange.ts): no Content-Length beside it,
      // as curl's (a request with both is one a server must refuse, RFC 9112 6.3).
      const chunkedAsked = o.headers.some(([k, v]) => k.toLowerCase() === "transfer-encoding" && /chunked/i.test(v));
      if (length === null) framing.push(["Transfer-Encoding", "chunked"]);
      else if (!chunkedAsked) framing.push(["Content-Length", String(length)]);
      if (o.contentType) framing.push(["Content-Type", o.contentType]);
      if (this.expectation(length) === "ours") framing.push(["Expect", "100-continue"]);
    }
    // Without -H (most runs) nothing is replaced: no set, filters and spreads for each request.
    if (o.headers.length === 0) {
      for (const e of framing) ours.push(e);
      for (const e of extra) ours.push(e);
      return { headers: ours, proxyConnectionAt: beforeCookie };
    }
    // Credentials the caller gives go to the first origin only: elsewhere they only remove ours. The
    // caller's Host goes to the first host name only, as curl's: a redirect to another host names that host.
    const sameHost = this.sameHost(url);
    const theirs = credentialed && sameHost ? o.headers : o.headers.map(([k, v]): [string, string] => ((!credentialed && /^(authorization|cookie)$/i.test(k)) || (!sameHost && k.toLowerCase() === "host") ? [k, ""] : [k, v]));
    const merged = withHeaders(ours, theirs);
    if (userCookie && jarCookie) {
      const at = merged.findIndex(([k]) => k.toLowerCase() === "cookie");
      merged.splice(at < 0 ? merged.length : at, 0, ["Cookie", jarCookie]);
    }
    // A body header the caller names is the caller's, where they put it.
    for (const e of framing) if (!theirs.some(([k]) => k.toLowerCase() === e[0].toLowerCase())) merged.push(e);
    for (const e of extra) merged.push(e);
    // The caller's Proxy-Connection (even "Proxy-Connection:", which sends none) replaces the proxy's, as curl's.
    const named = new Set(theirs.map(([k]) => k.toLowerCase()));
    if (named.has("proxy-connection")) return { headers: merged };
    return { headers: merged, proxyConnectionAt: ours.slice(0, beforeCookie).filter(([k]) => !named.has(k.toLowerCase())).length };
  }

  /**
   * A GET for `url` other than the current one (where a segment's request was redirected), with the
   * credentials and cookies that URL's origin may have; the plan's url stays as it is.
   */
  specFor(url: ParsedUrl, extra: [string, string][] = []): RequestSpec {
    // curl's -H "Host:" sends no Host at all (an empty host: buildRequest writes no line).
    const noHost = this.opts.headers.length > 0 && this.sameHost(url) && this.opts.headers.some(([k, v]) => v === "" && k.toLowerCase() === "host");
    const { headers, proxyConnectionAt } = this.headers(extra, url);
    const spec: RequestSpec = { method: this.method, target: this.opts.requestTarget ?? url.target, host: noHost ? "" : hostHeader(url), headers };
    if (proxyConnectionAt !== undefined) spec.proxyConnectionAt = proxyConnectionAt;
    if (this.opts.requestTarget !== undefined) spec.targetGiven = true;
    if (this.opts.ignoreContentLength) spec.ignoreLength = true;
    if (this.opts.httpVersion === "1.0") spec.version = "1.0";
    return spec;
  }

  /** Whether credentials go to `url`: the first URL's origin, or any with --location-trusted. */
  private trusted(url: ParsedUrl): boolean {
    return this.opts.locationTrusted === true || originOf(url) === this.firstOrigin;
  }

  private sameHost(url: ParsedUrl): boolean {
    return url.host.toLowerCase() === this.firstHost;
  }

  spec(extra: [string, string][] = []): RequestSpec {
    const spec = this.specFor(this.url, extra);
    // The request that draws the challenge goes without its body, as curl's (Content-Length: 0): the body
    // is sent once, with the answer, so a streamed one can be sent at all.
    if (this.body !== undefined && this.authProbe) spec.body = new Uint8Array(0);
    else if (this.body !== undefined) {
      spec.body = this.body;
      this.bodySent = true;
      if (this.expectation(bodyLength(this.body))) spec.continueWaitMs = this.opts.expect100TimeoutMs;
    }
    return spec;
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
  redirected(next: string, followed: boolean): void;
  /** Redirects followed so far (the limit counts across retries). */
  readonly redirects: number;
  /** A forwarding proxy's 407 that --proxy-digest or --proxy-anyauth answers (HttpClient.proxyChallenged). */
  proxyChallenged(head: ResponseHead, url: ParsedUrl): boolean;
  trace(line: string): void;
}

/**
 * Sends the request and follows redirects. Returns the exchange of the final answer with its head read;
 * the plan's url is then the effective URL.
 */
export async function requestFollowing(plan: RequestPlan, sender: RequestSender, policy: RedirectPolicy, extra: [string, string][] = []): Promise<Exchange> {
  for (;;) {
    const probing = plan.probing;
    const ex = await sender.send(plan.spec(extra), plan.url);
    sender.answered(ex, plan.url);
    const head = ex.head;
    // An answer before the body was sent leaves it unread: a stream can still go with the next request.
    if (ex.bodyWithheld) plan.bodySent = false;
    // 417 Expectation Failed, while the body waited: the same request again without waiting (curl: on
    // the same connection, its body sent at once).
    if (head.status === 417 && ex.bodyWithheld) {
      plan.expectationFailed();
      await ex.discard();
      ex.release();
      continue;
    }
    // --proxy-digest, --proxy-anyauth through a forwarding proxy: its 407 carries the challenge.
    if (sender.proxyChallenged(head, plan.url)) {
      await ex.discard();
      ex.release();
      sender.trace("Proxy asks for authentication: answering its challenge");
      continue;
    }
    // --digest, --anyauth: the 401 carries the challenge; the same request goes again with the answer.
    if (plan.takeChallenge(head)) {
      await ex.discard();
      ex.release();
      sender.trace("Server asks for authentication: answering its challenge");
      continue;
    }
    // The body was held back for a challenge that did not come: the request goes again with it, as curl's
    // (an answer to the empty request was never the answer to the request asked for).
    if (probing) {
      plan.probeUnanswered();
      await ex.discard().then(
        () => ex.release(),
        () => ex.close(),
      );
      sender.trace("No authentication asked: sending the request with its body");
      continue;
    }
    // A raw UTF-8 Location (not percent-encoded) arrives as Latin-1 text: read it as the UTF-8 it is, so
    // the URL asked for is the one the server named (curl sends the raw bytes, which is the same request).
    const location = locationOf(head);
    if (location === null) return ex;
    if (!policy.follow) {
      sender.redirected(unfollowedTarget(location, plan.url), false);
      return ex;
    }
    const next = resolveRedirect(plan.url, latin1AsUtf8(location));
    plan.allowRedirect(parseUrl(next));
    // As curl and browsers: 303 turns anything but HEAD into GET, 301 and 302 turn a POST into GET; the
    // body goes with it (unless --post301, --post302, --post303 keep a POST a POST). A method given with
    // -X stays on the request line, without the body, as curl's (--follow: RFC 9110's GET). 307 and 308
    // send the same request (and body) again, and so do 301 and 302 a PUT's (-T).
    const posting = plan.posting;
    const keep = posting && plan.keepsPost(head.status);
    const bodyDropped = !keep && ((head.status === 303 && plan.method !== "HEAD") || (posting && (head.status === 301 || head.status === 302)));
    // A body read from a stream (-T - from a pipe) cannot go again: curl's 65 (it went again empty after
    // a 301 or 302).
    if (!plan.replayable && !bodyDropped)
      throw new FetchxError("SEND_REWIND", `the server redirected (${head.status}) a body read from a stream, which cannot be sent again`, { retryable: false });
    if (policy.max >= 0 && sender.redirects >= policy.max) {
      sender.redirected(next, false);
      throw new FetchxError("TOO_MANY_REDIRECTS", `maximum (${policy.max}) redirects followed`);
    }
    // A redirect's body is not wanted: one cut short does not stop the redirect (curl follows it too).
    await ex.discard().then(
      () => ex.release(),
      () => ex.close(),
    );
    if (bodyDropped) {
      if (!plan.keepsMethod) plan.method = "GET";
      plan.body = undefined;
    }
    plan.redirectTo(next);
    sender.redirected(next, true);
    sender.trace(`Following redirect to ${next}`);
  }
}
