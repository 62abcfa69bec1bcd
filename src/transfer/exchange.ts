// One HTTP request/response over one connection: write the request, parse the head, then stream the body
// to a consumer that is awaited chunk by chunk (so a slow disk slows the socket, never the memory).
// The consumer's return value is the backpressure (undici's onResponseData): nothing = go on, a promise =
// wait for it, STOP = this body is no longer wanted (a segment was shortened); the connection then closes.
import { FetchxError } from "../errors.ts";
import { headText } from "../http/headers.ts";
import { ResponseParser } from "../http/parser.ts";
import { buildRequest } from "../http/request.ts";
import type { HeaderList, ResponseHead } from "../http/types.ts";
import type { Connection } from "../net/types.ts";
import type { RequestBody, WireKind } from "./options.ts";

export interface RequestSpec {
  method: string;
  target: string;
  /** The target is the caller's own (curl --request-target): a forwarding proxy gets it as it is. */
  targetGiven?: boolean;
  /** curl's --ignore-content-length: the answer's body runs to the connection's close. */
  ignoreLength?: boolean;
  host: string;
  headers: [string, string][];
  /**
   * Where in `headers` a forwarding proxy's Proxy-Connection goes: after fetchx's own headers, before Cookie
   * and the caller's, as curl writes it. Absent: none goes (the caller's -H named it).
   */
  proxyConnectionAt?: number;
  /** "1.0" for an HTTP/1.0 request line (curl -0). */
  version?: "1.0";
  /** Sent after the head: with Content-Length, or chunked when `headers` say Transfer-Encoding: chunked. */
  body?: RequestBody;
  /** The head asks Expect: 100-continue: the body waits this long at most for the server's 100 Continue. */
  continueWaitMs?: number;
}

const encoder = new TextEncoder();
/** curl's MAX_INITIAL_POST_SIZE: a smaller in-memory body is sent with the head. */
const MAX_INLINE_BODY = 64 * 1024;

/** The length a body is sent with, or null for a stream (sent chunked). */
export function bodyLength(body: RequestBody): number | null {
  if (typeof body === "string") return encoder.encode(body).byteLength;
  if (body instanceof Uint8Array) return body.byteLength;
  if (body instanceof Blob) return body.size;
  if (Array.isArray(body)) {
    let n = 0;
    for (const part of body) {
      const len = bodyLength(part);
      if (len === null) return null;
      n += len;
    }
    return n;
  }
  return null;
}

/** A response head for a trace: each line (status, headers, the blank one) as curl's "Recv header" entries. */
function traceHead(head: ResponseHead, wire: (kind: WireKind, bytes: Uint8Array) => void): void {
  for (const line of headText(head).split(/(?<=\r\n)/)) wire("recv-header", encoder.encode(line));
}

/** The body's bytes in pieces, read as they are sent (a file is never read whole). */
async function* bodyPieces(body: RequestBody): AsyncGenerator<Uint8Array> {
  if (typeof body === "string") yield encoder.encode(body);
  else if (body instanceof Uint8Array) yield body;
  else if (Array.isArray(body)) for (const part of body) yield* bodyPieces(part);
  else for await (const piece of body instanceof Blob ? body.stream() : body) yield piece;
}

export interface ExchangeOptions {
  /** No byte for this long ends the exchange with TIMEOUT (0 = no limit). */
  idleTimeoutMs: number;
  /** The same while the head is awaited (the server may think for minutes, as curl lets it). @default idleTimeoutMs */
  headIdleTimeoutMs?: number;
  onHeaderLine?(direction: ">" | "<", line: string): void;
  /** Every byte sent and received, as sent and as the parser hands on the body (curl --trace). */
  onWire?(kind: WireKind, bytes: Uint8Array): void;
  /** What the exchange decided on its own (-v's "* " lines). */
  onTrace?(line: string): void;
  /** Hands the connection back to its pool after a complete, reusable response. */
  release?(conn: Connection): void;
}

