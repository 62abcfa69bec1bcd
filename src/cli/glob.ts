// curl's URL globbing (after curl's src/tool_urlglob.c): in a URL given on the command line, "{a,b,c}" is a
// set and "[1-10]", "[001-100]", "[a-z]", "[0-100:10]" are ranges; the URL stands for every combination,
// the last pattern changing fastest. "#N" in the URL's -o name is the Nth pattern's text in each one.
// A backslash before one of "[]{}" makes it literal; "[::1]" (an IPv6 literal) is never a range. -g turns
// all of it off. Without this a script's `curl -O "https://host/img[001-100].jpg"` fetched one URL with
// brackets in it and saved the server's 404 page with exit 0.
import { FetchxError } from "../errors.ts";

/** The most URLs one globbed URL may stand for: they are listed before the first transfer. */
export const MAX_GLOB_URLS = 100_000;

/** A literal piece of the URL, or a pattern's texts in order. */
type Part = string | string[];

const bad = (what: string, url: string, at: number) => new FetchxError("BAD_URL", `${what} in URL position ${at + 1}: ${shown(url)}`);
/** The URL with its password's characters starred (same length: the position still points where it did). */
const shown = (url: string) => url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/@:]*:)([^/@]*)@/, (_, head: string, pass: string) => `${head}${"*".repeat(pass.length)}@`);
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isAlpha = (c: string | undefined) => c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z"));

/** Where an IPv6 literal such as "[::1]" or "[fe80::1%25eth0]" at `at` ends (after its "]"), or -1. */
function ipv6Literal(url: string, at: number): number {
  const close = url.indexOf("]", at);
  if (close < 0) return -1;
  const inside = url.slice(at + 1, close);
  const zone = inside.indexOf("%");
  const address = zone < 0 ? inside : inside.slice(0, zone);
  if (inside === "") return close + 1; // "[]": curl sends it as it is
  let colons = 0;
  for (const c of address) {
    if (c === ":") colons++;
    else if (!isDigit(c) && !"abcdefABCDEF.".includes(c)) return -1;
  }
  return colons >= 2 ? close + 1 : -1;
}

/** The texts of "{a,b,c}" starting at `at`, and where it ends. */
function parseSet(url: string, at: number): [string[], number] {
  const items: string[] = [];
  let text = "";
  for (let i = at + 1; i < url.length; i++) {
    const c = url[i]!;
    if (c === "\\" && i + 1 < url.length && "[]{},".includes(url[i + 1]!)) text += url[++i];
    else if (c === "{" || c === "[") throw bad("nested brace", url, i);
    else if (c === ",") {
      items.push(text);
      text = "";
    } else if (c === "}") {
      items.push(text);
      if (items.length === 1 && items[0] === "") throw bad("empty string within braces", url, i);
      return [items, i + 1];
    } else text += c;
  }
  throw bad("unmatched brace", url, at);
}

/** The texts of "[first-last(:step)]" starting at `at`, and where it ends. */
function parseRange(url: string, at: number): [string[], number] {
  const close = url.indexOf("]", at);
  if (close < 0) throw bad("bad range", url, at);
  const spec = url.slice(at + 1, close);
  const colon = spec.indexOf(":");
  const span = colon < 0 ? spec : spec.slice(0, colon);
  let step = 1;
  if (colon >= 0) {
    const s = spec.slice(colon + 1);
    if (!/^[0-9]{1,15}$/.test(s)) throw bad("bad range", url, at);
    step = Number(s);
  }
  const items: string[] = [];
  if (isAlpha(span[0])) {
    // "a-z" or "A-Z": one letter each end, the same case, as curl (at most 26 letters).
    if (span.length !== 3 || span[1] !== "-" || !isAlpha(span[2])) throw bad("bad range", url, at);
    const first = span.charCodeAt(0);
    const last = span.charCodeAt(2);
    if (last < first || last - first > 25 || step < 1 || (last !== first && step > last - first)) throw bad("bad range", url, at);
    for (let c = first; c <= last; c += step) items.push(String.fromCharCode(c));
    return [items, close + 1];
  }
  if (!isDigit(span[0])) throw bad("bad range specification", url, at);
  const m = /^([0-9]{1,15})-([0-9]{1,15})$/.exec(span);
  if (!m) throw bad("bad range", url, at);
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (last < first || step < 1 || (last !== first && step > last - first)) throw bad("bad range", url, at);
  if ((last - first) / step >= MAX_GLOB_URLS) throw tooMany(url, Math.floor((last - first) / step) + 1);
  // "[001-100]": as wide as the first number is written when it starts with a zero.
  const width = m[1]!.length > 1 && m[1]![0] === "0" ? m[1]!.length : 0;
  for (let n = first; n <= last; n += step) items.push(String(n).padStart(width, "0"));
  return [items, close + 1];
}

