// Guards memory when the consumer is slower than the network: a server pushes as fast as it can to a
// reader that dawdles, and every byte must still arrive in order. Over TLS (Bun's data events) unread
// bytes must stay within the high-water mark plus one chunk (the socket is paused above it). Over plain
// TCP the poller reads the fd only when asked (src/net/connection.ts): nothing waits in user space, the
// kernel's socket buffer and TCP flow control hold the sender back.
import { afterEach, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { dial } from "../../src/net/dialer.ts";
import { HIGH_WATER, LOW_WATER, type SocketConnection } from "../../src/net/connection.ts";
import { randomBytes, tempDir } from "../servers/harness.ts";
import { makeCert } from "../servers/tls.ts";

const TOTAL = 128 * 1024 * 1024;
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

/** Reads everything with a dawdling consumer; the peak of unread bytes seen before each read. */
async function slowRead(conn: SocketConnection) {
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
  return { peakQueued, biggestChunk };
}

function pumpServer(tls?: { cert: string; key: string }): TCPSocketListener<Pump> {
  const server = Bun.listen<Pump>({
    hostname: "127.0.0.1",
    port: 0,
    data: { sent: 0, offset: 0 },
    tls,
    socket: {
      open(s) {
        s.data = { sent: 0, offset: 0 };
        if (!tls) pump(s);
      },
      handshake(s) {
        pump(s);
      },
      drain: pump,
      data() {},
    },
  });
  cleanups.push(() => server.stop(true));
  return server;
}

test("TLS: a slow reader keeps unread bytes bounded and receives all 128 MiB intact", async () => {
  const dir = tempDir("fetchx-bp-");
  cleanups.push(() => dir.cleanup());
  const cert = await makeCert(dir.path);
  const server = pumpServer({ cert: cert.certPem, key: cert.keyPem });
  const conn = (await dial({
    host: "127.0.0.1",
    port: server.port,
    mptcp: false,
    connectTimeoutMs: 5000,
    tls: { insecure: true },
  })) as SocketConnection;
  cleanups.push(() => conn.close());
  const { peakQueued, biggestChunk } = await slowRead(conn);
  expect(peakQueued).toBeGreaterThan(LOW_WATER); // the reader really was slower: backpressure was exercised
  expect(peakQueued).toBeLessThanOrEqual(HIGH_WATER + biggestChunk);
}, 60_000);

test("plain TCP: a slow reader holds no unread bytes in user space and receives all 128 MiB intact", async () => {
  const server = pumpServer();
  const conn = (await dial({ host: "127.0.0.1", port: server.port, mptcp: false, connectTimeoutMs: 5000 })) as SocketConnection;
  cleanups.push(() => conn.close());
  const { peakQueued } = await slowRead(conn);
  // Between reads the kernel holds the rest: queuedBytes says 1 for "bytes wait there", never megabytes.
  expect(peakQueued).toBeLessThanOrEqual(1);
}, 60_000);
