// -w / --write-out: curl's format language. %{var} expands a variable, %{json} curl 7.88's variables (and
// fetchx's own) as one JSON object, %{header_json} the response headers, %header{name} one header,
// %{stderr}/%{stdout} switch the stream, %{onerror} drops the rest unless the transfer failed, \n \t \r
// are escapes, %% is a percent sign; any other backslash or percent sign prints as it is, with the
// character after it. Unknown variables expand to nothing and are warned about on stderr, as curl does.
// Compared with curl 7.88: times have six decimals (in %{json} too, as numbers), a value curl has not got
// is null in %{json} (and nothing in the text), %header{name} is the header's first value.
import { schemeOf } from "../http/chars.ts";
import { latin1AsUtf8 } from "../http/headers.ts";
import { takeZone } from "../http/url.ts";
import type { DownloadResult } from "../transfer/stats.ts";
import { USER_AGENT } from "../version.ts";

/**
 * The keys of curl 7.88's %{json}, in its order: its variables table is alphabetical and the object walks
 * it, then adds curl_version. Variables of later curls (conn_id, xfer_id, proxy_used, url.*, urle.*: 8.x
 * prints them too) are left out, as 7.88 has none of them; so are certs and num_certs, as Bun's TLS socket
 * gives the leaf alone (no chain to count) and curl's certs is OpenSSL's text of every field, not only the
 * PEM. fetchx's own follow, num_retries (a later curl's name) first: scripts read the retries from here.
 */
const JSON_KEYS = [
  "content_type", "errormsg", "exitcode", "filename_effective", "ftp_entry_path", "http_code", "http_connect",
  "http_version", "local_ip", "local_port", "method", "num_connects", "num_headers", "num_redirects",
  "proxy_ssl_verify_result", "redirect_url", "referer", "remote_ip", "remote_port", "response_code", "scheme",
  "size_download", "size_header", "size_request", "size_upload", "speed_download", "speed_upload",
  "ssl_verify_result", "time_appconnect", "time_connect", "time_namelookup", "time_pretransfer", "time_redirect",
  "time_starttransfer", "time_total", "url", "url_effective", "urlnum", "curl_version",
  "num_retries", "mptcp", "mptcp_subflows", "connections",
];

/** curl prints a time as seconds with six decimals ("%lu.%06lu" of microseconds): 0.000000, never 0. */
const secs = (ms: number) => (ms / 1000).toFixed(6);

/** The variables, by curl's names (plus mptcp, mptcp_subflows and connections, which are ours); null is curl's "not known". */
export function variables(s: DownloadResult, urlnum = 0, withUrlParts = true): Record<string, string | number | unknown> {
  const total = s.tTotal / 1000;
  return {
    url: s.url,
    urlnum,
    url_effective: s.urlEffective,
    method: s.method,
    scheme: s.scheme,
    http_code: s.httpCode,
    response_code: s.httpCode,
    // curl's names for the versions: "1" for HTTP/1.0 (8.x too), "0" when nothing answered.
    http_version: s.httpVersion === "1.0" ? "1" : s.httpVersion || "0",
    content_type: s.contentType == null ? null : latin1AsUtf8(s.contentType),
    redirect_url: s.redirectUrl ?? null,
    size_download: s.sizeDownload,
    size_header: s.sizeHeader,
    // curl 7.73: the header lines of the last answer.
    num_headers: s.headers ? s.headers.entries().length : 0,
    size_request: s.sizeRequest,
    size_upload: s.sizeUpload,
    speed_download: total > 0 ? Math.round(s.sizeDownload / total) : 0,
    speed_upload: total > 0 ? Math.round(s.sizeUpload / total) : 0,
    time_namelookup: secs(s.tNameLookup),
    time_connect: secs(s.tConnect),
    time_appconnect: secs(s.tAppConnect),
    time_pretransfer: secs(s.tPretransfer),
    time_starttransfer: secs(s.tStartTransfer),
    time_redirect: secs(s.tRedirect),
    time_total: secs(s.tTotal),
    num_connects: s.numConnects,
    num_redirects: s.numRedirects,
    num_retries: s.numRetries,
    referer: s.referer ?? null,
    conn_id: s.connId,
    xfer_id: urlnum,
    proxy_used: s.proxyUsed ? 1 : 0,
    http_connect: s.httpConnect,
    ssl_verify_result: s.sslVerifyResult,
    proxy_ssl_verify_result: 0,
    // Two URL parses: only for a format that names them.
    ...(withUrlParts ? urlParts("url", s.url) : {}),
    ...(withUrlParts ? urlParts("urle", s.urlEffective) : {}),
    remote_ip: s.remoteIp,
    remote_port: s.remotePort,
    local_ip: s.localIp,
    local_port: s.localPort,
    filename_effective: s.filenameEffective ?? null,
    // fetchx speaks no FTP: curl's value for every other scheme.
    ftp_entry_path: null,
    // curl's is libcurl's version and its libraries'; fetchx's is its own and its runtime's.
    curl_version: `${USER_AGENT} Bun/${Bun.version}`,
    exitcode: s.exitCode,
    errormsg: s.errorMessage || null,
    mptcp: s.mptcp,
    mptcp_subflows: s.mptcpSubflows,
    connections: s.connections,
  };
}

