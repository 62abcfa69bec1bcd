// ResponseParser throughput with nothing else in the way: 1 GiB of body through feed(), as
// Content-Length in 512 KiB feeds and as chunked (64 KiB chunks) in ~512 KiB feeds, once aligned to
// chunk frames and once split at an odd offset so size lines straddle feeds. Prints MB/s (10^6 B/s),
// median of runs, plus the parser's cost per feed. Body bytes are never touched (onBody gets views), so
// the figures are far above any network rate: they show the parser is not the bottleneck. Usage: bun bench/http-parser.ts [runs=5] [MiB=1024]
import { ResponseParser } from "../src/http/parser.ts";

const runs = Number(process.argv[2] ?? 5);
const total = Number(process.argv[3] ?? 1024) * 1024 * 1024;
const FEED = 512 * 1024;
const CHUNK = 64 * 1024;
const enc = new TextEncoder();

function measure(name: string, head: string, feeds: () => Iterable<Uint8Array>, tail: Uint8Array | null): void {
  const rates: number[] = [];
  let feedCount = 0;
  for (let r = -1; r < runs; r++) {
    feedCount = 0;
    let body = 0;
    let done = false;
    const p = new ResponseParser("GET", {
      onHead() {},
      onBody: (b) => (body += b.length),
      onComplete: () => (done = true),
    });
    const t0 = performance.now();
    p.feed(enc.encode(head));
    for (const f of feeds()) {
      p.feed(f);
      feedCount++;
    }
    if (tail) p.feed(tail);
    const ms = performance.now() - t0;
    if (!done || body !== total) throw new Error(`${name}: body ${body} done ${done}`);
    if (r >= 0) rates.push(total / 1e6 / (ms / 1000)); // run -1 warms up the JIT
  }
  rates.sort((a, b) => a - b);
  const median = rates[rates.length >> 1]!;
  const nsPerFeed = (total / 1e6 / median) * 1e9 / feedCount;
  console.log(
    `${name.padEnd(46)} ${median.toFixed(0).padStart(9)} MB/s  ${nsPerFeed.toFixed(0).padStart(6)} ns/feed  ` +
      `(runs: ${rates.map((x) => x.toFixed(0)).join(" ")})`,
  );
}

// Content-Length: the same 512 KiB buffer fed 2048 times (the parser keeps no reference to it).
const plain = new Uint8Array(FEED).fill(0x61);
measure(
  "content-length, 512 KiB feeds",
  `HTTP/1.1 200 OK\r\nContent-Length: ${total}\r\n\r\n`,
  function* () {
    for (let sent = 0; sent < total; sent += FEED) yield plain;
  },
  null,
);

// Chunked: one buffer holds complete chunk frames carrying 512 KiB of body.
const frame = (n: number) => enc.encode(`${n.toString(16)}\r\n`);
function framesOf(size: number): Uint8Array {
  const count = FEED / size;
  const out = new Uint8Array(count * (frame(size).length + size + 2));
  for (let i = 0, at = 0; i < count; i++) {
    out.set(frame(size), at);
    at += frame(size).length;
    out.fill(0x62, at, at + size);
    at += size;
    out.set([13, 10], at);
    at += 2;
  }
  return out;
}
const frames = framesOf(CHUNK);
const last = enc.encode("0\r\n\r\n");
const chunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
measure(
  "chunked 64 KiB chunks, feeds aligned",
  chunkedHead,
  function* () {
    for (let sent = 0; sent < total; sent += FEED) yield frames;
  },
  last,
);
// Split every buffer at an odd offset inside a size line, so partial frames cross feeds.
const cut = frame(CHUNK).length + CHUNK + 4;
measure(
  "chunked 64 KiB chunks, feeds split mid-frame",
  chunkedHead,
  function* () {
    for (let sent = 0; sent < total; sent += FEED) {
      yield frames.subarray(0, cut);
      yield frames.subarray(cut);
    }
  },
  last,
);
measure(
  "chunked 1 KiB chunks (stress), feeds aligned",
  chunkedHead,
  function* () {
    const small = framesOf(1024);
    for (let sent = 0; sent < total; sent += FEED) yield small;
  },
  last,
);
