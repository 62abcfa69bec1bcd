// Response bodies the test server can serve: fixed bytes, or generated content of any size that is never
// held in memory whole (a 1 GiB body is produced block by block as the socket drains).
import { randomBytes } from "./harness.ts";

/** Content the server can slice: [start, end) yields the bytes in pieces. */
export interface BodySource {
  readonly size: number;
  slices(start: number, end: number): Generator<Uint8Array>;
}

const BLOCK = 1 << 16;

/** Deterministic pseudo-random content of `size` bytes; each 64 KiB block has its own seed, so any
 * range can be produced without the bytes before it. */
export class GeneratedBody implements BodySource {
  constructor(
    readonly size: number,
    readonly seed = 1,
  ) {}

  private block(k: number): Uint8Array {
    return randomBytes(BLOCK, (this.seed * 0x01000193) ^ Math.imul(k + 1, 0x85ebca6b));
  }

  *slices(start: number, end: number): Generator<Uint8Array> {
    for (let pos = start; pos < end; ) {
      const k = Math.floor(pos / BLOCK);
      const from = pos - k * BLOCK;
      const to = Math.min(BLOCK, end - k * BLOCK);
      yield this.block(k).subarray(from, to);
      pos += to - from;
    }
  }

  /** The bytes in [start, end), materialised (for tests comparing small ranges). */
  bytes(start = 0, end = this.size): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(end - start);
    let at = 0;
    for (const piece of this.slices(start, end)) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }

  /** Hex sha256 of [start, end), streamed. */
  sha256(start = 0, end = this.size): string {
    const hasher = new Bun.CryptoHasher("sha256");
    for (const piece of this.slices(start, end)) hasher.update(piece);
    return hasher.digest("hex");
  }

  /** The same size with different content: what a server serves after the file changed. */
  variant(version: number): GeneratedBody {
    return version === 0 ? this : new GeneratedBody(this.size, this.seed + version * 7919);
  }
}

/** Generated content of `size` bytes for `seed` (same size and seed, same bytes). */
export const generatedBody = (size: number, seed = 1) => new GeneratedBody(size, seed);

/** Fixed bytes as a source. */
export class BytesBody implements BodySource {
  constructor(readonly data: Uint8Array) {}
  get size() {
    return this.data.length;
  }
  *slices(start: number, end: number): Generator<Uint8Array> {
    const STEP = 1 << 18;
    for (let pos = start; pos < end; pos += STEP) yield this.data.subarray(pos, Math.min(end, pos + STEP));
  }
  variant(version: number): BytesBody {
    if (version === 0) return this;
    // Different bytes, same length: xor with a version-derived mask (never 0).
    const mask = (version % 255) + 1;
    return new BytesBody(this.data.map((b) => b ^ mask));
  }
}

export type Body = Uint8Array | string | GeneratedBody;

export function toSource(body: Body | undefined): GeneratedBody | BytesBody {
  if (body instanceof GeneratedBody) return body;
  if (body === undefined) return new BytesBody(new Uint8Array(0));
  return new BytesBody(typeof body === "string" ? new TextEncoder().encode(body) : body);
}

/** All of a source's bytes (for compressing a body before sending; test bodies that get encoded are small). */
export function materialise(src: BodySource): Uint8Array {
  if (src instanceof BytesBody) return src.data;
  return (src as GeneratedBody).bytes();
}
