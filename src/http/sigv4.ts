// AWS Signature Version 4 for one request, as curl's --aws-sigv4 "PROVIDER1[:PROVIDER2[:REGION[:SERVICE]]]"
// makes it (curl's lib/http_aws_sigv4.c): S3, MinIO, Cloudflare R2, Backblaze B2, API Gateway and other
// providers that sign the same way ("osc" for Outscale, "goog" for Google's HMAC keys). Each request is
// signed when it is sent (its own time), so a retry or a range request of --connections carries a fresh
// signature; the Range fetchx adds is not signed (AWS does not ask it to be), as curl's is not.
//
// What is signed: the method; the path (for S3 as sent, for other services percent-encoded once more); the
// query with each key and value decoded and encoded again, sorted; Host, the caller's headers ("Name:"
// removals left out), X-{Provider2}-Date (unless the caller gave it or Date), and for aws:...:s3 the
// x-amz-content-sha256 header, which S3 requires; the payload's SHA-256 (S3: UNSIGNED-PAYLOAD for an
// upload streamed from a file, which curl cannot hash beforehand either).

export interface SigV4Params {
  provider0: string;
  provider1: string;
  region: string;
  service: string;
}

/**
 * curl's --aws-sigv4 value, with the service and region taken from the host ("s3.eu-west-1.amazonaws.com")
 * when not given. Throws a message for a value that names neither.
 */
export function parseSigV4(value: string, hostname: string): SigV4Params {
  const [provider0 = "", provider1 = "", region = "", service = ""] = (value || "aws:amz").split(":");
  if (provider0 === "") throw new Error("the first provider of --aws-sigv4 cannot be empty");
  const params = { provider0, provider1: provider1 || provider0, region, service };
  for (const part of Object.values(params)) if (part.length > 64) throw new Error("an --aws-sigv4 part is longer than 64 characters");
  if (params.service === "") {
    const labels = hostname.split(".");
    if (labels.length < 2 || labels[0] === "") throw new Error("--aws-sigv4: no service in the option nor in the host name");
    params.service = labels[0]!;
    if (params.region === "") {
      if (labels.length < 3 || labels[1] === "") throw new Error("--aws-sigv4: no region in the option nor in the host name");
      params.region = labels[1]!;
    }
  }
  return params;
}

export interface SigV4Request {
  method: string;
  /** Path and query as sent (origin-form). */
  target: string;
  /** The Host header's value. */
  host: string;
  /** The caller's headers (-H), in order; an empty value is a removal and is not signed. */
  headers: [string, string][];
  /** The body's bytes, or "stream" for one that cannot be hashed beforehand, or undefined for none. */
  body?: Uint8Array | "stream";
  /** "user:secret" (curl -u). */
  credentials: string;
  /** Seconds since the epoch. */
  now: number;
}

