// Request bodies from curl's options: -d/--data-*/--json (joined in command-line order), --data-urlencode,
// -G and --url-query (into the URL's query), -F/--form-string (multipart/form-data, files streamed from
// disk) and -T (PUT, a file streamed, or standard input sent chunked). Files are read here, when the
// request is built; the engine gets a RequestBody and a Content-Type.
import { nodeFs, nodePath } from "../node-fs.ts";
import { FetchxError, usageError } from "../errors.ts";
import type { RequestBody } from "../transfer/options.ts";
import { EMPTY_VALUE } from "../http/headers.ts";
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

/**
 * A -d, --data-binary, --json, --data-urlencode or --url-query file's bytes. One that cannot be read is an
 * empty piece and a warning naming `given` (curl names the argument as written), exit 0 as curl's: fetchx
 * stopped with 26.
 */
function postData(path: string, given: string, warn: (message: string) => void): Uint8Array {
  try {
    return readData(path, "-d");
  } catch {
    warn(`Couldn't read data from file "${given}", this makes an empty POST.`);
    return new Uint8Array(0);
  }
}

/** --data-urlencode's forms: content, =content, name=content, @file, name@file. */
function urlencoded(value: string, warn: (message: string) => void): string {
  // An "=" anywhere wins over an "@" before it, as curl's: a@b=c is the name a@b.
  const at = value.includes("=") ? value.indexOf("=") : value.indexOf("@");
  if (at < 0) return urlEncode(value, "+");
  const name = value.slice(0, at);
  if (value[at] === "=") return name === "" ? urlEncode(value.slice(at + 1), "+") : `${name}=${urlEncode(value.slice(at + 1), "+")}`;
  // A file with nothing in it (or none) is no piece at all, not "name=", as curl's.
  const content = postData(value.slice(at + 1), value, warn);
  if (content.byteLength === 0) return "";
  return name === "" ? urlEncode(content, "+") : `${name}=${urlEncode(content, "+")}`;
}

function pieceBytes(p: DataPiece, warn: (message: string) => void): Uint8Array {
  const v = p.value;
  switch (p.kind) {
    case "data":
    case "data-ascii":
      // -d @FILE drops carriage returns and newlines, as curl does.
      return v.startsWith("@") ? postData(v.slice(1), v.slice(1), warn).filter((b) => b !== 13 && b !== 10) : enc.encode(v);
    case "data-binary":
    case "json":
      return v.startsWith("@") ? postData(v.slice(1), v.slice(1), warn) : enc.encode(v);
    case "data-raw":
      return enc.encode(v);
    case "data-urlencode":
      return enc.encode(urlencoded(v, warn));
  }
}

/** The -d pieces joined as curl joins them: "&" before each piece but a --json one (-d a --json b is "ab"). */
export function joinData(pieces: DataPiece[], warn: (message: string) => void): Uint8Array {
  const out: Uint8Array[] = [];
  pieces.forEach((p, i) => {
    if (i > 0 && p.kind !== "json") out.push(enc.encode("&"));
    out.push(pieceBytes(p, warn));
  });
  if (out.length === 1) return out[0]!; // one piece (a file's bytes): no copy
  const joined = Buffer.concat(out); // one copy, seen as a plain Uint8Array
  return new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength);
}

/** --url-query's pieces, "&" between them: "+" before one sends it as it is, any other is --data-urlencode's. */
export function joinQuery(pieces: string[], warn: (message: string) => void): string {
  return pieces.map((q) => (q.startsWith("+") ? q.slice(1) : urlencoded(q, warn))).join("&");
}

/** URL with `query` appended ("?" or "&"), before any fragment. */
function withQuery(url: string, query: string): string {
  if (query === "") return url;
  const hash = url.indexOf("#");
  const [base, frag] = hash < 0 ? [url, ""] : [url.slice(0, hash), url.slice(hash)];
  // After an empty query ("URL?") no "&", as curl's: "URL?a=1", not "URL?&a=1".
  const separator = base.endsWith("?") ? "" : base.includes("?") ? "&" : "?";
  return `${base}${separator}${query}${frag}`;
}

