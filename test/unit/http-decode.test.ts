// Guards --compressed: each Content-Encoding decodes back to the original bytes however the body is
// split, cut-short, corrupt or trailing-junk input is BAD_CONTENT_ENCODING, output streams out before the
// end, emit's promise holds decoding back, zstd windows over 8 MiB are refused, and a decompression bomb
// decodes in bounded memory (into reused buffers: the RSS growth bound fails with DecompressionStream).

import { describe, expect, test } from "bun:test";
import zlib from "node:zlib";
import { FetchxError } from "../../src/errors.ts";
import { ACCEPT_ENCODING, createDecoder, OUTPUT_BYTES, type BodyDecoder } from "../../src/http/decode.ts";
import { sha256 } from "../servers/harness.ts";

// Half repetitive text, half pseudo-random bytes, over 128 KiB so zstd and brotli emit several blocks.
function sample(size: number): Buffer {
  const out = Buffer.alloc(size);
  let seed = 12345;
  for (let i = 0; i < size; i++) {
    if ((i >> 12) & 1) {
      // mulberry32: incompressible but reproducible
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      out[i] = (t ^ (t >>> 14)) >>> 24;
    } else out[i] = "fetchx streams bodies\n".charCodeAt(i % 22);
  }
  return out;
}

const zstdCompress = (b: Uint8Array, params: Record<number, number> = {}): Buffer =>
  (zlib as unknown as { zstdCompressSync(b: Uint8Array, o?: object): Buffer }).zstdCompressSync(b, { params });
const ZSTD_C_CHECKSUM_FLAG = 201; // ZSTD_c_checksumFlag in zstd.h

async function decodeAll(decoder: BodyDecoder, input: Uint8Array, step: number): Promise<Buffer> {
  const out: Uint8Array[] = [];
  const emit = (b: Uint8Array) => void out.push(b.slice());
  for (let i = 0; i < input.length; i += step) await decoder.write(input.subarray(i, i + step), emit);
  await decoder.end(emit);
  return Buffer.concat(out);
}

async function decodeError(encoding: string, input: Uint8Array, step = 4096): Promise<FetchxError> {
  try {
    await decodeAll(createDecoder(encoding)!, input, step);
  } catch (err) {
    expect(err).toBeInstanceOf(FetchxError);
    return err as FetchxError;
  }
  throw new Error(`${encoding}: expected a decoding failure`);
}

const data = sample(300 * 1024);
const gzip = zlib.gzipSync(data);
const ENCODED: [string, Buffer][] = [
  ["gzip", gzip],
  ["x-gzip", gzip],
  ["deflate", zlib.deflateSync(data)],
  ["deflate", zlib.deflateRawSync(data)], // raw deflate, as some servers send it
  ["br", zlib.brotliCompressSync(data)],
  ["zstd", zstdCompress(data)],
  ["zstd", zstdCompress(data, { [ZSTD_C_CHECKSUM_FLAG]: 1 })],
  ["zstd", Buffer.concat([zstdCompress(data.subarray(0, 1000)), zstdCompress(data.subarray(1000))])], // two frames
  ["gzip, br", zlib.brotliCompressSync(gzip)],
  ["deflate, zstd", zstdCompress(zlib.deflateSync(data))],
  ["identity, GZIP", gzip],
];

