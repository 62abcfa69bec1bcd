// Content-Encoding decoders for --compressed: gzip, deflate (zlib-wrapped or raw), brotli and zstd, on the
// native decoders behind Bun's node:zlib, driven through their handle's writeSync(flush, in, inOff, inLen,
// out, outOff, outLen) into one output buffer per coding that is reused for the whole body.
//
// Why not DecompressionStream (used before) or node:zlib's streams: both hand out a new buffer for every
// piece of output, and for a body that expands 600,000 times those buffers are what the memory goes to.
// Measured with a compiled script decoding a 1.7 KB "gzip, gzip" body of 1 GiB of zeros to /dev/null (GNU
// time, peak RSS; the script alone 21-23 MiB): DecompressionStream 57 MiB (0.2 s), with a synchronous
// Bun.gc(true) every 8 MiB decoded 42 MiB (0.8 s), with a non-blocking Bun.gc(false) every 2-8 MiB 52-58
// MiB; node:zlib streams 49-57 MiB (0.4-1.6 s); allocating 1 GiB of 64 KiB arrays and doing nothing
// else 51 MiB. Decoding into a reused 256 KiB buffer: 29 MiB in 0.08 s. bench/decode.ts has the CLI figures.
//
// The handle is node's zlib binding, which Bun implements for its node:zlib (Node's own zlib.js drives it
// the same way); test/unit/http-decode.test.ts checks its shape on the pinned Bun. Each call decodes until
// the output buffer is full or the input is used up; _writeState then holds [output space left, input
// left]. Output space left means the decoder wanted no more input: either all of it was used, or the
// stream ended and the rest is trailing junk (an error, as DecompressionStream had it). Errors come
// through the handle's onerror callback, during the call.
//
// Backpressure: the decoded bytes are a view of the output buffer, handed to emit, and nothing more is
// decoded until emit's promise settles (the view is the caller's until then, as the recv reader's chunks
// are). So memory is a few fixed buffers plus the decoders' windows: zlib 32 KiB, brotli up to 16 MiB
// (the format's limit), zstd at most 8 MiB (RFC 9659 caps the window of the "zstd" coding at 8 MB; zstd's
// own default would let a frame ask for 128 MiB).
//
// Rules of ours on top: an empty body with a Content-Encoding decodes to nothing (the decoders call empty
// input truncated), "deflate" may be raw deflate (told apart by the zlib header, as browsers do), and
// zstd's streaming decoder says nothing when the input stops inside a frame, so zstd-frames.ts watches
// the frame structure for that.
import { FetchxError } from "../errors.ts";
import { ZstdFrameTracker } from "./zstd-frames.ts";

type Emit = (out: Uint8Array) => void | Promise<void>;

export interface BodyDecoder {
  /** Feeds encoded bytes; calls emit for decoded output, awaiting emit's promise (backpressure) before decoding more. */
  write(chunk: Uint8Array, emit: Emit): Promise<void>;
  /** End of the encoded body: flushes, throws FetchxError BAD_CONTENT_ENCODING (exit 61) on truncated/corrupt input. */
  end(emit: Emit): Promise<void>;
  /** Frees the native decoders now (brotli's window is up to 16 MiB) when the body is abandoned; end() does it too. */
  close(): void;
}

/** The part of node's zlib binding used here (Bun: NativeZlib, NativeBrotli, NativeZstd). */
interface NativeHandle {
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number, code?: string) => void;
  close(): void;
}
interface NodeCoder {
  _handle: NativeHandle;
  /** [output space left, input left] after each writeSync. */
  _writeState: Uint32Array;
  _defaultFlushFlag: number;
  _finishFlushFlag: number;
}

type Kind = "gzip" | "deflate" | "deflate-raw" | "brotli" | "zstd";
/** node:zlib on first use: only --compressed bodies need it, and every start would pay for its import. */
let zlibModule: typeof import("node:zlib") | undefined;
const lazyZlib = () => (zlibModule ??= import.meta.require("node:zlib") as typeof import("node:zlib"));
const zstdOptions = () => ({ params: { [(lazyZlib().constants as Record<string, number>).ZSTD_d_windowLogMax ?? 100]: 23 } });
const CODERS: Record<Kind, () => unknown> = {
  gzip: () => lazyZlib().createGunzip(),
  deflate: () => lazyZlib().createInflate(),
  "deflate-raw": () => lazyZlib().createInflateRaw(),
  brotli: () => lazyZlib().createBrotliDecompress(),
  zstd: () => (lazyZlib() as unknown as { createZstdDecompress(o: object): unknown }).createZstdDecompress(zstdOptions()),
};

/** Content-coding name -> decoder kind; "deflate" is sniffed (zlib-wrapped or raw). */
const KINDS: Record<string, Kind | "sniff-deflate"> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "sniff-deflate",
  br: "brotli",
  zstd: "zstd",
};

/** The Accept-Encoding we send with --compressed: exactly the encodings createDecoder handles, in curl's
 *  order (a server that takes the first it knows answers both alike). */
export const ACCEPT_ENCODING = "deflate, gzip, br, zstd";

/**
 * Decoded bytes per call and per emit, for each coding. 256 KiB decoded the 1 GiB bomb in 0.08 s where
 * 64 KiB took 0.18 s and 16 KiB 0.27 s (fewer calls and emits), and it is a fixed cost per coding.
 */
