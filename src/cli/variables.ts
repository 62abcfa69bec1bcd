// curl 8.3's command-line variables (curl's src/var.c): --variable sets NAME from text, a file, standard
// input or the environment; an option written --expand-NAME has "{{NAME}}" in its value replaced, with
// functions applied left to right ("{{NAME:trim:url}}"). Scripts use them to keep secrets out of the
// command line (`--variable %TOKEN --expand-header "Authorization: Bearer {{TOKEN}}"`) and to build JSON
// and URLs safely. Variables are set in command-line order and last for the whole run (--next included).
//
// Contents are bytes (a file's may be anything); an expanded value becomes the option's text again as
// UTF-8, as Bun gives fetchx its arguments.
import { FetchxError, usageError } from "../errors.ts";

/** curl's limits: a name is at most 127 characters, an expansion at most 10,000,000 bytes. */
const MAX_NAME = 128;
export const MAX_CONTENT = 10_000_000;

const encoder = new TextEncoder();
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const isNameChar = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
/** C's isspace in the C locale: space, \t, \n, \v, \f, \r. */
const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function nameLength(s: string, from: number): number {
  let i = from;
  while (i < s.length && isNameChar(s.charCodeAt(i))) i++;
  return i - from;
}

function trim(b: Uint8Array): Uint8Array {
  let a = 0;
  let z = b.length;
  while (a < z && isSpace(b[a]!)) a++;
  while (z > a && isSpace(b[z - 1]!)) z--;
  return b.subarray(a, z);
}

