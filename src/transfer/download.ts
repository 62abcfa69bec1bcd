// One URL from request to committed output: redirects (-L), --fail, output naming, decoding, the sink.
import type { Options } from "../cli/options.ts";
import { FetchxError } from "../errors.ts";
import { createDecoder, ACCEPT_ENCODING } from "../http/decode.ts";
import type { ResponseHead } from "../http/types.ts";
import { parseUrl, resolveRedirect, type ParsedUrl } from "../http/url.ts";
import { FileSink } from "../sink/file.ts";
import { outputPath } from "../sink/name.ts";
import { stdoutSink } from "../sink/stdout.ts";
import type { Sink } from "../sink/types.ts";
import type { Logger } from "../ui/log.ts";
import type { HttpClient } from "./client.ts";
import type { TransferStats } from "./stats.ts";

export interface DownloadContext {
  opts: Options;
  log: Logger;
  client: HttpClient;
  /** Output file for this URL (-o given per URL); undefined = decide from options. */
  output?: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function hostHeader(u: ParsedUrl): string {
  const host = u.host.includes(":") ? `[${u.host}]` : u.host;
  return u.port === (u.secure ? 443 : 80) ? host : `${host}:${u.port}`;
}

/** Request headers: ours first, then -H (which replaces ours by name; "Name:" with no value removes). */
function requestHeaders(opts: Options, auth: string | undefined, referer: string | undefined): [string, string][] {
  const ours: [string, string][] = [["User-Agent", opts.userAgent], ["Accept", "*/*"]];
  if (auth) ours.push(["Authorization", `Basic ${Buffer.from(auth).toString("base64")}`]);
  if (referer) ours.push(["Referer", referer]);
  if (opts.compressed) ours.push(["Accept-Encoding", ACCEPT_ENCODING]);
  const named = new Set(opts.headers.map(([k]) => k.toLowerCase()));
  return [...ours.filter(([k]) => !named.has(k.toLowerCase())), ...opts.headers.filter(([, v]) => v !== "")];
}

export function headText(head: ResponseHead): string {
  let s = `HTTP/${head.version} ${head.status} ${head.statusText}\r\n`;
  for (const [k, v] of head.headers.entries()) s += `${k}: ${v}\r\n`;
  return s + "\r\n";
}

export async function download(urlText: string, ctx: DownloadContext, stats: TransferStats): Promise<void> {
  const { opts, log, client } = ctx;
  let u = parseUrl(urlText);
  // Credentials go only to the origin they were given for (scheme, host and port, as curl does).
  const origin = (p: ParsedUrl) => `${p.secure}|${p.host}|${p.port}`;
  const firstOrigin = origin(u);
  const auth = opts.user ?? u.user;
  let method = opts.head ? "HEAD" : (opts.method ?? "GET");
  let referer = opts.referer;
  stats.method = method;

  for (;;) {
    const sameHost = origin(u) === firstOrigin;
    const headers = requestHeaders(opts, sameHost ? auth : undefined, referer);
    const spec = {
      method,
      target: u.target,
      host: hostHeader(u),
      headers: sameHost ? headers : headers.filter(([k]) => !/^(authorization|cookie)$/i.test(k)),
    };
    const ex = await client.request(u, spec, 0);
    const head = ex.head;
    stats.tStartTransfer = performance.now() - stats.startedAt;
    stats.urlEffective = u.url.href;
    stats.scheme = u.url.protocol.replace(":", "");
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
    if (REDIRECTS.has(head.status) && location) {
      const next = resolveRedirect(u.url, location);
      stats.redirectUrl = next.href;
      if (opts.followRedirects) {
        if (opts.maxRedirs >= 0 && stats.numRedirects >= opts.maxRedirs)
          throw new FetchxError("TOO_MANY_REDIRECTS", `maximum (${opts.maxRedirs}) redirects followed`);
        await ex.discard();
        client.release(ex, u);
        if (head.status === 303 && method !== "HEAD") method = "GET";
        referer = opts.referer;
        u = parseUrl(next.href);
        stats.numRedirects++;
        stats.tRedirect = performance.now() - stats.startedAt;
        log.trace(`Following redirect to ${next.href}`);
        continue;
      }
    }
    if (opts.fail && head.status >= 400) {
      ex.conn.close();
      const err = new FetchxError("HTTP_ERROR", `The requested URL returned error: ${head.status}`);
      err.status = head.status;
      throw err;
    }

    const path = outputPath(opts, u.url, head, ctx.output);
    stats.filenameEffective = path ?? undefined;
    const sink: Sink = path === null ? stdoutSink() : new FileSink(path, { createDirs: opts.createDirs });
    try {
      if (opts.includeHeaders || opts.head) await sink.write(new TextEncoder().encode(headText(head)));
      const decoder = opts.compressed ? createDecoder(head.headers.get("content-encoding")) : null;
      await ex.body(async (bytes) => {
        stats.sizeDownload += bytes.byteLength;
        if (!decoder) return sink.write(bytes);
        for (const out of await decoder.write(bytes)) await sink.write(out);
      });
      if (decoder) for (const out of await decoder.end()) await sink.write(out);
      client.release(ex, u);
      await sink.commit();
    } catch (err) {
      ex.conn.close();
      await sink.abort();
      throw err;
    }
    return;
  }
}