// curl's guesses for a part's Content-Type from a name's extension (lib/mime.c Curl_mime_contenttype).
const MIME: Record<string, string> = {
  gif: "image/gif", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png", svg: "image/svg+xml", txt: "text/plain",
  htm: "text/html", html: "text/html", pdf: "application/pdf", xml: "application/xml",
};
const guessType = (name: string | undefined) => (name === undefined ? undefined : MIME[/\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase() ?? ""]);

/** One -F part as curl's tool_formparse.c builds it: a field, a file, or (NAME=@A,B) a multipart/mixed of files. */
interface FormField {
  name?: string;
  filename?: string;
  /** ;type= as given (never replaced by a guess). */
  type?: string;
  /** ;headers= lines, in order. */
  headers: string[];
  encoder?: string;
  /** A file's path: its extension guesses the type when the file name does not (curl's MIMEKIND_FILE). */
  path?: string;
  content: string | Uint8Array | Blob | FormField[];
}

// C's isspace, as curl's parser skips and strips.
const isSpace = (c: string | undefined) => c !== undefined && " \t\n\v\f\r".includes(c);
const stripEnd = (s: string) => s.replace(/[ \t\n\v\f\r]+$/, "");

/**
 * curl's get_param_word: from `at`, a "quoted" word (\\ and \" escaped; what follows the closing quote up
 * to ";" or `end` is dropped) or a word that runs to ";" or `end`, its trailing spaces stripped.
 */
function paramWord(s: string, at: number, end: string): { word: string; next: number } {
  const stop = (i: number) => {
    while (i < s.length && s[i] !== ";" && s[i] !== end) i++;
    return i;
  };
  if (s[at] === '"') {
    let word = "";
    for (let i = at + 1; i < s.length; i++) {
      if (s[i] === "\\" && (s[i + 1] === "\\" || s[i + 1] === '"')) word += s[++i];
      else if (s[i] === '"') return { word, next: stop(i + 1) };
      else word += s[i];
    }
    // No closing quote: the word is taken as it is, quote and all.
  }
  const next = stop(at);
  return { word: stripEnd(s.slice(at, next)), next };
}

/**
 * curl's get_param_part: VALUE;type=...;filename=...;headers=...;encoder=... from `at` to `end` (","
 * between the files of NAME=@A,B). Attribute names are case-blind; an unknown one after type= is part of
 * the type (type=text/plain; charset=utf-8), any other is skipped.
 */
function paramPart(s: string, at: number, end: string) {
  const skip = (i: number) => {
    while (isSpace(s[i])) i++;
    return i;
  };
  let { word: data, next: i } = paramWord(s, skip(at), end);
  const out: { data: string; type?: string; filename?: string; encoder?: string; headers: string[]; next: number } = { data, headers: [], next: i };
  let typeFrom = -1;
  let typeTo = -1;
  const endType = () => {
    if (typeFrom >= 0) out.type = s.slice(typeFrom, typeTo);
    typeFrom = -1;
  };
  const toEnd = (from: number) => {
    let to = from;
    for (i = from; i < s.length && s[i] !== ";" && s[i] !== end; i++) if (!isSpace(s[i])) to = i + 1;
    return to;
  };
  while (s[i] === ";") {
    i = skip(i + 1);
    const attr = /^(type|filename|headers|encoder)=/i.exec(s.slice(i))?.[1]?.toLowerCase();
    if (typeFrom >= 0 && (attr === undefined || attr === "type")) typeTo = toEnd(i);
    else if (attr === "type") {
      typeFrom = skip(i + 5);
      // curl's sscanf("%127[^/ ]/%127[^;, \n]"): anything else is an error.
      const t = /^[^/ ]{1,127}\/[^;, \n]{1,127}/.exec(s.slice(typeFrom));
      if (!t) throw usageError(`-F: "${s.slice(typeFrom)}" is not a content type`);
      typeTo = toEnd(typeFrom + t[0].length);
    } else if (attr === undefined) i = paramWord(s, i, end).next;
    else {
      endType();
      i = skip(i + attr.length + 1);
      const fromFile = attr === "headers" && (s[i] === "@" || s[i] === "<");
      const w = paramWord(s, fromFile ? skip(i + 1) : i, end);
      i = w.next;
      if (attr === "filename") out.filename = w.word;
      else if (attr === "encoder") out.encoder = w.word;
      else if (!fromFile) out.headers.push(w.word);
      else out.headers.push(...fieldHeaders(new TextDecoder().decode(readData(w.word, "-F headers="))));
    }
  }
  endType();
  out.next = i;
  return out;
}

