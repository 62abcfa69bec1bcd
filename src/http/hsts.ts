// HTTP Strict Transport Security (RFC 6797) as curl's --hsts FILE keeps it: hosts that said, over HTTPS,
// "Strict-Transport-Security: max-age=N[; includeSubDomains]" are asked for over https:// until then, an
// http:// URL to them (or a redirect) upgraded before any byte is sent. The file is curl's: one host a line,
// a leading dot for includeSubDomains, the expiry in UTC as "YYYYMMDD HH:MM:SS" or "unlimited"; lines
// starting with # are comments. IP addresses are never HSTS hosts (RFC 6797 8.1.1).

interface Entry {
  /** Milliseconds since the epoch; Infinity for "unlimited". */
  expires: number;
  subdomains: boolean;
}

/** An IPv4 or IPv6 literal (the host of a ParsedUrl: IPv6 without brackets). */
const isIP = (host: string) => host.includes(":") || /^\d{1,3}(\.\d{1,3}){3}$/.test(host);

const HEADER = "# Your HSTS cache. https://curl.se/docs/hsts.html\n# Written by fetchx in curl's format. Edit at your own risk.\n";
/** The latest expiry a file can say (a huge max-age is kept as this, not as an invalid date). */
const LAST = Date.UTC(9999, 11, 31, 23, 59, 59);

const two = (n: number) => String(n).padStart(2, "0");
function formatExpiry(ms: number): string {
  if (ms === Infinity) return "unlimited";
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

function parseExpiry(text: string): number | null {
  if (text === "unlimited") return Infinity;
  const m = /^(\d{4})(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(text);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : null;
}

export class HstsCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The entries of an HSTS file's text; lines that are not entries are skipped, as curl skips them. */
  static parse(text: string, now: () => number = Date.now): HstsCache {
    const cache = new HstsCache(now);
    for (const line of text.split("\n")) {
      const m = /^\s*(\.?)([^\s"#]+)\s+"([^"]*)"/.exec(line);
      const expires = m ? parseExpiry(m[3]!) : null;
      if (!m || expires === null) continue;
      cache.entries.set(m[2]!.toLowerCase().replace(/\.$/, ""), { expires, subdomains: m[1] === "." });
    }
    return cache;
  }

  /** Whether a request to `host` must go over https: an unexpired entry for it, or for a parent domain with subdomains. */
  upgrades(host: string): boolean {
    const name = host.toLowerCase().replace(/\.$/, "");
    if (isIP(name)) return false;
    const now = this.now();
    for (let at = name, exact = true; at !== ""; exact = false) {
      const e = this.entries.get(at);
      if (e && e.expires > now && (exact || e.subdomains)) return true;
      const dot = at.indexOf(".");
      at = dot < 0 ? "" : at.slice(dot + 1);
    }
    return false;
  }

  /** A Strict-Transport-Security header received over https from `host` (max-age=0 forgets the host). */
  receive(host: string, value: string): void {
    const name = host.toLowerCase().replace(/\.$/, "");
    if (isIP(name)) return;
    let maxAge: number | null = null;
    let subdomains = false;
    for (const directive of value.split(";")) {
      const [key = "", raw = ""] = directive.split("=", 2).map((s) => s.trim());
      if (/^max-age$/i.test(key)) {
        const n = Number(raw.replace(/^"(.*)"$/, "$1"));
        if (/^"?\d+"?$/.test(raw) && Number.isFinite(n)) maxAge = n;
      } else if (/^includesubdomains$/i.test(key)) subdomains = true;
    }
    if (maxAge === null) return; // no valid max-age: the header is ignored (RFC 6797 6.1.1)
    if (maxAge === 0) this.entries.delete(name);
    else this.entries.set(name, { expires: Math.min(this.now() + maxAge * 1000, LAST), subdomains });
  }

  /** The file's text: curl's header, then every unexpired entry. */
  toText(): string {
    const now = this.now();
    let out = HEADER;
    for (const [host, e] of this.entries) if (e.expires > now) out += `${e.subdomains ? "." : ""}${host} "${formatExpiry(e.expires)}"\n`;
    return out;
  }
}
