// Content-Encoding decoders for --compressed, on Bun's DecompressionStream (gzip, deflate, deflate-raw,
// brotli, zstd). It reports input cut short as an error for all five formats (node:zlib's zstd stream
// accepted it silently, which needed a frame tracker of our own), and it is pull-driven: it inflates only
// as its output is read. The decoder reads one chunk at a time and awaits the caller's emit before the
// next, so memory stays bounded by a few output chunks however much the input expands (a 1.8 KB
// "gzip, gzip" body of 1 GiB of zeros grew RSS by 19-29 MiB here; test/unit/http-decode.test.ts holds it
// under 64 MB).
//
// Two rules of ours on top: an empty body with a Content-Encoding decodes to nothing (DecompressionStream
// rejects empty input), and "deflate" may be raw deflate (told apart by the zlib header, as browsers do).
import { FetchxError } from "../errors.ts";

type Emit = (out: Uint8Array) => void | Promise<void>;
type Format = Bun.CompressionFormat;
const writerOf = (ds: DecompressionStream) => ds.writable.getWriter();
const readerOf = (ds: DecompressionStream) => ds.readable.getReader();
type Read = Awaited<ReturnType<ReturnType<typeof readerOf>["read"]>>;

export interface BodyDecoder {
  /** Feeds encoded bytes; calls emit for decoded output, awaiting emit's promise (backpressure) before pulling more. */
  write(chunk: Uint8Array, emit: Emit): Promise<void>;
  /** End of the encoded body: flushes, throws FetchxError BAD_CONTENT_ENCODING (exit 61) on truncated/corrupt input. */
  end(emit: Emit): Promise<void>;
}

/** Content-coding name -> DecompressionStream format; "deflate" is sniffed (zlib-wrapped or raw). */
const FORMATS: Record<string, Format | "sniff-deflate"> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "sniff-deflate",
  br: "brotli",
  zstd: "zstd",
};

/** The Accept-Encoding we send with --compressed: exactly the encodings createDecoder handles. */
export const ACCEPT_ENCODING = "gzip, deflate, br, zstd";

/** A decoder for a Content-Encoding value, or null when there is nothing to undo. Codings listed as
 *  "gzip, br" were applied in that order, so they are undone from the last. An unknown coding throws
 *  BAD_CONTENT_ENCODING at once: the body could not be decoded. */
export function createDecoder(contentEncoding: string | undefined): BodyDecoder | null {
  if (contentEncoding === undefined) return null;
  const codings = contentEncoding
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  if (codings.length === 0) return null;
  const stages = codings.reverse().map((coding) => {
    const format = FORMATS[coding];
    if (!format) throw new FetchxError("BAD_CONTENT_ENCODING", `unsupported content encoding "${coding}"`);
    return new Stage(coding, format);
  });
  return stages.length === 1 ? stages[0]! : new Chain(stages);
}