describe("createDecoder", () => {
  test("node:zlib's decoders carry the native handle decode.ts drives (writeSync, _writeState, flush flags)", () => {
    const z = zlib as unknown as Record<string, () => Record<string, unknown>>;
    for (const make of ["createGunzip", "createInflate", "createInflateRaw", "createBrotliDecompress", "createZstdDecompress"]) {
      const coder = z[make]!();
      const handle = coder._handle as Record<string, unknown>;
      expect(typeof handle.writeSync, make).toBe("function");
      expect(typeof handle.close, make).toBe("function");
      expect(coder._writeState, make).toBeInstanceOf(Uint32Array);
      expect((coder._writeState as Uint32Array).length, make).toBe(2);
      expect([typeof coder._defaultFlushFlag, typeof coder._finishFlushFlag], make).toEqual(["number", "number"]);
    }
  });

  test("advertises exactly what it decodes", () => {
    expect(ACCEPT_ENCODING).toBe("deflate, gzip, br, zstd"); // curl's order
    for (const coding of ACCEPT_ENCODING.split(", ")) expect(createDecoder(coding)).not.toBeNull();
  });

  test("nothing to undo -> null", () => {
    expect(createDecoder(undefined)).toBeNull();
    expect(createDecoder("")).toBeNull();
    expect(createDecoder("identity")).toBeNull();
    expect(createDecoder("none")).toBeNull(); // curl's alias of identity
  });

  test("unknown coding -> BAD_CONTENT_ENCODING", () => {
    for (const coding of ["compress", "gzip, sdch", "x-bzip2"]) {
      let err: unknown;
      try {
        createDecoder(coding);
      } catch (e) {
        err = e;
      }
      expect((err as FetchxError).code).toBe("BAD_CONTENT_ENCODING");
    }
  });

  ENCODED.forEach(([encoding, encoded], i) => {
    test(`${encoding} #${i} round-trips in small and odd-sized chunks`, async () => {
      for (const step of [1000, 4093, 65536]) {
        const out = await decodeAll(createDecoder(encoding)!, encoded, step);
        expect(await sha256(out)).toBe(await sha256(data));
      }
    });
  });

  test("deflate detection works when the first write is a single byte", async () => {
    for (const encoded of [zlib.deflateSync(data), zlib.deflateRawSync(data)]) {
      const decoder = createDecoder("deflate")!;
      const out: Uint8Array[] = [];
      const emit = (b: Uint8Array) => void out.push(b.slice());
      await decoder.write(encoded.subarray(0, 1), emit);
      await decoder.write(encoded.subarray(1, 2), emit);
      out.push(await decodeAll(decoder, encoded.subarray(2), 777));
      expect(await sha256(Buffer.concat(out))).toBe(await sha256(data));
    }
    // One byte and the end: neither kind of deflate stream.
    const one = createDecoder("deflate")!;
    await one.write(zlib.deflateSync(data).subarray(0, 1), () => {});
    expect(await one.end(() => {}).catch((e: FetchxError) => e.code)).toBe("BAD_CONTENT_ENCODING");
  });

  test("output streams out before the input ends (no whole-body buffering)", async () => {
    for (const [encoding, encoded] of ENCODED) {
      const decoder = createDecoder(encoding)!;
      let early = 0;
      const half = Math.floor(encoded.length / 2);
      for (let i = 0; i < half; i += 8192) await decoder.write(encoded.subarray(i, Math.min(half, i + 8192)), (b) => void (early += b.length));
      expect(early, encoding).toBeGreaterThan(0);
    }
  });

  test("an empty body with a Content-Encoding decodes to nothing", async () => {
    for (const coding of ["gzip", "deflate", "br", "zstd", "gzip, br"]) {
      const out: Uint8Array[] = [];
      const decoder = createDecoder(coding)!;
      await decoder.write(new Uint8Array(0), (b) => void out.push(b));
      await decoder.end((b) => void out.push(b));
      expect(out, coding).toEqual([]);
    }
  });

  test("input cut short -> BAD_CONTENT_ENCODING at end()", async () => {
    for (const [encoding, encoded] of ENCODED) {
      for (let k = 1; k < 12; k++) {
        const cut = Math.floor((encoded.length * k) / 12);
        const err = await decodeError(encoding, encoded.subarray(0, cut));
        expect(err.code, `${encoding} cut at ${cut}`).toBe("BAD_CONTENT_ENCODING");
      }
      // One byte short of the end: the last thing missing is a trailer or checksum byte.
      expect((await decodeError(encoding, encoded.subarray(0, encoded.length - 1))).code).toBe("BAD_CONTENT_ENCODING");
    }
  });

  test("corrupt input -> BAD_CONTENT_ENCODING", async () => {
    expect((await decodeError("gzip", Buffer.from("definitely not gzip"))).code).toBe("BAD_CONTENT_ENCODING");
    expect((await decodeError("br", Buffer.from("definitely not brotli"))).code).toBe("BAD_CONTENT_ENCODING");
    expect((await decodeError("zstd", Buffer.from("definitely not zstd"))).code).toBe("BAD_CONTENT_ENCODING");
    expect((await decodeError("deflate", Buffer.from("\xff\xff not deflate", "latin1"))).code).toBe("BAD_CONTENT_ENCODING");
    const flipped = Buffer.from(gzip);
    flipped[flipped.length - 6]! ^= 0xff; // inside the CRC-32 trailer
    expect((await decodeError("gzip", flipped)).message).toMatch(/^gzip decoding failed/);
  });

  test("bytes after the end of the stream -> BAD_CONTENT_ENCODING, in the same write or a later one", async () => {
    for (const [encoding, encoded] of ENCODED) {
      for (const junk of ["junk", "\x00\x00\x00\x00", "\x1f\x8b"]) {
        const tail = Buffer.from(junk, "latin1");
        const whole = await decodeError(encoding, Buffer.concat([encoded, tail]), encoded.length + tail.length);
        expect(whole.code, `${encoding} + ${JSON.stringify(junk)}`).toBe("BAD_CONTENT_ENCODING");
        const decoder = createDecoder(encoding)!;
        await decoder.write(encoded, () => {});
        const later = await decoder.write(tail, () => {}).then(() => decoder.end(() => {})).catch((e: FetchxError) => e.code);
        expect(later, `${encoding} then ${JSON.stringify(junk)}`).toBe("BAD_CONTENT_ENCODING");
      }
    }
  });

  test("zstd: a frame asking for a window over 8 MiB is refused (RFC 9659), 8 MiB decodes", async () => {
    const ZSTD_C_WINDOW_LOG = (zlib.constants as Record<string, number>).ZSTD_c_windowLog!;
    // Streaming compression does not know the size, so the frame header carries the window asked for.
    const frame = async (windowLog: number) => {
      const enc = (zlib as unknown as { createZstdCompress(o: object): import("node:stream").Transform }).createZstdCompress({ params: { [ZSTD_C_WINDOW_LOG]: windowLog } });
      const parts: Buffer[] = [];
      enc.on("data", (b: Buffer) => parts.push(b));
      const ended = new Promise((r) => enc.on("end", r));
      enc.end(data);
      await ended;
      return Buffer.concat(parts);
    };
    expect(await sha256(await decodeAll(createDecoder("zstd")!, await frame(23), 4096))).toBe(await sha256(data));
    const err = await decodeError("zstd", await frame(24));
    expect(err.message).toMatch(/^zstd decoding failed/);
  });
});

