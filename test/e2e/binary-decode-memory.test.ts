// Peak memory of the compiled binary decoding --compressed bombs (issue 10: peak RSS under 64 MB for any
// input, a complete file or a clear error). Each body is 1 GiB of zeros in a few KB (brotli with the
// largest window the format has, zstd with the largest RFC 9659 allows) from the test server; the bytes
// are checked by sha256 on every run and the peak is the child's maximum RSS from GNU time (Bun's
// resourceUsage() reports this test process's own high-water mark for a child: it spawns with vfork).
// The bound is the 5-byte body's peak plus the decoder's window (what curl pays too: brotli 16 MiB, zstd
// 8 MiB, zlib 32 KiB) plus 8 MiB, and never 64 MiB. Measured here (bench/decode.ts, medians): a 5-byte
// body 33-34 MiB; gzip, "gzip, gzip", deflate 35-36 MiB, zstd 43-44, brotli 50-52. Before decoding into
// reused buffers (DecompressionStream, a new buffer per piece of output): 56-57, 64-65 and 71-73 MiB.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import zlib from "node:zlib";
import { hostTarget } from "../../build.ts";
import { sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { bytesOf, gzipBomb, head } from "../servers/hostile.ts";
import { binaryPath, ensureBuilt, BUILD_TIMEOUT_MS } from "./binary-support.ts";

const GiB = 1 << 30;
const TIME = "/usr/bin/time";
if (!existsSync(TIME)) throw new Error("these tests need GNU time: apt-get install time");

const out = tempDir("fetchx-decode-mem-");
let server: TestServer;
let bin: string;
let zerosSum: string;

const answer = (encoding: string, body: Uint8Array) => ({ raw: bytesOf(head("200 OK", [["Content-Encoding", encoding], ["Content-Length", String(body.length)]]), body) });

beforeAll(async () => {
  await ensureBuilt();
  bin = binaryPath(hostTarget());
  const zeros = new Uint8Array(GiB);
  const c = zlib.constants as Record<string, number>;
  const zstd = (zlib as unknown as { zstdCompressSync(b: Uint8Array, o: object): Buffer }).zstdCompressSync;
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(zeros);
  zerosSum = hasher.digest("hex");
  server = await startServer({
    routes: {
      "/tiny": answer("gzip", zlib.gzipSync("tiny\n")),
      "/gzip-gzip": answer("gzip, gzip", gzipBomb(GiB, 2)),
      "/deflate": answer("deflate", zlib.deflateSync(zeros, { level: 9 })),
      "/br": answer("br", zlib.brotliCompressSync(zeros, { params: { [c.BROTLI_PARAM_QUALITY!]: 5, [c.BROTLI_PARAM_LGWIN!]: 24 } })),
      "/zstd": answer("zstd", zstd(zeros, { params: { [c.ZSTD_c_windowLog!]: 23 } })),
    },
  });
}, BUILD_TIMEOUT_MS);
afterAll(() => {
  server?.stop();
  out.cleanup();
});

/** Runs the binary to completion: exit code, sha256 of what it wrote (stdout or the file) and peak RSS in MiB. */
async function peak(path: string, toFile: boolean): Promise<{ code: number | null; sum: string; mib: number }> {
  const report = out.file("time.txt");
  const file = out.file("body.bin");
  const args = ["-sS", "--compressed", ...(toFile ? ["-o", file] : []), server.url(path)];
  const proc = Bun.spawn([TIME, "-o", report, "-f", "%M", bin, ...args], { stdout: toFile ? "ignore" : "pipe", stderr: "inherit" });
  const h = new Bun.CryptoHasher("sha256");
  if (!toFile) for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) h.update(chunk);
  const code = await proc.exited;
  const sum = toFile ? await sha256(file) : h.digest("hex");
  if (toFile) rmSync(file);
  return { code, sum, mib: Number(readFileSync(report, "utf8").trim().split("\n").pop()) / 1024 };
}

const CASES = [
  ["/gzip-gzip", true, 0],
  ["/gzip-gzip", false, 0],
  ["/deflate", false, 0],
  ["/br", false, 16],
  ["/zstd", false, 8],
] as const;

for (const [path, toFile, windowMiB] of CASES) {
  test(`${path.slice(1)} bomb of 1 GiB ${toFile ? "to a file" : "to stdout"}: every byte, peak RSS within ${windowMiB} + 8 MiB of a 5-byte body's`, async () => {
    const tiny = await peak("/tiny", toFile);
    expect(tiny.code).toBe(0);
    const bomb = await peak(path, toFile);
    expect([bomb.code, bomb.sum]).toEqual([0, zerosSum]);
    console.log(`${path} ${toFile ? "file" : "stdout"}: ${bomb.mib.toFixed(1)} MiB (5-byte body ${tiny.mib.toFixed(1)} MiB)`);
    expect(bomb.mib - tiny.mib).toBeLessThan(windowMiB + 8);
    expect(bomb.mib).toBeLessThan(64);
  }, 120_000);
}