/** A ;headers=@FILE file as curl's read_field_headers reads it: a line starting with a space continues the header before, # starts a comment. */
function fieldHeaders(text: string): string[] {
  const out: string[] = [];
  let header = "";
  const flush = () => {
    if (stripEnd(header)) out.push(stripEnd(header));
    header = "";
  };
  for (const line of text.replace(/\r/g, "").split("\n")) {
    if (line !== "" && !isSpace(line[0])) flush();
    if (!line.startsWith("#")) header += line;
  }
  flush();
  return out;
}

/**
 * Standard input for -F's @- and <-, read once: the form is built again for each URL, and curl sends every
 * URL the same part (fetchx read stdin again, and the second URL got an empty one).
 */
let stdinForForm: Uint8Array | undefined;
const formStdin = () => (stdinForForm ??= readData("-", "-F"));

/** NAME=@FILE (one of NAME=@A,B): the file, or standard input ("-", read now; its file name "-"). */
function fileField(p: ReturnType<typeof paramPart>): FormField {
  const field = { type: p.type, headers: p.headers, encoder: p.encoder };
  if (p.data === "-") return { ...field, filename: p.filename ?? "-", content: formStdin() };
  let regular: boolean;
  try {
    const st = nodeFs().statSync(p.data);
    // A directory fails here, before anything is sent, not half-way through the body (it was exit 23).
    if (st.isDirectory()) throw Object.assign(new Error("a directory"), { code: "EISDIR" });
    regular = st.isFile();
  } catch (err) {
    throw new FetchxError("READ_FILE", `cannot read -F file ${p.data}: ${(err as { code?: string }).code ?? err}`, { cause: err });
  }
  // A pipe or a device (/dev/stdin, <(cmd)) has no size to send: read now (it went as Content-Length: Infinity).
  const content = regular ? Bun.file(p.data) : readData(p.data, "-F");
  return { ...field, filename: p.filename ?? nodePath().basename(p.data), path: p.data, content };
}

