// Guards memory when the consumer is slower than the network: a server pushes 256 MiB as fast as it
// can to a reader that dawdles; unread bytes must stay within the high-water mark plus one chunk
// (the socket is paused above it), and every byte must still arrive in order.
import { afterEach, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { dial } from "../../src/net/dialer.ts";
import { HIGH_WATER, LOW_WATER, type SocketConnection } from "../../src/net/connection.ts";
import { randomBytes } from "../servers/harness.ts";

const TOTAL = 256 * 1024 * 1024;
const BLOCK = randomBytes(4 * 1024 * 1024, 3);

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

type Pump = { sent: number; offset: number };

/** Writes BLOCK repeatedly until TOTAL bytes went out, continuing on drain; then ends. */
function pump(s: Socket<Pump>): void {
  const st = s.data;
  while (st.sent < TOTAL) {
    const n = s.write(BLOCK.subarray(st.offset, Math.min(BLOCK.byteLength, st.offset + TOTAL - st.sent)));
    if (n <= 0) return;
    st.sent += n;
    st.offset = (st.offset + n) % BLOCK.byteLength;
  }
  s.end();
}

test("a slow reader keeps unread bytes bounded and receives all 256 MiB intact", async () => {
  const server: TCPSocketListener<Pump> = Bun.listen<Pump>({
    hostname: "127.0.0.1",
    port: 0,
    data: { sent: 0, offset: 0 },
    socket: {
      open(s) {
        s.data = { sent: 0, offset: 0 };
        pump(s);
      },
      drain: pump,
      data() {},
    },
  });
  cleanups.push(() => server.stop(true));

  const conn = (await dial({ host: "127.0.0.1", port: server.port, mptcp: false, connectTimeoutMs: 5000 })) as SocketConnection;
  cleanups.push(() => conn.close());

  const expected = new Bun.CryptoHasher("sha256");
  for (let i = 0; i < TOTAL / BLOCK.byteLength; i++) expected.update(BLOCK);
  const got = new Bun.CryptoHasher("sha256");
  let received = 0;
  let peakQueued = 0;
  let biggestChunk = 0;
  for (let reads = 0; ; reads++) {
    // Unread bytes only shrink in read(), so sampling just before each read sees every peak.
    peakQueued = Math.max(peakQueued, conn.queuedBytes);
    const chunk = await conn.read(10_000);
    if (!chunk) break;
    biggestChunk = Math.max(biggestChunk, chunk.byteLength);
    got.update(chunk);
    received += chunk.byteLength;
    // The slow consumer: a timer turn every few reads lets the network run far ahead of us.
    if (reads % 4 === 0) await Bun.sleep(1);
  }
  expect(received).toBe(TOTAL);
  expect(got.digest("hex")).toBe(expected.digest("hex"));
  expect(peakQueued).toBeGreaterThan(LOW_WATER); // the reader really was slower: backpressure was exercised
  expect(peakQueued).toBeLessThanOrEqual(HIGH_WATER + biggestChunk);
}, 60_000);
