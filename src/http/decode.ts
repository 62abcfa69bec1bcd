// Streaming Content-Encoding decoders for --compressed, on Bun's node:zlib (gzip, deflate, brotli, zstd).
// Each write returns the output produced so far, so memory stays bounded by what one input chunk
// expands to, never the whole body.

import zlib from "node:zlib";
import type { Transform } from "node:stream";
import { FetchxError } from "../errors.ts";
import { ZstdFrameTracker } from "./zstd-frames.ts";

export interface BodyDecoder {
  write(chunk: Uint8Array): Promise<Uint8Array[]>;
  /** Flushes the decoder; throws BAD_CONTENT_ENCODING when the compressed stream was cut short. */
  end(): Promise<Uint8Array[]>;
}

type Factory = () => BodyDecoder;

const CHUNK_SIZE = 64 * 1024;
const hasZstd = typeof (zlib as { createZstdDecompress?: unknown }).createZstdDecompress === "function";

const FACTORIES: Record<string, Factory> = {
  gzip: () => new StreamDecoder("gzip", zlib.createGunzip({ chunkSize: CHUNK_SIZE })),
  "x-gzip": () => new StreamDecoder("gzip", zlib.createGunzip({ chunkSize: CHUNK_SIZE })),
  deflate: () => new DeflateDecoder(),
  br: () => new StreamDecoder("br", zlib.createBrotliDecompress({ chunkSize: CHUNK_SIZE })),
  ...(hasZstd
    ? {
        zstd: () =>
          new StreamDecoder(
            "zstd",
            (zlib as unknown as { createZstdDecompress(o: object): Transform }).createZstdDecompress({
              chunkSize: CHUNK_SIZE,
            }),
            new ZstdFrameTracker(),
          ),
      }
    : {}),
};

/** The Accept-Encoding we send with --compressed: exactly the encodings createDecoder handles. */
export const ACCEPT_ENCODING = ["gzip", "deflate", "br", ...(hasZstd ? ["zstd"] : [])].join(", ");

/** A decoder for a Content-Encoding value, or null when there is nothing to undo. Codings listed
 *  as "gzip, br" were applied in that order, so they are undone from the last. */
export function createDecoder(contentEncoding: string | undefined): BodyDecoder | null {
  if (contentEncoding === undefined) return null;
  const codings = contentEncoding
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  if (codings.length === 0) return null;
  const stages = codings.reverse().map((coding) => {
    const factory = FACTORIES[coding];
    if (!factory) throw new FetchxError("BAD_CONTENT_ENCODING", `unsupported content encoding "${coding}"`);
    return factory();
  });
  return stages.length === 1 ? stages[0]! : new ChainDecoder(stages);
}

const corrupt = (name: string, err: unknown) =>
  new FetchxError("BAD_CONTENT_ENCODING", `${name} decoding failed: ${err instanceof Error ? err.message : err}`, {
    cause: err,
  });

/** Adapts a node:zlib Transform: output is collected from 'data' and handed back at the next call. */
class StreamDecoder implements BodyDecoder {
  readonly #name: string;
  readonly #stream: Transform;
  #output: Uint8Array[] = [];
  #sawInput = false;
  #error: FetchxError | null = null;
  readonly #failed: Promise<never>;
  readonly #ended: Promise<void>;
  readonly #frames: ZstdFrameTracker | undefined;

  /** `frames` checks that the input ended on a frame boundary, for decompressors that do not. */
  constructor(name: string, stream: Transform, frames?: ZstdFrameTracker) {
    this.#name = name;
    this.#stream = stream;
    this.#frames = frames;
    stream.on("data", (b: Uint8Array) => this.#output.push(b));
    this.#failed = new Promise<never>((_, reject) =>
      stream.once("error", (err) => {
        this.#error = corrupt(name, err);
        reject(this.#error);
      }),
    );
    this.#failed.catch(() => {}); // observed through write()/end()
    this.#ended = new Promise<void>((resolve) => stream.once("end", resolve));
  }

  async write(chunk: Uint8Array): Promise<Uint8Array[]> {
    if (this.#error) throw this.#error;
    if (chunk.length === 0) return this.#take();
    this.#sawInput = true;
    this.#frames?.feed(chunk);
    const written = new Promise<void>((resolve, reject) =>
      this.#stream.write(chunk, (err) => (err ? reject(corrupt(this.#name, err)) : resolve())),
    );
    await Promise.race([written, this.#failed]);
    return this.#take();
  }

  async end(): Promise<Uint8Array[]> {
    if (this.#error) throw this.#error;
    if (!this.#sawInput) {
      // An empty body with a Content-Encoding header is not corrupt: nothing was encoded.
      this.#stream.destroy();
      return [];
    }
    this.#stream.end();
    await Promise.race([this.#ended, this.#failed]);
    if (this.#frames && !this.#frames.complete)
      throw new FetchxError("BAD_CONTENT_ENCODING", `${this.#name} decoding failed: unexpected end of data`);
    return this.#take();
  }

  #take(): Uint8Array[] {
    const out = this.#output;
    this.#output = [];
    return out;
  }
}

/** "deflate" should be zlib-wrapped (RFC 9110), but some servers send raw deflate; browsers accept
 *  both, telling them apart by the zlib header, and so do we. */
class DeflateDecoder implements BodyDecoder {
  #inner: BodyDecoder | null = null;
  #pending: Uint8Array | null = null;

  async write(chunk: Uint8Array): Promise<Uint8Array[]> {
    if (this.#inner) return this.#inner.write(chunk);
    const bytes = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
    if (bytes.length < 2) {
      this.#pending = bytes.slice();
      return [];
    }
    this.#pending = null;
    this.#inner = this.#choose(bytes[0]!, bytes[1]!);
    return this.#inner.write(bytes);
  }

  async end(): Promise<Uint8Array[]> {
    if (!this.#inner) {
      if (!this.#pending) return [];
      // One byte cannot be a complete deflate stream of either kind.
      throw new FetchxError("BAD_CONTENT_ENCODING", "deflate decoding failed: unexpected end of data");
    }
    return this.#inner.end();
  }

  #choose(cmf: number, flg: number): BodyDecoder {
    const zlibWrapped = (cmf & 0x0f) === 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 === 0;
    return zlibWrapped
      ? new StreamDecoder("deflate", zlib.createInflate({ chunkSize: CHUNK_SIZE }))
      : new StreamDecoder("deflate", zlib.createInflateRaw({ chunkSize: CHUNK_SIZE }));
  }
}

/** Several codings: each stage's output is the next stage's input. */
class ChainDecoder implements BodyDecoder {
  readonly #stages: BodyDecoder[];
  constructor(stages: BodyDecoder[]) {
    this.#stages = stages;
  }

  write(chunk: Uint8Array): Promise<Uint8Array[]> {
    return this.#through(0, [chunk]);
  }

  async end(): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.#stages.length; i++) {
      const tail = await this.#stages[i]!.end();
      out.push(...(await this.#through(i + 1, tail)));
    }
    return out;
  }

  async #through(from: number, chunks: Uint8Array[]): Promise<Uint8Array[]> {
    let current = chunks;
    for (let i = from; i < this.#stages.length; i++) {
      const next: Uint8Array[] = [];
      for (const c of current) next.push(...(await this.#stages[i]!.write(c)));
      current = next;
    }
    return current;
  }
}