/** NAME=VALUE, NAME=@FILE[,FILE...], NAME=<FILE with their attributes, as curl's formparse() reads them. */
function parseForm(p: FormPart): FormField {
  const eq = p.value.indexOf("=");
  if (eq < 0) throw usageError(`-F wants NAME=VALUE, got "${p.value}"`);
  // An empty name sends a part without one, as curl's.
  const name = eq > 0 ? p.value.slice(0, eq) : undefined;
  const v = p.value.slice(eq + 1);
  if (p.literal) return { name, headers: [], content: v };
  if (v.startsWith("@")) {
    const files: FormField[] = [];
    for (let at = 1; ; ) {
      const part = paramPart(v, at, ",");
      files.push(fileField(part));
      if (v[part.next] !== ",") break;
      at = part.next + 1;
    }
    // Several files are one part of their own, multipart/mixed, each file an attachment in it.
    return files.length === 1 ? { ...files[0]!, name } : { name, headers: [], content: files };
  }
  if (v.startsWith("<")) {
    // NAME=<FILE: the file's bytes as the value; no file name (curl ignores ;filename= here), but its
    // path guesses the type.
    const part = paramPart(v, 1, "");
    return { name, type: part.type, headers: part.headers, encoder: part.encoder, path: part.data === "-" ? undefined : part.data, content: part.data === "-" ? formStdin() : readData(part.data, "-F") };
  }
  const part = paramPart(v, 0, "");
  return { name, type: part.type, filename: part.filename, headers: part.headers, encoder: part.encoder, content: part.data };
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

/** curl's content_type_match: `type` is `want`, parameters or not. */
const typeIs = (type: string | undefined, want: string) => type !== undefined && type.toLowerCase().startsWith(want) && /^($|[\t\r\n ;])/.test(type.slice(want.length));

const newBoundary = () => `------------------------${crypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, "0"), "")}`;

/** Bytes of a part's content, read now when an encoder needs them whole. */
function contentBytes(c: string | Uint8Array | Blob): Uint8Array {
  if (typeof c === "string") return enc.encode(c);
  if (c instanceof Uint8Array) return c;
  return readData((c as Blob & { name: string }).name, "-F");
}

/** quoted-printable as curl's encoder_qp_read writes it: lines of at most 76, "=" before each soft break. */
function quotedPrintable(b: Uint8Array): string {
  const hex = (c: number) => `=${c.toString(16).toUpperCase().padStart(2, "0")}`;
  // A CRLF (or the end) at n.
  const eol = (n: number) => n >= b.length || (b[n] === 13 && b[n + 1] === 10);
  let out = "";
  let pos = 0;
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    let piece = String.fromCharCode(c);
    let used = 1;
    if (c === 32 || c === 9) piece = eol(i + 1) ? hex(c) : piece;
    else if (c === 13 && b[i + 1] === 10) [piece, used] = ["\r\n", 2];
    else if (c < 0x21 || c > 0x7e || c === 0x3d) piece = hex(c);
    if (!piece.endsWith("\n") && (pos + piece.length > 76 || (pos + piece.length === 76 && !eol(i + used)))) [piece, used] = ["=\r\n", 0];
    out += piece;
    pos = piece.endsWith("\n") ? 0 : pos + piece.length;
    i += used;
  }
  return out;
}

/** A part's content through its ;encoder= (curl's five; another is exit 43, as curl's curl_mime_encoder). */
function encoded(content: string | Uint8Array | Blob, encoder: string): { name: string; content: string | Uint8Array | Blob } {
  const name = encoder.toLowerCase();
  if (name === "binary" || name === "8bit") return { name, content };
  if (name === "7bit") {
    const bytes = contentBytes(content);
    if (bytes.some((b) => b > 0x7f)) throw new FetchxError("READ_FILE", "-F ;encoder=7bit: the part has bytes over 127");
    return { name, content: bytes };
  }
  if (name === "base64") return { name, content: (Buffer.from(contentBytes(content)).toString("base64").match(/.{1,76}/g) ?? []).join("\r\n") };
  if (name === "quoted-printable") return { name, content: quotedPrintable(contentBytes(content)) };
  throw new FetchxError("BAD_ARGUMENT", `-F ;encoder=${encoder}: not an encoder (binary, 8bit, 7bit, base64, quoted-printable)`);
}