/** Returned by a body consumer: stop reading this body. */
export const STOP = false;
/** What a body consumer returns: go on (undefined), wait (a promise, resolving to STOP to stop), or STOP. */
export type Consumed = void | typeof STOP | Promise<void | typeof STOP>;

export class Exchange {
  head!: ResponseHead;
  /** Bytes of the request head as sent, and of a small body sent with it (curl's %{size_request}). */
  requestBytes = 0;
  /** Bytes of the request body as sent (chunk framing not counted). */
  uploadBytes = 0;
  private pending: Uint8Array[] = [];
  private complete = false;
  /** Bytes followed the response on the connection: it is not reused. */
  private trailing = false;
  /** The server answered (an error, or all of it) before the request body was all sent; the rest was not sent. */
  private unsent = false;
  /** The body waited for a 100 Continue and a final answer came instead: none of it was sent. */
  bodyWithheld = false;
  /** A read still running (the wait for a 100 Continue left it when the body went): the next pump awaits it. */
  private reading?: Promise<void>;
  private parser: ResponseParser;

  /**
   * No body byte for this long ends the exchange with TIMEOUT (0 = no limit): a download that cannot
   * resume turns it off (as curl waits), one that can keeps it to find a dead connection and go on.
   */
  bodyIdleTimeoutMs: number;
  /** The 1xx heads that came before the final one, in order (none: undefined, no array per request). */
  informational?: ResponseHead[];
  /** The trailer fields after a chunked body's last chunk, if it had any. */
  trailers?: HeaderList;
  /** The heads' bytes read so far, while the final head is not in (keepHeadBytes). */
  private headBytes?: Uint8Array[];

  constructor(
    readonly conn: Connection,
    private readonly spec: RequestSpec,
    private readonly opts: ExchangeOptions,
  ) {
    this.bodyIdleTimeoutMs = opts.idleTimeoutMs;
    const wire = opts.onWire;
    this.parser = new ResponseParser(spec.method, {
      // A trace gets the head's lines when it is parsed, before body bytes that came in the same read.
      onHead: wire ? (head) => ((this.head = head), traceHead(head, wire)) : (head) => (this.head = head),
      // A trace sees each body chunk as it goes by (a view of the receive buffer: written out at once).
      onBody: wire ? (bytes) => (wire("recv-data", bytes), this.pending.push(bytes)) : (bytes) => this.pending.push(bytes),
      onComplete: () => (this.complete = true),
      // 100 Continue, 103 Early Hints ...: curl shows them with -i and -D; the download reports them.
      onInformational: (head) => (this.informational ??= []).push(head),
      onTrailers: (trailers) => (this.trailers = trailers),
    }, spec.ignoreLength ? { ignoreLength: true } : undefined);
  }

  /** Sends the request and reads up to the end of the response head. */
  async start(): Promise<ResponseHead> {
    const req = buildRequest(this.spec);
    const inline = this.inlineBody();
    this.requestBytes = req.byteLength + (inline?.wire.byteLength ?? 0);
    this.opts.onWire?.("send-header", req);
    if (this.opts.onHeaderLine) for (const line of new TextDecoder().decode(req).split("\r\n").slice(0, -2)) this.opts.onHeaderLine(">", line);
    if (inline) {
      await this.conn.write(Buffer.concat([req, inline.wire]));
      if (inline.data.byteLength > 0) this.opts.onWire?.("send-data", inline.data);
      this.uploadBytes = inline.data.byteLength;
    } else {
      await this.conn.write(req);
      if (this.spec.body !== undefined && (await this.continued(this.spec.continueWaitMs))) await this.sendBody(this.spec.body);
    }
    while (!this.head) await this.pump();
    if (this.opts.onHeaderLine) {
      const h = this.head;
      this.opts.onHeaderLine("<", `HTTP/${h.version} ${h.status} ${h.statusText}`);
      for (const [k, v] of h.headers.entries()) this.opts.onHeaderLine("<", `${k}: ${v}`);
    }
    return this.head;
  }