const JSON_ESCAPES: Record<number, string> = { 0x5c: "\\\\", 0x22: '\\"', 0x08: "\\b", 0x0c: "\\f", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t" };

/** The bytes as the inside of a JSON string (curl's jsonquoted: no quotes around, bytes >= 0x80 as they are). */
function json(b: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (const c of b) {
    const e = JSON_ESCAPES[c] ?? (c < 0x20 ? `\\u${c.toString(16).padStart(4, "0")}` : undefined);
    if (e === undefined) out.push(c);
    else for (let i = 0; i < e.length; i++) out.push(e.charCodeAt(i));
  }
  return Uint8Array.from(out);
}

/** Percent-encoding of every byte but RFC 3986's unreserved ones (curl_easy_escape). */
function url(b: Uint8Array): Uint8Array {
  let out = "";
  for (const c of b) {
    const unreserved = isNameChar(c) || c === 0x2d || c === 0x2e || c === 0x7e;
    out += unreserved ? String.fromCharCode(c) : `%${c.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoder.encode(out);
}

/** Strict base64 (curl's decoder: a multiple of 4 characters, at most two "=" and only at the end), else null. */
function base64Decode(b: Uint8Array): Uint8Array | null {
  const nul = b.indexOf(0);
  const s = text(nul < 0 ? b : b.subarray(0, nul));
  if (s.length === 0 || s.length % 4 !== 0) return null;
  let pad = 0;
  while (pad < 3 && s[s.length - 1 - pad] === "=") pad++;
  if (pad > 2) return null;
  for (let i = 0; i < s.length - pad; i++) {
    const c = s.charCodeAt(i);
    if (!(isNameChar(c) && c !== 0x5f) && c !== 0x2b && c !== 0x2f) return null;
  }
  return new Uint8Array(Buffer.from(s, "base64"));
}

const FUNCTIONS: Record<string, (b: Uint8Array) => Uint8Array> = {
  trim,
  json,
  url,
  b64: (b) => encoder.encode(Buffer.from(b).toString("base64")),
  "64dec": (b) => base64Decode(b) ?? encoder.encode("[64dec-fail]"),
};

export interface VariableSources {
  env: Record<string, string | undefined>;
  /** A file's bytes, "-" being standard input. Throws as node:fs does ({ code }). */
  readFile: (path: string) => Uint8Array;
}

const nodeReadFile = (path: string): Uint8Array => {
  const fs = import.meta.require("node:fs") as typeof import("node:fs");
  return fs.readFileSync(path === "-" ? 0 : path);
};

export class Variables {
  private readonly values = new Map<string, Uint8Array>();
  /** What curl warns of (a bad name, a missing "}}"): said once the command line is read. */
  readonly warnings: string[] = [];

  constructor(private readonly sources: VariableSources = { env: process.env, readFile: nodeReadFile }) {}

  /** --variable [%]NAME[[N-M]]=TEXT | [%]NAME[[N-M]]@FILE | %NAME. */
  set(input: string): void {
    const imported = input.startsWith("%");
    const from = imported ? 1 : 0;
    const n = nameLength(input, from);
    if (n === 0 || n >= MAX_NAME) {
      this.warnings.push(`bad variable name length (${n}), skipping: --variable ${input}`);
      return;
    }
    const name = input.slice(from, from + n);
    let rest = input.slice(from + n);
    let content: Uint8Array | undefined;
    if (imported) {
      const value = this.sources.env[name];
      if (value === undefined && rest === "") throw usageError(`--variable %${name}: the environment variable ${name} is not set`);
      if (value !== undefined) content = encoder.encode(value);
    }
    // curl 8.12: NAME[N-M] keeps bytes N to M (inclusive) of the content, NAME[N-] from N on.
    let start = 0;
    let end = Infinity;
    const range = /^\[(\d+)-(\d*)\]/.exec(rest);
    if (rest.startsWith("[") && /\d/.test(rest[1] ?? "")) {
      if (!range) throw usageError(`--variable ${input}: syntax error in the byte range`);
      start = Number(range[1]);
      end = range[2] === "" ? Infinity : Number(range[2]);
      if (start > end) throw usageError(`--variable ${input}: the byte range ends before it starts`);
      rest = rest.slice(range[0].length);
    }
    if (content === undefined) {
      if (rest.startsWith("@")) {
        const path = rest.slice(1);
        let bytes: Uint8Array;
        try {
          bytes = this.sources.readFile(path);
        } catch (err) {
          throw new FetchxError("READ_FILE", `--variable ${name}: cannot read ${path === "-" ? "standard input" : path}: ${(err as { code?: string }).code ?? err}`, { cause: err });
        }
        content = bytes.subarray(Math.min(start, bytes.length), end === Infinity ? bytes.length : Math.min(end + 1, bytes.length));
      } else if (rest.startsWith("=")) {
        const bytes = encoder.encode(rest.slice(1));
        content = start >= bytes.length ? new Uint8Array(0) : bytes.subarray(start, end === Infinity ? bytes.length : Math.min(end + 1, bytes.length));
      } else {
        this.warnings.push(`bad --variable syntax, skipping: ${input}`);
        return;
      }
    }
    if (content.length > MAX_CONTENT) throw usageError(`--variable ${name}: more than ${MAX_CONTENT} bytes`);
    this.values.set(name, content);
  }

  /**
   * `line` with each "{{NAME}}" or "{{NAME:fn:...}}" replaced ("\{{" keeps "{{"); an unknown NAME is empty.
   * Returns `line` itself when nothing was replaced, as curl (its "\{{" then stays as written).
   */
  expand(line: string, option: string): string {
    const parts: (string | Uint8Array)[] = [];
    let size = 0;
    let added = false;
    let at = 0;
    for (;;) {
      const open = line.indexOf("{{", at);
      if (open < 0) break;
      if (open > at && line[open - 1] === "\\") {
        parts.push(line.slice(at, open - 1), "{{");
        at = open + 2;
        continue;
      }
      const close = line.indexOf("}}", open);
      if (close < 0) {
        this.warnings.push(`missing close '}}' in --${option} '${line}'`);
        break;
      }
      const inner = line.slice(open + 2, close);
      const colon = inner.indexOf(":");
      const name = colon < 0 ? inner : inner.slice(0, colon);
      if (name.length === 0 || name.length >= MAX_NAME || nameLength(name, 0) !== name.length) {
        this.warnings.push(name.length === 0 || name.length >= MAX_NAME ? `bad variable name length in --${option} '${line}'` : `bad variable name: ${name}`);
        parts.push(line.slice(at, close + 2)); // as written
        at = close + 2;
        continue;
      }
      parts.push(line.slice(at, open));
      let value = this.values.get(name) ?? new Uint8Array(0);
      if (colon >= 0) {
        for (const fn of inner.slice(colon + 1).split(":")) {
          const f = FUNCTIONS[fn];
          if (!f) throw usageError(`--${option}: unknown variable function in '${inner.slice(colon)}'`);
          value = value.length ? f(value) : value;
        }
      }
      if (value.includes(0)) throw usageError(`--${option}: variable ${name} contains a null byte`);
      parts.push(value);
      size += value.length;
      if (size > MAX_CONTENT) throw usageError(`--${option}: the expansion is longer than ${MAX_CONTENT} bytes`);
      added = true;
      at = close + 2;
    }
    if (!added) return line;
    parts.push(line.slice(at));
    return parts.map((p) => (typeof p === "string" ? p : text(p))).join("");
  }
}