const hex = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(bytes as Uint8Array).toString("hex");
const sha256Hex = (data: string | Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");
const hmac = (key: string | Uint8Array, data: string) => new Bun.CryptoHasher("sha256", key).update(data).digest();

// RFC 3986's unreserved characters stay; every other byte is %XX (upper case).
const UNRESERVED = /[A-Za-z0-9\-._~]/;
function encodeBytes(bytes: Uint8Array, keepSlash: boolean): string {
  let out = "";
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += UNRESERVED.test(c) || (keepSlash && c === "/") ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** A query key or value: %XX decoded (but %2B kept as %2B), '+' as %20, then encoded again. */
function normalizeQueryPart(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; ) {
    let b: number;
    if (text[i] === "%" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      b = parseInt(text.slice(i + 1, i + 3), 16);
      i += 3;
      if (b === 0x2b) {
        out += "%2B";
        continue;
      }
    } else {
      b = text.charCodeAt(i) & 0xff;
      i++;
    }
    const c = String.fromCharCode(b);
    out += UNRESERVED.test(c) ? c : c === "+" ? "%20" : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** The canonical query: components sorted by key, then value; a key without value is "key=". */
function canonicalQuery(query: string): string {
  const pairs = query
    .split("&")
    .filter((p) => p !== "")
    .map((p) => {
      const eq = p.indexOf("=");
      return eq < 0 ? [normalizeQueryPart(p), ""] : [normalizeQueryPart(p.slice(0, eq)), normalizeQueryPart(p.slice(eq + 1))];
    });
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  pairs.sort((a, b) => cmp(a[0]!, b[0]!) || cmp(a[1]!, b[1]!));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** Lower-case name, value without leading or trailing blanks and with inner runs of blanks as one space. */
const trimHeader = ([name, value]: [string, string]): [string, string] => [name.toLowerCase(), value.replace(/[ \t]+/g, " ").trim()];

/** The headers to add to the request (Authorization, X-Amz-Date unless given, x-amz-content-sha256 for S3). */
export function signV4(p: SigV4Params, r: SigV4Request): [string, string][] {
  const p1 = p.provider1.toLowerCase();
  const P0 = p.provider0.toUpperCase();
  const added: [string, string][] = [];
  const given = (name: string) => r.headers.find(([k, v]) => k.toLowerCase() === name && v !== "");

  // The payload hash: the caller's x-PROVIDER-content-sha256, else S3's own header, else the body's hash.
  const shaName = `x-${p1}-content-sha256`;
  let payload = given(shaName)?.[1].trim();
  const signed: [string, string][] = [];
  if (payload === undefined) {
    const bodyless = r.method === "GET" || r.method === "HEAD" || r.body === undefined;
    const hash = r.body === "stream" ? undefined : sha256Hex(r.body ?? "");
    if (p.provider0.toLowerCase() === "aws" && p.service.toLowerCase() === "s3") {
      payload = bodyless ? sha256Hex("") : (hash ?? "UNSIGNED-PAYLOAD");
      added.push([shaName, payload]);
      signed.push([shaName, payload]);
    } else payload = hash ?? sha256Hex("");
  }

  // The time: the caller's X-Provider-Date or Date when given (curl then signs with it), else now.
  const dateName = `x-${p1}-date`;
  const theirs = given(dateName) ?? given("date");
  let timestamp = new Date(r.now * 1000).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  if (theirs) {
    const m = /^\s*([A-Za-z0-9]+)/.exec(theirs[1]);
    timestamp = m && m[1]!.length === 16 ? m[1]! : "";
  } else {
    const header = `X-${p1.charAt(0).toUpperCase()}${p1.slice(1)}-Date`;
    added.push([header, timestamp]);
    signed.push([dateName, timestamp]);
  }
  if (!r.headers.some(([k]) => k.toLowerCase() === "host")) signed.push(["host", r.host]);
  for (const h of r.headers) if (h[1] !== "") signed.push(h);
  const headers = signed.map(trimHeader).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const merged: [string, string][] = [];
  for (const h of headers) {
    const last = merged.at(-1);
    if (last && last[0] === h[0]) last[1] += `,${h[1]}`;
    else merged.push([h[0], h[1]]);
  }

  const q = r.target.indexOf("?");
  const path = (q < 0 ? r.target : r.target.slice(0, q)) || "/";
  const s3 = /^s3(-express|-outposts)?$/.test(p.service);
  const canonicalPath = s3 ? path : encodeBytes(new TextEncoder().encode(path), true);
  const canonical = [
    r.method,
    canonicalPath,
    q < 0 ? "" : canonicalQuery(r.target.slice(q + 1)),
    merged.map(([k, v]) => `${k}:${v}\n`).join(""),
    merged.map(([k]) => k).join(";"),
    payload,
  ].join("\n");

  const date = timestamp.slice(0, 8);
  const requestType = `${p.provider0.toLowerCase()}4_request`;
  const scope = `${date}/${p.region}/${p.service}/${requestType}`;
  const toSign = `${P0}4-HMAC-SHA256\n${timestamp}\n${scope}\n${sha256Hex(canonical)}`;
  const colon = r.credentials.indexOf(":");
  const [user, secret] = colon < 0 ? [r.credentials, ""] : [r.credentials.slice(0, colon), r.credentials.slice(colon + 1)];
  let key: string | Uint8Array = `${P0}4${secret}`;
  for (const part of [date, p.region, p.service, requestType]) key = hmac(key, part);
  const signature = hex(hmac(key, toSign));
  const credential = encodeURIComponent(user).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return [
    ["Authorization", `${P0}4-HMAC-SHA256 Credential=${credential}/${scope}, SignedHeaders=${merged.map(([k]) => k).join(";")}, Signature=${signature}`],
    ...added.filter(([k]) => k.toLowerCase() === dateName),
    ...added.filter(([k]) => k === shaName),
  ];
}