  /**
   * A small body held in memory (-d, --data-binary, --json: curl's postfields) under 64 KiB goes out with
   * the head in one write, and curl 7.88 counts it in %{size_request} (chunked, with its framing); a form,
   * a file or a stream is read as it is sent, after the head, and is not counted there. A caller's
   * "Expect: 100-continue" keeps the body apart, as curl waits for the 100 before sending it.
   */
  private inlineBody(): { data: Uint8Array; wire: Uint8Array } | undefined {
    const body = this.spec.body;
    if (typeof body !== "string" && !(body instanceof Uint8Array)) return undefined;
    const data = typeof body === "string" ? encoder.encode(body) : body;
    if (data.byteLength >= MAX_INLINE_BODY || this.spec.continueWaitMs !== undefined || this.spec.headers.some(([k, v]) => k.toLowerCase() === "expect" && /100-continue/i.test(v))) return undefined;
    if (!this.chunked) return { data, wire: data };
    const framed = data.byteLength > 0 ? [encoder.encode(`${data.byteLength.toString(16)}\r\n`), data, encoder.encode("\r\n")] : [];
    return { data, wire: Buffer.concat([...framed, encoder.encode("0\r\n\r\n")]) };
  }

  /** The caller's headers ask for a chunked body. */
  private get chunked(): boolean {
    return this.spec.headers.some(([k, v]) => k.toLowerCase() === "transfer-encoding" && /chunked/i.test(v));
  }

  /**
   * Whether the body is to be sent now. Without Expect: 100-continue (`waitMs` undefined) at once; with it,
   * as curl does, on the server's 100 Continue, or when nothing came for `waitMs` (curl's
   * --expect100-timeout). A final answer first means the body is not sent at all, and the connection is not
   * used again, except after a 417, which curl asks again, without the expectation, on it. curl 7.88 closes
   * it after an answer of 300 or more but keeps it after a 2xx, though the server may still be reading a
   * body it was told of: fetchx closes that one too.
   */
  private async continued(waitMs: number | undefined): Promise<boolean> {
    if (waitMs === undefined) return true;
    const deadline = performance.now() + waitMs;
    const goOn = () => this.informational?.some((h) => h.status === 100) ?? false;
    while (!this.head && !goOn()) {
      const left = deadline - performance.now();
      if (left <= 0 || !(await this.pumpWithin(left))) {
        this.opts.onTrace?.("Done waiting for 100-continue");
        return true;
      }
    }
    if (!this.head) return true;
    // A 100 and the final answer read together: curl sends the body, unless the answer is 300 or more.
    if (goOn() && this.head.status < 300) return true;
    if (this.head.status === 417) this.opts.onTrace?.("Got 417 while waiting for a 100");
    else this.stoppedSending();
    this.bodyWithheld = true;
    this.unsent = this.head.status !== 417;
    return false;
  }