export interface WriteOutput {
  stdout: string;
  stderr: string;
}

/** Expands `format` for one transfer (the run's `urlnum`th URL, from 0); returns what goes to stdout and to stderr. */
export function renderWriteOut(format: string, s: DownloadResult, urlnum = 0): WriteOutput {
  const vars = variables(s, urlnum, /%\{urle?\./.test(format));
  const out: WriteOutput = { stdout: "", stderr: "" };
  let stream: keyof WriteOutput = "stdout";
  // Any text up to "}" is a variable's name, as curl reads it: "%{}" and "%{nope:x}" are unknown ones.
  // curl reads a backslash or a percent sign together with the character after it, and prints a pair it
  // does not know as it is: a doubled backslash is two backslashes, and the n after it, or after "%\", is
  // a letter, no newline (8.x reads them so too).
  const re = /%\{([^}]*)\}|%header\{([^}]*)\}|%([^])|\\([^])/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out[stream] += format.slice(last, m.index);
    last = re.lastIndex;
    if (m[3] !== undefined) out[stream] += m[3] === "%" ? "%" : m[0];
    else if (m[4] !== undefined) out[stream] += m[4] === "n" ? "\n" : m[4] === "t" ? "\t" : m[4] === "r" ? "\r" : m[0];
    // curl 7.88 gives a header's first value (8.x joins them with ", "); a header that is not there is nothing.
    // Header text is byte per char: a UTF-8 value is printed as its own bytes again.
    else if (m[2] !== undefined) out[stream] += latin1AsUtf8(s.headers?.getAll(m[2])[0] ?? "");
    else if (m[1] === "stderr" || m[1] === "stdout") stream = m[1];
    else if (m[1] === "onerror") {
      if (s.exitCode === 0) return out; // the rest is for a failed transfer only
    }
    else if (m[1] === "json") out[stream] += jsonOf(vars);
    else if (m[1] === "header_json") out[stream] += headerJson(s);
    else if (m[1] === "connections") out[stream] += JSON.stringify(s.connections);
    else {
      const v = Object.hasOwn(vars, m[1]!) ? vars[m[1]!] : undefined;
      if (v === undefined) out.stderr += `fetchx: unknown --write-out variable: '${m[1]}'\n`;
      // curl prints the status as "%03ld": 000 when nothing answered, which scripts test for.
      else out[stream] += /^(http_code|response_code|http_connect)$/.test(m[1]!) ? String(v).padStart(3, "0") : String(v ?? "");
    }
  }
  out[stream] += format.slice(last);
  return out;
}

/** %{json}: the times go in as numbers with their six decimals ("time_total":0.001101), as curl's; JSON.stringify would drop the zeros. */
function jsonOf(vars: Record<string, unknown>): string {
  const fields = JSON_KEYS.map((k) => `${JSON.stringify(k)}:${k.startsWith("time_") ? vars[k] : JSON.stringify(vars[k])}`);
  return `{${fields.join(",")}}`;
}

/**
 * A -w @FILE (or @-) format as curl 7.88's file2string reads it: fgets into a 256-byte buffer, each piece
 * cut at its first CR, then its first LF (and, as a C string, at a NUL). So the file's line breaks print
 * nothing, and neither does what follows a CR on its line ("x\r\ry\n" is "x"); a line is read 255 bytes at
 * a time, each piece cut on its own. \n in the text is how such a format ends a line.
 */
export function formatFromFile(bytes: Uint8Array): string {
  const kept: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; ) {
    const lf = bytes.indexOf(0x0a, start);
    const end = Math.min(start + 255, lf < 0 ? bytes.length : lf + 1);
    const piece = bytes.subarray(start, end);
    const cut = piece.findIndex((b) => b === 0x0d || b === 0x0a || b === 0);
    kept.push(cut < 0 ? piece : piece.subarray(0, cut));
    start = end;
  }
  return new TextDecoder().decode(Buffer.concat(kept));
}

/**
 * curl 8.1's %{url.NAME} and %{urle.NAME}: the parts of the URL given and of the effective one (a port not
 * given is the scheme's; query and fragment without their "?" and "#"; no "options" in HTTP URLs).
 */
function urlParts(prefix: string, text: string): Record<string, string | number> {
  let parts: Record<string, string | number>;
  try {
    const { rest, zone } = takeZone(schemeOf(text) === undefined ? `http://${text}` : text, text);
    const u = new URL(rest);
    const scheme = u.protocol.slice(0, -1);
    parts = {
      scheme,
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      options: "",
      host: u.hostname,
      port: u.port === "" ? (scheme === "https" ? 443 : 80) : Number(u.port),
      path: u.pathname,
      query: u.search.slice(1),
      fragment: u.hash.slice(1),
      zoneid: zone ?? "",
    };
  } catch {
    return {}; // a URL that never parsed: its parts are unknown variables, as in curl
  }
  return Object.fromEntries(Object.entries(parts).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** %{header_json} as curl prints it: one name a line ("{...,\n...\n}"), "{\n}" when there is none. */
function headerJson(s: DownloadResult): string {
  const o: Record<string, string[]> = {};
  for (const [k, v] of s.headers?.entries() ?? []) (o[k.toLowerCase()] ??= []).push(latin1AsUtf8(v));
  return `{${Object.entries(o).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",\n")}\n}`;
}
