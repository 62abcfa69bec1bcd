// Writes HTTP/1.1 request heads (HTTP/1.0 ones for curl's -0). Everything that reaches the wire is checked
// here, because a CR or LF in a user-supplied header or URL would let the value inject extra header lines
// (request splitting).

import { FetchxError } from "../errors.ts";
import { hasControlOrSpace, hasLineBreakOrNul, isToken } from "./chars.ts";
import { sentValue } from "./headers.ts";

export interface RequestHead {
  method: string;
  /** origin-form ("/path?q") or absolute-form for plain-HTTP proxies, authority-form for CONNECT. */
  target: string;
  /** Host header value (with ":port" when not the default); "" sends none. A "Host" in `headers` replaces it. */
  host: string;
  headers: [string, string][];
  /** "1.0" for curl's -0/--http1.0; HTTP/1.1 otherwise. */
  version?: "1.0";
}

const encoder = new TextEncoder();

export function buildRequest(r: RequestHead): Uint8Array {
  if (!isToken(r.method)) throw new FetchxError("USAGE", `invalid request method ${JSON.stringify(r.method)}`);
  // Request-targets never contain whitespace or control characters; the URL layer percent-encodes them.
  if (r.target === "" || hasControlOrSpace(r.target))
    throw new FetchxError("USAGE", `invalid request target ${JSON.stringify(r.target)}`);

  if (hasLineBreakOrNul(r.host)) throw new FetchxError("USAGE", "Host contains a CR, LF or NUL character");
  // No host: the caller removed the header (curl's -H "Host:").
  let hostLine = r.host === "" ? "" : `Host: ${r.host}\r\n`;
  let hostGiven = false;
  let lines = "";
  for (const header of r.headers) {
    const name = header[0];
    if (!isToken(name)) throw new FetchxError("USAGE", `invalid header name ${JSON.stringify(name)}`);
    const value = sentValue(header);
    if (hasLineBreakOrNul(value))
      throw new FetchxError("USAGE", `header ${name} contains a CR, LF or NUL character`);
    if (name.length === 4 && name.toLowerCase() === "host") {
      // The first Host given wins, as curl's (it looks the header up by name and takes the first), and
      // goes first, spelled "Host" as curl writes it.
      if (!hostGiven) hostLine = `Host:${value}\r\n`;
      hostGiven = true;
    } else lines += `${name}:${value}\r\n`;
  }
  return encoder.encode(`${r.method} ${r.target} HTTP/${r.version ?? "1.1"}\r\n${hostLine}${lines}\r\n`);
}