export const OUTPUT_BYTES = 256 * 1024;

/** A decoder for a Content-Encoding value, or null when there is nothing to undo. Codings listed as
 *  "gzip, br" were applied in that order, so they are undone from the last. An unknown coding throws
 *  BAD_CONTENT_ENCODING at once: the body could not be decoded. */
export function createDecoder(contentEncoding: string | undefined): BodyDecoder | null {
  if (contentEncoding === undefined) return null;
  const codings = contentEncoding
    .split(",")
    .map((c) => c.trim().toLowerCase())
    // "none" is curl's other name for identity: nothing to undo, where an unknown coding is exit 61.
    .filter((c) => c !== "" && c !== "identity" && c !== "none");
  if (codings.length === 0) return null;
  const stages = codings.reverse().map((coding) => {
    const kind = KINDS[coding];
    if (!kind) throw new FetchxError("BAD_CONTENT_ENCODING", `unsupported content encoding "${coding}"`);
    return new Stage(coding, kind);
  });
  return stages.length === 1 ? stages[0]! : new Chain(stages);
}

const failed = (coding: string, why: string) => new FetchxError("BAD_CONTENT_ENCODING", `${coding} decoding failed: ${why}`);

/** One coding undone by one native decoder. */
class Stage implements BodyDecoder {
  readonly #coding: string;
  #kind: Kind | "sniff-deflate";
  #coder: NodeCoder | null = null;
  #out: Uint8Array | null = null;
  #error: string | null = null;
  #closed = false;
  /** The first byte of a "deflate" body, while waiting for the second to tell which kind it is. */
  #head: Uint8Array | null = null;
  readonly #frames: ZstdFrameTracker | null;

  constructor(coding: string, kind: Kind | "sniff-deflate") {
    this.#coding = coding;
    this.#kind = kind;
    this.#frames = kind === "zstd" ? new ZstdFrameTracker() : null;
  }

  async write(chunk: Uint8Array, emit: Emit): Promise<void> {
    if (this.#closed) throw failed(this.#coding, this.#error!);
    if (chunk.byteLength === 0) return;
    if (!this.#coder) {
      if (this.#kind === "sniff-deflate") {
        if (this.#head) chunk = Buffer.concat([this.#head, chunk]);
        if (chunk.byteLength < 2) return void (this.#head = chunk.slice());
        this.#head = null;
        this.#kind = isZlibHeader(chunk[0]!, chunk[1]!) ? "deflate" : "deflate-raw";
      }
      this.#open(this.#kind);
    }
    this.#frames?.feed(chunk);
    await this.#run(chunk, this.#coder!._defaultFlushFlag, emit);
  }

  async end(emit: Emit): Promise<void> {
    if (!this.#coder) {
      // Nothing at all: an empty body with a Content-Encoding is not corrupt, nothing was encoded.
      // One byte of "deflate" cannot be a complete stream of either kind.
      if (this.#head) throw failed(this.#coding, "unexpected end of data");
      return;
    }
    try {
      await this.#run(new Uint8Array(0), this.#coder._finishFlushFlag, emit);
      if (this.#frames && !this.#frames.complete) throw failed(this.#coding, "unexpected end of data");
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error ??= "closed";
    this.#coder?._handle.close();
  }

  /** Decodes `input` with `flush`, emitting every full (or, at the end, partial) output buffer. */
  async #run(input: Uint8Array, flush: number, emit: Emit): Promise<void> {
    const { _handle: handle, _writeState: state } = this.#coder!;
    const out = this.#out!;
    let at = 0;
    let left = input.byteLength;
    for (;;) {
      if (this.#error === null) {
        try {
          handle.writeSync(flush, input, at, left, out, 0, out.byteLength);
        } catch (err) {
          this.#error ??= err instanceof Error ? err.message : String(err);
        }
      }
      if (this.#error !== null) {
        this.close();
        throw failed(this.#coding, this.#error);
      }
      const space = state[0]!;
      at += left - state[1]!;
      left = state[1]!;
      if (space < out.byteLength) {
        const pending = emit(out.subarray(0, out.byteLength - space));
        if (pending) await pending;
      }
      if (space === 0) continue; // the buffer is full: more may be waiting
      if (left > 0) {
        this.#error = "trailing junk after the end of the compressed stream";
        this.close();
        throw failed(this.#coding, this.#error);
      }
      return;
    }
  }

  #open(kind: Kind): void {
    const coder = CODERS[kind]() as NodeCoder;
    coder._handle.onerror = (message) => void (this.#error ??= message);
    this.#coder = coder;
    this.#out = new Uint8Array(OUTPUT_BYTES);
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
    try {
      for (let i = 0; i < this.#stages.length; i++) await this.#stages[i]!.end(this.#into(i + 1, emit));
    } finally {
      this.close();
    }
  }

  close(): void {
    for (const stage of this.#stages) stage.close();
  }

  /** Where stage i-1's output goes: stage i, or the caller after the last. */
  #into(i: number, emit: Emit): Emit {
    return i === this.#stages.length ? emit : (out) => this.#stages[i]!.write(out, this.#into(i + 1, emit));
  }
}