/** A part's head and content as curl's Curl_mime_prepare_headers writes them; `disposition` is the parent's ("form-data" or none). */
function partPieces(f: FormField, disposition: string | undefined, formEscape: boolean, out: RequestBody[]): void {
  const multi = Array.isArray(f.content);
  const userHeader = (name: string) => f.headers.find((h) => h.toLowerCase().startsWith(`${name}:`));
  let type = f.type ?? userHeader("content-type")?.replace(/^[^:]*:\s*/, "");
  if (type === undefined) {
    if (multi) type = "multipart/mixed";
    else if (f.path !== undefined) type = guessType(f.filename) ?? guessType(f.path) ?? (f.filename !== undefined ? "application/octet-stream" : undefined);
    else type = guessType(f.filename);
    // A guessed text/plain goes only with a file name.
    if (!multi && type === "text/plain" && f.filename === undefined) type = undefined;
  }
  let head = "";
  if (userHeader("content-disposition") === undefined) {
    let d = disposition;
    if (d === undefined && (f.filename !== undefined || f.name !== undefined || (type !== undefined && !/^multipart\//i.test(type)))) d = "attachment";
    if (d === "attachment" && f.name === undefined && f.filename === undefined) d = undefined;
    if (d !== undefined) head += `Content-Disposition: ${d}${f.name !== undefined ? `; name="${quoteName(f.name, formEscape)}"` : ""}${f.filename !== undefined ? `; filename="${quoteName(f.filename, formEscape)}"` : ""}\r\n`;
  }
  const boundary = multi ? newBoundary() : undefined;
  if (type !== undefined) head += `Content-Type: ${type}${boundary ? `; boundary=${boundary}` : ""}\r\n`;
  let content = f.content;
  if (f.encoder !== undefined && !multi) {
    const e = encoded(content as string | Uint8Array | Blob, f.encoder);
    content = e.content;
    if (userHeader("content-transfer-encoding") === undefined) head += `Content-Transfer-Encoding: ${e.name}\r\n`;
  }
  // The part's own headers come last; a Content-Type among them is the one written above.
  for (const h of f.headers) if (!/^content-type:/i.test(h)) head += `${h}\r\n`;
  out.push(`${head}\r\n`);
  if (Array.isArray(content)) multipartPieces(content, boundary!, typeIs(type, "multipart/form-data") ? "form-data" : undefined, formEscape, out);
  else out.push(content);
}

function multipartPieces(fields: FormField[], boundary: string, disposition: string | undefined, formEscape: boolean, out: RequestBody[]): void {
  for (const f of fields) {
    out.push(`--${boundary}\r\n`);
    partPieces(f, disposition, formEscape, out);
    out.push("\r\n");
  }
  out.push(`--${boundary}--\r\n`);
}

/**
 * multipart/form-data: a sequence of pieces whose file parts are read from disk as they are sent. `type`:
 * the caller's own -H Content-Type, which curl keeps and gives the boundary (multipart/related for
 * instance); its parts are then attachments, not form-data.
 */
export function multipart(parts: FormPart[], formEscape = false, type = "multipart/form-data", boundary = newBoundary()): { body: RequestBody; contentType: string } {
  const pieces: RequestBody[] = [];
  multipartPieces(parts.map(parseForm), boundary, typeIs(type, "multipart/form-data") ? "form-data" : undefined, formEscape, pieces);
  return { body: pieces, contentType: `${type}; boundary=${boundary}` };
}

export interface RequestParts {
  url: string;
  method?: string;
  body?: RequestBody;
  contentType?: string;
  headers: [string, string][];
  /** The caller's -H Content-Type is in contentType (a form's, with its boundary): not to be sent as given. */
  ownTypeUsed?: boolean;
  /** Headers sent as if given with -H, after the caller's own (--json's). */
  callerHeaders?: [string, string][];
}

/**
 * --json's Content-Type and Accept, each unless -H names it: curl adds them to the -H list (with -G too),
 * so they stay on the request a redirect turns into a GET, as any -H header does (fetchx dropped the type).
 */
function jsonHeaders(given: [string, string][]): [string, string][] {
  const named = (name: string) => given.some(([k]) => k.toLowerCase() === name);
  const out: [string, string][] = [];
  if (!named("content-type")) out.push(["Content-Type", "application/json"]);
  if (!named("accept")) out.push(["Accept", "application/json"]);
  return out;
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

const emptyStream = () => new ReadableStream<Uint8Array>({ start: (c) => c.close() });

/** The URL, method, body and headers of one URL's request from -d/-G/--json/-F/-T/--url-query. */
export function requestParts(o: Options, url: string, index: number, data: Uint8Array | null, query: string): RequestParts {
  const parts: RequestParts = { url, headers: [] };
  parts.url = withQuery(parts.url, query);
  if (o.data.length && data !== null) {
    const json = o.data.some((p) => p.kind === "json");
    if (json) parts.callerHeaders = jsonHeaders(o.headers);
    if (o.get) parts.url = withQuery(parts.url, new TextDecoder().decode(data));
    else {
      parts.method = "POST";
      parts.body = data;
      if (!json) parts.contentType = "application/x-www-form-urlencoded";
    }
  }
  if (o.form.length) {
    // A -H Content-Type of the caller's is kept and given the boundary, as curl's (it went without one).
    const own = o.headers.find(([k]) => k.toLowerCase() === "content-type")?.[1];
    const typed = own !== undefined && own !== "" && own !== EMPTY_VALUE;
    const { body, contentType } = multipart(o.form, o.formEscape, typed ? own : undefined);
    Object.assign(parts, { method: "POST", body, contentType, ownTypeUsed: typed || undefined });
  }
  const upload = o.uploads[index];
  if (upload !== undefined) {
    parts.method = "PUT";
    const stdin = upload === "-" || upload === ".";
    if (stdin) parts.body = stdinFile() ?? (Bun.stdin.stream() as ReadableStream<Uint8Array>);
    else {
      let size: number;
      let regular: boolean;
      let pipe: boolean;
      let dir: boolean;
      try {
        const st = nodeFs().statSync(upload);
        [size, regular, pipe, dir] = [st.size, st.isFile(), st.isFIFO(), st.isDirectory()];
      } catch (err) {
        throw new FetchxError("READ_FILE", `cannot read -T file ${upload}: ${(err as { code?: string }).code ?? err}`, { cause: err });
      }
      // A pipe (-T /dev/stdin, -T <(cmd)) is streamed, chunked, as curl sends it; a device (-T /dev/null) is
      // read now, as Bun's file streams cannot poll one (a socket cannot be opened: 26, as curl's). Both
      // were refused (26). A directory is curl's too: no size, so chunked, and its first read fails, which
      // curl's read callback takes for the end: an empty chunked PUT, exit 0 (fetchx refused it, 26).
      if (dir) parts.body = emptyStream();
      else parts.body = regular ? Bun.file(upload) : pipe ? (Bun.file(upload).stream() as ReadableStream<Uint8Array>) : readData(upload, "-T");
      // -C with -T resumes the upload, as curl's (lib/http.c): the file from OFFSET on, with a Content-Range
      // saying where it goes; -C - sends it whole from 0 (the server is not asked what it has); -C 0 is no resume.
      if (regular && ((o.resumeFrom !== undefined && o.resumeFrom > 0) || o.resume)) {
        const from = o.resumeFrom ?? 0;
        if (from > 0 && from >= size) throw new FetchxError("PARTIAL", `-C ${from}: the file ${upload} (${size} bytes) is uploaded already`);
        // Both ends given: a file's Blob knows no size until it is read.
        parts.body = Bun.file(upload).slice(from, size);
        parts.headers.push(["Content-Range", `bytes ${from}-${size - 1}/${size}`]);
      }
      // curl: a URL ending in "/" (or with no path) gets the file's name.
      const base = parts.url.replace(/[?#].*$/, "");
      const path = base.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, "");
      if (path === "" || path.endsWith("/")) parts.url = withQuery(`${path === "" ? `${base}/` : base}${urlEncode(nodePath().basename(upload))}`, parts.url.slice(base.length).replace(/^\?/, "").replace(/#.*$/, ""));
    }
  }
  return parts;
}