const corrupt = (coding: string, err: unknown) =>
  err instanceof FetchxError
    ? err
    : new FetchxError("BAD_CONTENT_ENCODING", `${coding} decoding failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });

const ignore = () => {};
const PIECE = 64 * 1024;

/** One coding undone by one DecompressionStream. */
class Stage implements BodyDecoder {
  readonly #coding: string;
  #format: Format | "sniff-deflate";
  #writer: ReturnType<typeof writerOf> | null = null;
  #reader: ReturnType<typeof readerOf> | null = null;
  /** A read() issued and not yet consumed: a read cannot be taken back, so it carries over to the next call. */
  #pending: Promise<Read> | null = null;
  /** The first byte of a "deflate" body, while waiting for the second to tell which kind it is. */
  #head: Uint8Array | null = null;

  constructor(coding: string, format: Format | "sniff-deflate") {
    this.#coding = coding;
    this.#format = format;
  }

  async write(chunk: Uint8Array, emit: Emit): Promise<void> {
    if (chunk.byteLength === 0) return;
    if (!this.#writer) {
      if (this.#format === "sniff-deflate") {
        if (this.#head) chunk = Buffer.concat([this.#head, chunk]);
        if (chunk.byteLength < 2) return void (this.#head = chunk.slice());
        this.#head = null;
        this.#format = isZlibHeader(chunk[0]!, chunk[1]!) ? "deflate" : "deflate-raw";
      }
      this.#open(this.#format);
    }
    // Bun's stream makes output pieces of its highWaterMark (64 KiB), or as large as the input chunk when
    // that is larger: slicing keeps every piece, and so the memory held, to 64 KiB.
    for (let at = 0; at < chunk.byteLength; at += PIECE) await this.#feed(chunk.subarray(at, at + PIECE), emit);
  }

  async #feed(chunk: Uint8Array, emit: Emit): Promise<void> {
    // The write settles once the stream has taken the chunk in, which it does only as its output is read:
    // read and emit until then. Not Promise.race([read, taken]) in the loop: each race leaves a reaction
    // on `taken` holding the chunk it resolved with until `taken` settles (measured: 300 MB held for a
    // 64 KiB piece of the bomb). One reaction on `taken`, and a fresh waiter per read, hold nothing.
    let taken = false;
    let failed: unknown = null;
    let wake: (() => void) | null = null;
    this.#writer!.write(chunk as Uint8Array<ArrayBuffer>).then(
      () => ((taken = true), wake?.()),
      (err) => ((failed = err ?? new Error("write failed")), wake?.()),
    );
    try {
      for (;;) {
        const read = this.#read();
        const r = await new Promise<Read | null>((resolve, reject) => {
          read.then(resolve, reject);
          wake = () => resolve(null);
          if (taken || failed) resolve(null);
        });
        wake = null;
        if (r === null) {
          if (failed) throw failed; // read() usually reports it first, with the decoder's own message
          return;
        }
        this.#pending = null;
        if (r.done) return; // (only after close(); kept for the type)
        await emit(r.value as Uint8Array);
      }
    } catch (err) {
      throw corrupt(this.#coding, err);
    }
  }

  async end(emit: Emit): Promise<void> {
    if (!this.#writer) {
      // Nothing at all: an empty body with a Content-Encoding is not corrupt, nothing was encoded.
      // One byte of "deflate" cannot be a complete stream of either kind.
      if (this.#head) throw new FetchxError("BAD_CONTENT_ENCODING", `${this.#coding} decoding failed: unexpected end of data`);
      return;
    }
    try {
      const closed = this.#writer.close();
      closed.catch(ignore);
      for (;;) {
        const r = await this.#read();
        this.#pending = null;
        if (r.done) break;
        await emit(r.value as Uint8Array);
      }
      await closed;
    } catch (err) {
      throw corrupt(this.#coding, err);
    }
  }

  #open(format: Format): void {
    const ds = new DecompressionStream(format);
    const writer = (this.#writer = writerOf(ds));
    const reader = (this.#reader = readerOf(ds));
    writer.closed.catch(ignore);
    reader.closed.catch(ignore);
  }

  #read(): Promise<Read> {
    if (!this.#pending) {
      this.#pending = this.#reader!.read();
      this.#pending.catch(ignore); // raced against the write: observed when awaited
    }
    return this.#pending;
  }
}

/** A zlib header (RFC 1950): deflate method, window <= 32K, and the check bits. Raw deflate fails this. */
const isZlibHeader = (cmf: number, flg: number) => (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && ((cmf << 8) | flg) % 31 === 0;

/** Several codings: each stage's output is written into the next as it comes, awaiting it (backpressure). */
class Chain implements BodyDecoder {
  readonly #stages: BodyDecoder[];
  constructor(stages: BodyDecoder[]) {
    this.#stages = stages;
  }

  write(chunk: Uint8Array, emit: Emit): Promise<void> {
    return this.#stages[0]!.write(chunk, this.#into(1, emit));
  }

  async end(emit: Emit): Promise<void> {
    for (let i = 0; i < this.#stages.length; i++) await this.#stages[i]!.end(this.#into(i + 1, emit));
  }

  /** Where stage i-1's output goes: stage i, or the caller after the last. */
  #into(i: number, emit: Emit): Emit {
    return i === this.#stages.length ? emit : (out) => this.#stages[i]!.write(out, this.#into(i + 1, emit));
  }
}
