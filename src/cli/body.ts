// Request bodies from curl's options: -d/--data-*/--json (joined in command-line order), --data-urlencode,
// -G and --url-query (into the URL's query), -F/--form-string (multipart/form-data, files streamed from
// disk) and -T (PUT, a file streamed, or standard input sent chunked). Files are read here, when the
// request is built; the engine gets a RequestBody and a Content-Type.
import { nodeFs, nodePath } from "../node-fs.ts";
import { FetchxError, usageError } from "../errors.ts";
import type { RequestBody } from "../transfer/options.ts";
import type { DataPiece, FormPart } from "./compat-options.ts";
import type { Options } from "./options.ts";

const enc = new TextEncoder();

/** A file's bytes ("-" = standard input), as curl reads @FILE. */
export function readData(path: string, what: string): Uint8Array {
  try {
    // A view of the Buffer read, not a copy: a 60 MB --data-binary @FILE peaked at 261 MB with the copies.
    const buf = nodeFs().readFileSync(path === "-" ? 0 : path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    throw new FetchxError("READ_FILE", `cannot read ${what} file ${path}: ${(err as { code?: string }).code ?? err}`, { cause: err });
  }
}


/** curl_easy_escape: everything but ALPHA, DIGIT and -._~ percent-encoded; --data-urlencode makes a space "+". */
export function urlEncode(s: string | Uint8Array, space = "%20"): string {
  const bytes = typeof s === "string" ? enc.encode(s) : s;
  let out = "";
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : b === 32 ? space : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/** --data-urlencode's forms: content, =content, name=content, @file, name@file. */
function urlencoded(value: string): string {
  // An "=" anywhere wins over an "@" before it, as curl's: a@b=c is the name a@b.
  const at = value.includes("=") ? value.indexOf("=") : value.indexOf("@");
  if (at < 0) return urlEncode(value, "+");
  const name = value.slice(0, at);
  const content = value[at] === "@" ? readData(value.slice(at + 1), "--data-urlencode") : value.slice(at + 1);
  return name === "" ? urlEncode(content, "+") : `${name}=${urlEncode(content, "+")}`;
}

function pieceBytes(p: DataPiece): Uint8Array {
  const v = p.value;
  switch (p.kind) {
    case "data":
    case "data-ascii":
      // -d @FILE drops carriage returns and newlines, as curl does.
      return v.startsWith("@") ? readData(v.slice(1), "-d").filter((b) => b !== 13 && b !== 10) : enc.encode(v);
    case "data-binary":
    case "json":
      return v.startsWith("@") ? readData(v.slice(1), `--${p.kind}`) : enc.encode(v);
    case "data-raw":
      return enc.encode(v);
    case "data-urlencode":
      return enc.encode(urlencoded(v));
  }
}

/** The -d pieces joined as curl joins them: "&" before each piece but a --json one (-d a --json b is "ab"). */
export function joinData(pieces: DataPiece[]): Uint8Array {
  const out: Uint8Array[] = [];
  pieces.forEach((p, i) => {
    if (i > 0 && p.kind !== "json") out.push(enc.encode("&"));
    out.push(pieceBytes(p));
  });
  if (out.length === 1) return out[0]!; // one piece (a file's bytes): no copy
  const joined = Buffer.concat(out); // one copy, seen as a plain Uint8Array
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
}

/** URL with `query` appended ("?" or "&"), before any fragment. */
function withQuery(url: string, query: string): string {
  if (query === "") return url;
  const hash = url.indexOf("#");
  const [base, frag] = hash < 0 ? [url, ""] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes("?") ? "&" : "?"}${query}${frag}`;
}

// curl's guesses for a file part's Content-Type (tool_formparse.c), else application/octet-stream.
const MIME: Record<string, string> = {
  gif: "image/gif", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", svg: "image/svg+xml", txt: "text/plain",
  htm: "text/html", html: "text/html", pdf: "application/pdf", xml: "application/xml",
};

/** NAME=VALUE;type=...;filename=... as curl's -F reads it (VALUE may be "quoted"). */
function parseFormPart(p: FormPart): { name: string; value: string; file?: string; content?: string; type?: string; filename?: string } {
  const eq = p.value.indexOf("=");
  if (eq <= 0) throw usageError(`-F wants NAME=VALUE, got "${p.value}"`);
  const name = p.value.slice(0, eq);
  let rest = p.value.slice(eq + 1);
  if (p.literal) return { name, value: rest };
  let value: string;
  if (rest.startsWith('"')) {
    const end = rest.indexOf('"', 1);
    value = rest.slice(1, end < 0 ? undefined : end).replace(/\\(.)/g, "$1");
    rest = end < 0 ? "" : rest.slice(end + 1);
  } else {
    const semi = rest.indexOf(";");
    value = semi < 0 ? rest : rest.slice(0, semi);
    rest = semi < 0 ? "" : rest.slice(semi);
  }
  const attrs: Record<string, string> = {};
  for (const a of rest.split(";").slice(1)) {
    const i = a.indexOf("=");
    if (i > 0) attrs[a.slice(0, i).trim().toLowerCase()] = a.slice(i + 1).trim().replace(/^"(.*)"$/, "$1");
  }
  const out = { name, value, type: attrs.type, filename: attrs.filename };
  if (value.startsWith("@")) return { ...out, file: value.slice(1) };
  if (value.startsWith("<")) return { ...out, content: value.slice(1) };
  return out;
}

/**
 * A field name or file name inside its quotes, as curl's mime.c escapes it: by default as the HTML
 * standard says (", CR and LF percent-encoded, nothing else); with --form-escape (curl 7.81) by
 * backslashes (\\ and \").
 */
function quoteName(s: string, backslash: boolean): string {
  let out = "";
  for (const c of s) {
    if (backslash) out += c === "\\" ? "\\\\" : c === '"' ? '\\"' : c;
    else out += c === '"' ? "%22" : c === "\r" ? "%0D" : c === "\n" ? "%0A" : c;
  }
  return out;
}

/** multipart/form-data: a sequence of pieces whose file parts are read from disk as they are sent. */
export function multipart(parts: FormPart[], formEscape = false, boundary = `------------------------${crypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "")}`): { body: RequestBody; contentType: string } {
  const pieces: RequestBody[] = [];
  for (const raw of parts) {
    const p = parseFormPart(raw);
    let disposition = `form-data; name="${quoteName(p.name, formEscape)}"`;
    let type = p.type;
    let content: string | Uint8Array | Blob;
    if (p.file !== undefined) {
      const stdin = p.file === "-";
      if (!stdin) {
        try {
          nodeFs().statSync(p.file);
        } catch (err) {
          throw new FetchxError("READ_FILE", `cannot read -F file ${p.file}: ${(err as { code?: string }).code ?? err}`, { cause: err });
        }
      }
      const filename = p.filename ?? (stdin ? "" : nodePath().basename(p.file));
      disposition += `; filename="${quoteName(filename, formEscape)}"`;
      type ??= MIME[filename.split(".").pop()!.toLowerCase()] ?? "application/octet-stream";
      content = stdin ? readData("-", "-F") : Bun.file(p.file);
    } else if (p.content !== undefined) {
      content = readData(p.content, "-F");
      if (p.filename) disposition += `; filename="${quoteName(p.filename, formEscape)}"`;
    } else {
      content = p.value;
      if (p.filename) disposition += `; filename="${quoteName(p.filename, formEscape)}"`;
    }
    pieces.push(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type ? `Content-Type: ${type}\r\n` : ""}\r\n`, content, "\r\n");
  }
  pieces.push(`--${boundary}--\r\n`);
  return { body: pieces, contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface RequestParts {
  url: string;
  method?: string;
  body?: RequestBody;
  contentType?: string;
  headers: [string, string][];
}

/**
 * Standard input when it is a regular file (`-T - < FILE`): the file from stdin's offset on, opened anew
 * through /proc, so it has a length and can be sent again (a 307 or 308, a retry) as curl rewinds it.
 * Null for a pipe, a terminal or a socket (read once, as a stream).
 */
function stdinFile(): Blob | null {
  try {
    const st = nodeFs().fstatSync(0);
    if (!st.isFile()) return null;
    const pos = /^pos:\s*(\d+)/m.exec(nodeFs().readFileSync("/proc/self/fdinfo/0", "latin1"));
    // Both ends given: a file's Blob knows no size until it is read, and its open slice would claim 2^52.
    return Bun.file("/proc/self/fd/0").slice(Math.min(pos ? Number(pos[1]) : 0, st.size), st.size);
  } catch {
    return null;
  }
}

/** The URL, method, body and headers of one URL's request from -d/-G/--json/-F/-T/--url-query. */
export function requestParts(o: Options, url: string, index: number, data: Uint8Array | null): RequestParts {
  const parts: RequestParts = { url, headers: [] };
  if (o.urlQuery.length) parts.url = withQuery(parts.url, o.urlQuery.map((q) => (q.startsWith("+") ? q.slice(1) : urlencoded(q))).join("&"));
  if (o.data.length && data !== null) {
    const json = o.data.some((p) => p.kind === "json");
    // --json's two headers go with -G too: curl adds them as it reads the option.
    if (json && !o.headers.some(([k]) => k.toLowerCase() === "accept")) parts.headers.push(["Accept", "application/json"]);
    if (o.get) {
      parts.url = withQuery(parts.url, new TextDecoder().decode(data));
      if (json) parts.headers.push(["Content-Type", "application/json"]);
    } else {
      parts.method = "POST";
      parts.body = data;
      parts.contentType = json ? "application/json" : "application/x-www-form-urlencoded";
    }
  }
  if (o.form.length) {
    const { body, contentType } = multipart(o.form, o.formEscape);
    Object.assign(parts, { method: "POST", body, contentType });
  }
  const upload = o.uploads[index];
  if (upload !== undefined) {
    parts.method = "PUT";
    const stdin = upload === "-" || upload === ".";
    if (stdin) parts.body = stdinFile() ?? (Bun.stdin.stream() as ReadableStream<Uint8Array>);
    else {
      try {
        if (!nodeFs().statSync(upload).isFile()) throw Object.assign(new Error("not a regular file"), { code: "EISDIR" });
      } catch (err) {
        throw new FetchxError("READ_FILE", `cannot read -T file ${upload}: ${(err as { code?: string }).code ?? err}`, { cause: err });
      }
      parts.body = Bun.file(upload);
      // curl: a URL ending in "/" (or with no path) gets the file's name.
      const base = parts.url.replace(/[?#].*$/, "");
      const path = base.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
      if (path === "" || path.endsWith("/")) parts.url = withQuery(`${path === "" ? `${base}/` : base}${urlEncode(nodePath().basename(upload))}`, parts.url.slice(base.length).replace(/^\?/, "").replace(/#.*$/, ""));
    }
  }
  return parts;
}
