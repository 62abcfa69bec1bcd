// HTTP Digest authentication (RFC 7616), as curl's --digest: the server's challenge in WWW-Authenticate
// ("Digest realm=..., nonce=..., qop=auth, algorithm=SHA-256"), and the Authorization answering it for one
// request (method and target). MD5, SHA-256 and SHA-512-256, each with -sess; qop "auth" (or none, RFC
// 2069). "auth-int" (a hash of the body) and userhash are not offered by fetchx: a challenge that allows
// only them is not answered.

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** "MD5" (the default), "SHA-256", "SHA-512-256", each possibly with "-sess". */
  algorithm: string;
  /** "auth" when the server offered it; undefined for the old form without qop. */
  qop?: "auth";
  /** The server says the nonce expired, not that the credentials were wrong: answering again is right. */
  stale: boolean;
}

const HASHES: Record<string, string> = { MD5: "md5", "SHA-256": "sha256", "SHA-512-256": "sha512-256" };

/** The auth-params of one challenge: key=token or key="quoted string" pairs after the scheme. */
function params(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/y;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    out.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!);
    if (re.lastIndex >= text.length) break;
  }
  return out;
}

/**
 * The Digest challenge among a response's WWW-Authenticate values, or null when there is none fetchx can
 * answer (no nonce, an unknown algorithm, a qop without "auth").
 */
export function digestChallenge(values: readonly string[]): DigestChallenge | null {
  for (const value of values) {
    const at = value.search(/(?:^|,)\s*Digest\s+/i);
    if (at < 0) continue;
    const start = value.slice(at).replace(/^,?\s*Digest\s+/i, "");
    // The next challenge of the same header ("Digest ..., Basic realm=x") starts at a bare scheme token.
    const next = start.search(/,\s*[A-Za-z][A-Za-z0-9_-]*\s+[A-Za-z0-9_-]+\s*=/);
    const p = params(next < 0 ? start : start.slice(0, next));
    const nonce = p.get("nonce");
    const algorithm = (p.get("algorithm") ?? "MD5").toUpperCase();
    if (nonce === undefined || HASHES[algorithm.replace(/-SESS$/, "")] === undefined) continue;
    const qops = p.get("qop")?.split(",").map((q) => q.trim().toLowerCase());
    if (qops && !qops.includes("auth")) continue;
    const opaque = p.get("opaque");
    return { realm: p.get("realm") ?? "", nonce, ...(opaque !== undefined ? { opaque } : {}), algorithm, ...(qops ? { qop: "auth" as const } : {}), stale: p.get("stale")?.toLowerCase() === "true" };
  }
  return null;
}

const quoted = (s: string) => `"${s.replace(/(["\\])/g, "\\$1")}"`;

/**
 * The Authorization value for one request: `user` is "name:password", `nc` counts the requests made with
 * this nonce (from 1), `cnonce` is the client's nonce (random unless a test fixes it).
 */
export function digestAuthorization(c: DigestChallenge, user: string, method: string, target: string, nc: number, cnonce = randomCnonce()): string {
  const colon = user.indexOf(":");
  const name = colon < 0 ? user : user.slice(0, colon);
  const password = colon < 0 ? "" : user.slice(colon + 1);
  const sess = c.algorithm.endsWith("-SESS");
  const hashName = HASHES[c.algorithm.replace(/-SESS$/, "")]!;
  const H = (s: string) => new Bun.CryptoHasher(hashName as "md5").update(s).digest("hex");
  let ha1 = H(`${name}:${c.realm}:${password}`);
  if (sess) ha1 = H(`${ha1}:${c.nonce}:${cnonce}`);
  const ha2 = H(`${method}:${target}`);
  const ncText = nc.toString(16).padStart(8, "0");
  const response = c.qop ? H(`${ha1}:${c.nonce}:${ncText}:${cnonce}:auth:${ha2}`) : H(`${ha1}:${c.nonce}:${ha2}`);
  const parts = [`username=${quoted(name)}`, `realm=${quoted(c.realm)}`, `nonce=${quoted(c.nonce)}`, `uri=${quoted(target)}`];
  if (c.qop) parts.push(`cnonce=${quoted(cnonce)}`, `nc=${ncText}`, "qop=auth");
  parts.push(`response=${quoted(response)}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quoted(c.opaque)}`);
  parts.push(`algorithm=${c.algorithm}`);
  return `Digest ${parts.join(", ")}`;
}

const randomCnonce = () => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("hex");

/**
 * How a client's credentials answer one party's challenges: a server's 401 (--digest, --anyauth) or a
 * proxy's 407 (--proxy-digest, --proxy-anyauth), as curl's lib/http.c and http_digest.c answer them. Basic
 * goes at once with the "basic" scheme; otherwise the first request draws the challenge, and its Digest
 * (or, for "any", a Basic-only offer) is answered, the Digest kept with its nonce count for the requests
 * that follow. At most three are answered, and after the first only one whose nonce went stale: a second
 * plain refusal means the credentials are wrong.
 */
export class Challenges {
  private challenge: DigestChallenge | null = null;
  private nc = 0;
  /** "any": the party offered Basic only. */
  private basicAsked = false;
  /** Challenges answered so far (since the last passed()). */
  answered = 0;

  constructor(readonly scheme: "basic" | "digest" | "any") {}

  /** No credentials go yet: the next request draws the challenge. */
  get pending(): boolean {
    return this.scheme !== "basic" && !this.challenge && !this.basicAsked;
  }

  /** The scheme the next request's credentials use, for a trace line; undefined while none go. */
  get using(): "Basic" | "Digest" | undefined {
    return this.challenge ? "Digest" : this.pending ? undefined : "Basic";
  }

  /**
   * The header value for one request with `user` ("name:password"): Basic, the answer to the Digest
   * challenge for `method` and `uri`, or undefined while no challenge came (the request draws it).
   */
  header(user: string, method: string, uri: string): string | undefined {
    if (this.challenge) return digestAuthorization(this.challenge, user, method, uri, ++this.nc);
    return this.pending ? undefined : `Basic ${Buffer.from(user).toString("base64")}`;
  }

  /** An answer that is no refusal: the refusals of the next request are counted afresh (a proxy's, per request). */
  passed(): void {
    this.answered = 0;
  }

  /** A refusal's offers (its WWW-Authenticate or Proxy-Authenticate values): true when the request is to go again, answering them. */
  take(offers: readonly string[]): boolean {
    if (this.scheme === "basic" || this.answered >= 3) return false;
    const digest = digestChallenge(offers);
    if (digest && (this.answered === 0 || digest.stale)) {
      this.challenge = digest;
      this.nc = 0;
      this.answered++;
      return true;
    }
    if (this.scheme === "any" && !digest && !this.basicAsked && this.answered === 0 && offers.some((v) => /^\s*Basic\b/i.test(v))) {
      this.basicAsked = true;
      this.answered++;
      return true;
    }
    return false;
  }
}