describe("bounded memory", () => {
  test("close() frees an abandoned decoder: a later write is BAD_CONTENT_ENCODING, closing twice is harmless", async () => {
    for (const coding of ["gzip", "br", "zstd", "gzip, br"]) {
      const [, encoded] = ENCODED.find(([e]) => e === coding)!;
      const decoder = createDecoder(coding)!;
      await decoder.write(encoded.subarray(0, 100), () => {});
      decoder.close();
      decoder.close();
      expect(await decoder.write(encoded.subarray(100), () => {}).catch((e: FetchxError) => e.code), coding).toBe("BAD_CONTENT_ENCODING");
    }
  });

  test("decoded bytes come in views of at most OUTPUT_BYTES, one buffer reused per coding", async () => {
    const buffers = new Set<ArrayBufferLike>();
    let max = 0;
    const decoder = createDecoder("gzip, br")!;
    const emit = (b: Uint8Array) => {
      buffers.add(b.buffer);
      max = Math.max(max, b.byteLength);
    };
    const big = Buffer.concat([data, data, data, data]); // 1.2 MB: several full buffers
    const encoded = zlib.brotliCompressSync(zlib.gzipSync(big), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
    await decoder.write(encoded, emit);
    await decoder.end(emit);
    expect(max).toBe(OUTPUT_BYTES);
    expect(buffers.size).toBe(1);
  });

  test("emit's promise holds decoding back: one emit at a time, write settles after them", async () => {
    for (const [encoding, encoded] of ENCODED) {
      const decoder = createDecoder(encoding)!;
      let inFlight = 0;
      let maxInFlight = 0;
      let total = 0;
      const slowEmit = async (b: Uint8Array) => {
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        await Bun.sleep(0);
        total += b.byteLength;
        inFlight--;
      };
      for (let i = 0; i < encoded.length; i += 65536) {
        await decoder.write(encoded.subarray(i, i + 65536), slowEmit);
        expect(inFlight).toBe(0);
      }
      await decoder.end(slowEmit);
      expect(maxInFlight, encoding).toBe(1);
      expect(total, encoding).toBe(data.length);
    }
  });

  test("a chain decodes a layer cut short as BAD_CONTENT_ENCODING, naming the layer", async () => {
    const inner = zlib.gzipSync(data);
    const outer = zlib.brotliCompressSync(inner.subarray(0, inner.length - 4)); // brotli intact, gzip cut
    const err = await decodeError("gzip, br", outer);
    expect(err.message).toMatch(/^gzip decoding failed/);
  });

  test("'gzip, gzip' of 1 GiB of zeros: every byte emitted, RSS grows by less than 16 MiB", async () => {
    const GiB = 1 << 30;
    // The inner layer is built in 1 MiB pieces: never the whole gigabyte in memory.
    const inner = await (async () => {
      const cs = new CompressionStream("gzip");
      const parts: Uint8Array[] = [];
      const collecting = (async () => {
        for await (const p of cs.readable) parts.push(p);
      })();
      const writer = cs.writable.getWriter();
      const zeros = new Uint8Array(1 << 20);
      for (let n = 0; n < GiB; n += zeros.length) await writer.write(zeros);
      await writer.close();
      await collecting;
      return Buffer.concat(parts);
    })();
    const bomb = Bun.gzipSync(inner);
    expect(bomb.length).toBeLessThan(4096);

    Bun.gc(true);
    const before = process.memoryUsage().rss;
    let peak = 0;
    let out = 0;
    let emits = 0;
    const emit = (b: Uint8Array) => {
      out += b.byteLength;
      if (++emits % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss - before);
    };
    const decoder = createDecoder("gzip, gzip")!;
    for (let i = 0; i < bomb.length; i += 512) await decoder.write(bomb.subarray(i, i + 512), emit);
    await decoder.end(emit);
    expect(out).toBe(GiB);
    console.log(`bomb: ${bomb.length} bytes -> ${out} bytes, peak RSS growth ${(peak / 2 ** 20).toFixed(1)} MiB`);
    // Measured: 0.5 MiB; 19-29 MiB through DecompressionStream (a new buffer for every piece of output).
    expect(peak).toBeLessThan(16 * 2 ** 20);
  });
});