const tooMany = (url: string, count: number) =>
  new FetchxError("BAD_URL", `${shown(url)} stands for ${count} URLs: at most ${MAX_GLOB_URLS} (split the range, or use -g to turn globbing off)`);

/** The URL cut into literal text and patterns; a URL without any pattern is one literal part. */
export function parseGlob(url: string): Part[] {
  const parts: Part[] = [];
  let text = "";
  for (let i = 0; i < url.length; ) {
    const c = url[i]!;
    if (c === "\\" && i + 1 < url.length && "[]{}".includes(url[i + 1]!)) {
      text += url[i + 1];
      i += 2;
    } else if (c === "{" || c === "[") {
      const literalEnd = c === "[" ? ipv6Literal(url, i) : -1;
      if (literalEnd > 0) {
        text += url.slice(i, literalEnd);
        i = literalEnd;
        continue;
      }
      if (text) parts.push(text);
      text = "";
      const [items, next] = c === "{" ? parseSet(url, i) : parseRange(url, i);
      parts.push(items);
      i = next;
    } else if (c === "}" || c === "]") throw bad("unmatched close brace/bracket", url, i);
    else {
      text += c;
      i++;
    }
  }
  if (text || parts.length === 0) parts.push(text);
  return parts;
}

/** One URL of a glob: its text and each pattern's text in it (for "#N"). */
export interface GlobbedUrl {
  url: string;
  values: string[];
}

/** Every combination, the last pattern changing fastest (curl's order). */
export function globUrls(url: string): GlobbedUrl[] {
  const parts = parseGlob(url);
  const patterns = parts.filter((p): p is string[] => typeof p !== "string");
  if (patterns.length === 0) return [{ url: parts[0] as string, values: [] }];
  const count = patterns.reduce((n, p) => n * p.length, 1);
  if (count > MAX_GLOB_URLS) throw tooMany(url, count);
  const out: GlobbedUrl[] = [];
  const at = new Array<number>(patterns.length).fill(0);
  for (let k = 0; k < count; k++) {
    let text = "";
    const values: string[] = [];
    let j = 0;
    for (const p of parts) {
      if (typeof p === "string") text += p;
      else {
        const v = p[at[j++]!]!;
        text += v;
        values.push(v);
      }
    }
    out.push({ url: text, values });
    for (let d = patterns.length - 1; d >= 0; d--) {
      if (++at[d]! < patterns[d]!.length) break;
      at[d] = 0;
    }
  }
  return out;
}

/** An -o name with "#N" replaced by the Nth pattern's text; "#0" or a number past the last stays as it is. */
export function fillOutputName(name: string, values: string[]): string {
  if (values.length === 0 || !name.includes("#")) return name;
  return name.replace(/#([0-9]+)/g, (whole, n: string) => {
    const i = Number(n);
    return i >= 1 && i <= values.length ? values[i - 1]! : whole;
  });
}

/** Whether a URL has a character that may start or end a pattern (a loop: no regular expression to compile). */
const mayGlob = (u: string) => u.includes("[") || u.includes("{") || u.includes("]") || u.includes("}");

/**
 * The run's URLs and output slots with every globbed URL in place of its combinations: the i-th -o or -O
 * names the i-th URL's files, with "#N" filled in for each of -o's. Slots past the URLs given here (for
 * --input-file's) follow on after them. Not `enabled` (-g): as they are.
 */
export function expandGlobs(urls: string[], outputs: OutputSlot[], enabled = true): Globbed {
  if (!enabled || !urls.some(mayGlob)) return { urls, outputs, urlnum: (i) => i };
  const outUrls: string[] = [];
  const outNames: OutputSlot[] = [];
  const from: number[] = [];
  urls.forEach((u, i) => {
    for (const g of globUrls(u)) {
      outUrls.push(g.url);
      from.push(i);
      const slot = outputs[i];
      if (slot !== undefined) outNames.push(slot === null ? null : fillOutputName(slot, g.values));
    }
  });
  if (outUrls.length > MAX_GLOB_URLS) throw new FetchxError("BAD_URL", `the URLs given stand for ${outUrls.length} URLs: at most ${MAX_GLOB_URLS}`);
  outNames.push(...outputs.slice(urls.length));
  // URLs after these (--input-file's) keep counting from the last URL given.
  const extra = urls.length - outUrls.length;
  return { urls: outUrls, outputs: outNames, urlnum: (i) => (i < from.length ? from[i]! : i + extra) };
}

/** What names one URL's output: -o's FILE, or null for -O in its place (the name from the URL). */
export type OutputSlot = string | null;

export interface Globbed {
  urls: string[];
  outputs: OutputSlot[];
  /** curl's %{urlnum} of the run's i-th URL: the number (from 0) of the URL it came from. */
  urlnum: (i: number) => number;
}
