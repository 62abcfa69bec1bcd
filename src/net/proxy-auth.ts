// How -U's credentials reach an HTTP proxy: Basic at once (the default, --proxy-basic), or in answer to the
// proxy's 407 challenge (--proxy-digest, --proxy-anyauth), as curl's lib/http.c and http_digest.c do it.
// The proxy's Digest challenge is kept for the requests that follow, with its nonce count: curl keeps it
// per handle, fetchx per client, whose lanes run one transfer at a time.
import { digestAuthorization, digestChallenge, type DigestChallenge } from "../http/digest.ts";

export type ProxyAuthScheme = "basic" | "digest" | "any";

export class ProxyAuth {
  private challenge: DigestChallenge | null = null;
  private nc = 0;
  /** --proxy-anyauth: the proxy offered Basic only. */
  private basicAsked = false;
  /** Challenges answered for the request under way: a second plain 407 means the credentials are wrong. */
  private answered = 0;

  constructor(readonly scheme: ProxyAuthScheme) {}

  /** No credentials go yet: the next request draws the proxy's challenge. */
  get pending(): boolean {
    return this.scheme !== "basic" && !this.challenge && !this.basicAsked;
  }

  /** The scheme a trace names for the next request ("Proxy auth using Digest with user ..."), or none yet. */
  get using(): "Basic" | "Digest" | undefined {
    return this.challenge ? "Digest" : this.scheme === "basic" || this.basicAsked ? "Basic" : undefined;
  }

  /**
   * The Proxy-Authorization value for one request with `auth` ("user:password"): Basic, the answer to the
   * proxy's Digest challenge for `method` and `uri` (curl's: the path and query of a forwarded request,
   * host:port for CONNECT), or undefined while no challenge came (the request draws it).
   */
  header(auth: string, method: string, uri: string): string | undefined {
    if (this.challenge) return digestAuthorization(this.challenge, auth, method, uri, ++this.nc);
    if (this.scheme === "basic" || this.basicAsked) return `Basic ${Buffer.from(auth).toString("base64")}`;
    return undefined;
  }

  /**
   * Each answer of the proxy (status and Proxy-Authenticate values): true when it is a 407 to answer, and
   * the request goes again with credentials. Not after a challenge was answered already, unless the proxy
   * says only that the nonce went stale (at most three times); not with plain Basic, which was sent.
   */
  take(status: number, offers: readonly string[]): boolean {
    if (status !== 407) {
      this.answered = 0;
      return false;
    }
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
