// An HTTP Digest (RFC 7616) protected route for the test server: a 401 with the challenge to a request
// without a valid answer, the body to one whose response hash is right for the request's method and
// target (checked here from the known password, as a server would). Used against fetchx and curl alike.
import { createHash } from "node:crypto";
import type { Route, RouteContext } from "./respond.ts";

export interface DigestRouteOptions {
  user: string;
  password: string;
  /** "MD5" (default), "SHA-256", "MD5-sess", ... */
  algorithm?: string;
  /** Offer qop="auth" (default true); false for the RFC 2069 form. */
  qop?: boolean;
  realm?: string;
  body: string;
}

const HASH: Record<string, string> = { MD5: "md5", "SHA-256": "sha256", "SHA-512-256": "sha512-256" };

function authParams(header: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of header.replace(/^Digest\s+/i, "").matchAll(/([a-z0-9_-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/gi))
    out.set(m[1]!.toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!);
  return out;
}

export function digestRoute(o: DigestRouteOptions): (ctx: RouteContext) => Route {
  const algorithm = o.algorithm ?? "MD5";
  const realm = o.realm ?? "fetchx test";
  const nonce = createHash("sha256").update(`${Math.random()}`).digest("hex").slice(0, 32);
  const opaque = "0pa9ue";
  const hashName = HASH[algorithm.replace(/-sess$/i, "")]!;
  const H = (s: string) => createHash(hashName).update(s).digest("hex");
  const challenge = `Digest realm="${realm}", nonce="${nonce}", opaque="${opaque}", algorithm=${algorithm}${o.qop === false ? "" : ', qop="auth"'}`;
  return ({ req }) => {
    const header = req.headers["authorization"] ?? "";
    const p = authParams(header);
    let ok = /^Digest\s/i.test(header) && p.get("username") === o.user && p.get("nonce") === nonce && p.get("uri") === req.path && p.get("opaque") === opaque;
    if (ok) {
      let ha1 = H(`${o.user}:${realm}:${o.password}`);
      if (/-sess$/i.test(algorithm)) ha1 = H(`${ha1}:${nonce}:${p.get("cnonce")}`);
      const ha2 = H(`${req.method}:${req.path}`);
      const expected = o.qop === false ? H(`${ha1}:${nonce}:${ha2}`) : H(`${ha1}:${nonce}:${p.get("nc")}:${p.get("cnonce")}:auth:${ha2}`);
      ok = p.get("response") === expected && (o.qop === false || p.get("qop") === "auth");
    }
    return ok ? { body: o.body } : { status: 401, body: "who are you?\n", headers: { "WWW-Authenticate": challenge } };
  };
}