  /** One pump, waited for `ms` at most: false when nothing came by then (the read goes on: `reading`). */
  private async pumpWithin(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    // Kept until its chunk is in the parser, for the pumps after the wait; a failed read stays the answer
    // of every one of them.
    const read = (this.reading ??= this.readChunk().then(() => {
      this.reading = undefined;
    }));
    try {
      return await Promise.race([read.then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Writes the body, each piece awaited (the socket's backpressure paces a file or a pipe). An answer that
   * comes before the body is all sent is read; a final status of 300 or more, or a whole answer, stops the
   * upload there, as curl does ("HTTP error before end of send, stop sending"): a 413 or 403 to a large
   * upload is not answered by sending the rest, and is seen even when the server closes the connection
   * after it.
   */
  private async sendBody(body: RequestBody): Promise<void> {
    const chunked = this.chunked;
    for await (const piece of bodyPieces(body)) {
      if (piece.byteLength === 0) continue;
      // Asked before each piece but the first, not after the last: an answer to the whole body is not
      // early, and leaves the connection reusable (a quick one to a body sent after a 100 Continue was
      // taken for an early one, and the connection closed).
      if (this.uploadBytes > 0 && (await this.answeredEarly())) return;
      if (chunked) await this.conn.write(encoder.encode(`${piece.byteLength.toString(16)}\r\n`));
      await this.conn.write(piece);
      this.opts.onWire?.("send-data", piece);
      if (chunked) await this.conn.write(encoder.encode("\r\n"));
      this.uploadBytes += piece.byteLength;
    }
    if (chunked) await this.conn.write(encoder.encode("0\r\n\r\n"));
  }

  /**
   * Reads an answer already waiting while the body is sent: true when it is final and 300 or more, or
   * complete (the server is done with the request; it may close without reading the rest).
   */
  private async answeredEarly(): Promise<boolean> {
    while (!this.head && !this.reading && (this.conn.queuedBytes ?? 0) > 0) await this.pump();
    if (!this.head || (this.head.status < 300 && !this.complete)) return false;
    this.unsent = true;
    this.stoppedSending();
    return true;
  }

  /** An answer of 300 or more came before the end of the body: curl's -v says so. */
  private stoppedSending(): void {
    if (this.head.status >= 300) this.opts.onTrace?.("HTTP error before end of send, stop sending");
  }

  /**
   * Keeps a copy of the heads' bytes in `chunk` (it may be a view of a reused receive buffer), so -i and -D
   * show each head as it came (line ends, folded lines, the status line as sent). Once the final head is
   * in, they are cut into each head's `raw`. Only the heads' own bytes are copied: a small file's body
   * that came with its head is not (a copy of 4 KiB and a second one to join the pieces, every file).
   */
  private keepHeadBytes(chunk: Uint8Array): void {
    const pieces = (this.headBytes ??= []);
    if (!this.head) {
      pieces.push(chunk.slice());
      return;
    }
    const heads = this.informational ? [...this.informational, this.head] : [this.head];
    let left = 0;
    for (const h of heads) left += h.headerBytes;
    for (const p of pieces) left -= p.byteLength;
    pieces.push(chunk.slice(0, left));
    const all = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
    this.headBytes = undefined;
    let at = 0;
    for (const h of heads) {
      h.raw = all.subarray(at, at + h.headerBytes);
      at += h.headerBytes;
    }
  }

  /**
   * The heads read when the exchange ended inside the final one (-m, a close), that one as far as its
   * complete lines go, each with its bytes (-i and -D show them, as curl has); undefined when no final
   * status line came.
   */
  cutHeads(): ResponseHead[] | undefined {
    const partial = this.parser.partialHead;
    if (!partial) return undefined;
    const heads = [...(this.informational ?? []), partial];
    const all = Buffer.concat(this.headBytes ?? []);
    let at = 0;
    for (const h of heads) {
      h.raw = all.subarray(at, at + h.headerBytes);
      at += h.headerBytes;
    }
    return heads;
  }

  /** Reads one chunk from the connection into the parser, or awaits the read a wait for a 100 left running. */
  private pump(): Promise<void> {
    return this.reading ?? this.readChunk();
  }

  private async readChunk(): Promise<void> {
    // Queued data is taken without a promise per chunk; only an empty queue waits.
    let chunk = this.conn.tryRead?.();
    if (chunk === undefined) chunk = await this.conn.read(this.head ? this.bodyIdleTimeoutMs : (this.opts.headIdleTimeoutMs ?? this.bodyIdleTimeoutMs));
    this.accept(chunk);
  }

  /** Feeds a chunk (null: end of stream) to the parser; bytes past the response go back for the next. */
  private accept(chunk: Uint8Array | null): void {
    if (chunk === null) {
      this.parser.finish(); // completes a close-delimited body, throws on truncation
      this.complete = true;
      return;
    }
    const reading = !this.head;
    const used = this.parser.feed(chunk);
    if (reading) this.keepHeadBytes(chunk);
    // Bytes after the end of a response that nobody asked for yet (fetchx never pipelines) are not the
    // next response: a server sending them is confused or smuggling. Drop them and the connection.
    if (used < chunk.byteLength) this.trailing = true;
  }

  /**
   * The body's hot path: chunks arrive by the socket's data event and go through the parser to `consume`
   * synchronously. Resolves when the response is complete, or when `consume` returned a promise (a pipe
   * that must be waited for: the caller awaits it, then comes back).
   */
  private pushed(consume: (bytes: Uint8Array) => Consumed): Promise<void | typeof STOP> {
    const conn = this.conn;
    return new Promise((resolve, reject) => {
      // Only a consumer that answered with a promise may still hold the chunk (a view of the socket's
      // receive buffer) after this returns.
      const stop = (then: () => void, chunkKept = false) => {
        conn.unlisten!(chunkKept);
        then();
      };
      conn.listen!((event) => {
        try {
          if (event instanceof Error) return stop(() => reject(event));
          this.accept(event);
          while (this.pending.length) {
            const r = consume(this.pending.shift()!);
            if (r === STOP) return stop(() => resolve(STOP));
            if (r) return stop(() => r.then(resolve, reject), true);
          }
          if (this.complete) stop(resolve);
        } catch (err) {
          stop(() => reject(err));
        }
      }, this.bodyIdleTimeoutMs);
    });
  }

  /**
   * Streams the body to `consume`, awaiting it per chunk. Resolves true at the end of the response, false
   * when the consumer stopped it (the connection is closed: the rest of the body is still on the wire).
   */
  async body(consume: (bytes: Uint8Array) => Consumed): Promise<boolean> {
    for (;;) {
      while (this.pending.length) {
        const bytes = this.pending.shift()!;
        const r = consume(bytes);
        if ((r instanceof Promise ? await r : r) === STOP) return this.stopped();
      }
      if (this.complete) break;
      const queued = this.conn.tryRead?.();
      if (queued !== undefined) this.accept(queued);
      else if (this.conn.listen) {
        if ((await this.pushed(consume)) === STOP) return this.stopped();
      } else await this.pump();
    }
    if (!this.parser.keepAlive || this.trailing || this.unsent) this.conn.close();
    return true;
  }

  private stopped(): false {
    this.conn.close();
    return false;
  }

  /** After the body: back to the pool when the connection can carry another request, else closed. */
  release(): void {
    if (this.reusable && this.opts.release) return this.opts.release(this.conn);
    this.conn.refreshMptcp(); // the peak subflow count, read while the connection still exists
    this.conn.close();
  }

  /** Gives up on this exchange: the connection closes (a partly read body cannot be reused). */
  close(): void {
    this.conn.close();
  }

  /** Reads and drops the rest of the body (a redirect's), keeping the connection reusable if cheap. */
  async discard(limit = 64 * 1024): Promise<void> {
    let seen = 0;
    const small = this.parser.bodyMode === "none" || (this.parser.expected !== null && this.parser.expected <= limit);
    if (!small) {
      this.conn.close();
      return;
    }
    await this.body((b) => void (seen += b.byteLength));
  }

  /** Inside body(): true once the chunk being consumed is the response's last. */
  get atEnd(): boolean {
    return this.complete && this.pending.length === 0;
  }

  /** Whether the connection can carry another request. Not asked of the kernel here: the pool asks once,
   *  before the next request (idleUsable), and drops it then if the peer closed meanwhile. */
  get reusable(): boolean {
    return this.complete && this.parser.keepAlive && !this.trailing && !this.unsent && (this.conn.alive ?? this.conn.open);
  }

  get bodyBytes(): number {
    return this.parser.received;
  }

  /** Expected body length from Content-Length, or null. */
  get expected(): number | null {
    return this.parser.expected;
  }
}

/** A connection error before any byte of the response arrived on a reused connection: safe to retry once. */
export function isStaleConnection(err: unknown, reused: boolean): boolean {
  return reused && err instanceof FetchxError && (err.code === "EMPTY_REPLY" || err.code === "RECV" || err.code === "SEND");
}
