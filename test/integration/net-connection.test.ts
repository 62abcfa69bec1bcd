// Guards the Connection's reader and writer semantics that the HTTP layer relies on: clean end of
// stream, reset -> RECV, idle timeout -> TIMEOUT, unread() ordering, close() ending a pending read,
// and writes larger than the socket buffer arriving whole.
import { afterEach, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { FetchxError } from "../../src/errors.ts";
import { dial } from "../../src/net/dialer.ts";
import * as libc from "../../src/net/libc.ts";
import type { Connection } from "../../src/net/types.ts";
import { randomBytes, sha256 } from "../servers/harness.ts";
import { listenSocket } from "../servers/listen.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function server(handlers: { open?(s: Socket): void; data?(s: Socket, d: Uint8Array): void }): number {
  const s: TCPSocketListener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, ...handlers } });
  cleanups.push(() => s.stop(true));
  return s.port;
}

async function connect(port: number): Promise<Connection> {
  const conn = await dial({ host: "127.0.0.1", port, mptcp: false, connectTimeoutMs: 5000 });
  cleanups.push(() => conn.close());
  return conn;
}

async function readAll(conn: Connection): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let c = await conn.read(5000); c; c = await conn.read(5000)) chunks.push(c);
  return chunks;
}

test("peer sends then closes: bytes, then null, and the connection is no longer open", async () => {
  const conn = await connect(server({ open: (s) => void s.end("hello, bye") }));
  const chunks = await readAll(conn);
  expect(Buffer.concat(chunks).toString()).toBe("hello, bye");
  expect(conn.open).toBe(false);
  expect(await conn.read()).toBeNull();
});

test("reset by peer -> RECV (exit 56)", async () => {
  // Closing a listening socket resets the connections still waiting in its accept queue.
  const l = listenSocket({ mptcp: false });
  const conn = await connect(l.port);
  const pending = conn.read(5000);
  libc.close(l.fd);
  const err = await pending.then(() => null, (e) => e);
  expect(err).toBeInstanceOf(FetchxError);
  expect(err.code).toBe("RECV");
  expect(err.exitCode).toBe(56);
  expect(err.message).toContain("connection reset by peer");
  expect(conn.open).toBe(false);
});

test("no data within the idle timeout -> TIMEOUT (exit 28)", async () => {
  const conn = await connect(server({}));
  const err = await conn.read(100).then(() => null, (e) => e);
  expect(err).toBeInstanceOf(FetchxError);
  expect(err.code).toBe("TIMEOUT");
  expect(conn.open).toBe(false);
});

test("unread() bytes come back first, then the stream continues", async () => {
  const conn = await connect(server({ open: (s) => void s.end("abcdef") }));
  const first = (await conn.read(5000))!;
  conn.unread(first.subarray(2));
  const rest = Buffer.concat(await readAll(conn)).toString();
  expect(Buffer.from(first.subarray(0, 2)).toString() + rest).toBe("abcdef");
});

test("close() ends a pending read with an error, not the end of the stream; a later read too", async () => {
  // A body that ends where the connection does would otherwise be taken whole when fetchx cuts it.
  const conn = await connect(server({}));
  const pending = conn.read();
  conn.close();
  expect(await pending.then(() => "end", (e: Error) => e.message)).toBe("connection closed by fetchx");
  expect(await conn.read().then(() => "end", (e: Error) => e.message)).toBe("connection closed by fetchx");
  expect(conn.open).toBe(false);
});

test("a peer's close stays the end of the stream after fetchx closes too", async () => {
  const conn = await connect(server({ open: (s) => void s.end("bye") }));
  expect(Buffer.concat(await readAll(conn)).toString()).toBe("bye");
  conn.close();
  expect(await conn.read()).toBeNull();
});

test("a write larger than the socket buffers arrives whole (partial writes continue on drain)", async () => {
  const payload = randomBytes(32 * 1024 * 1024, 11);
  const hasher = new Bun.CryptoHasher("sha256");
  let received = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => (done = r));
  const conn = await connect(
    server({
      data: (_s, d) => {
        hasher.update(d);
        received += d.byteLength;
        if (received === payload.byteLength) done();
      },
    }),
  );
  await conn.write(payload);
  await all;
  expect(hasher.digest("hex")).toBe(await sha256(payload));
});

// Plain TCP is read by fetchx's poller (recv into a reused buffer) with Bun's socket paused: the end of
// stream must come from the kernel's answer, after every byte, even when the peer closes at once and the
// consumer keeps the reader waiting; and an idle connection must notice a peer that went away.
test("push mode, peer closes right after 24 MiB, consumer waits on every chunk: every byte, then the end", async () => {
  const body = randomBytes(24 * 1024 * 1024 + 7, 21);
  const push = (s: Socket<{ at: number }>) => {
    while (s.data.at < body.byteLength) {
      const n = s.write(body.subarray(s.data.at, s.data.at + 1024 * 1024));
      if (n <= 0) return; // the rest on drain
      s.data.at += n;
    }
    s.end();
  };
  const l = Bun.listen<{ at: number }>({
    hostname: "127.0.0.1",
    port: 0,
    data: { at: 0 },
    socket: { open: (s) => ((s.data = { at: 0 }), push(s)), drain: push, data() {} },
  });
  cleanups.push(() => l.stop(true));
  const conn = await connect(l.port);
  const hasher = new Bun.CryptoHasher("sha256");
  let received = 0;
  let ended = false;
  let failed: unknown = null;
  while (!ended && !failed) {
    await new Promise<void>((resolve) => {
      conn.listen!((event) => {
        if (event instanceof Error) failed = event;
        else if (event === null) ended = true;
        else {
          // Used before returning: the view is valid only until the listener returns.
          hasher.update(event);
          received += event.byteLength;
        }
        conn.unlisten!();
        resolve();
      }, 5000);
    });
    await Bun.sleep(0); // a slow consumer: the peer is long done sending, the kernel holds the rest
  }
  expect(failed).toBeNull();
  expect(received).toBe(body.byteLength);
  expect(hasher.digest("hex")).toBe(await sha256(body));
});

test("an idle connection whose peer closed after a body read in push mode is no longer open", async () => {
  let peer: Socket | null = null;
  const conn = await connect(
    server({
      open(s) {
        peer = s;
        s.write("0123456789");
      },
    }),
  );
  const got = await new Promise<Uint8Array>((resolve) =>
    conn.listen!((event) => {
      if (event instanceof Uint8Array) resolve(event.slice());
    }, 5000),
  );
  conn.unlisten!();
  expect(new TextDecoder().decode(got)).toBe("0123456789");
  expect(conn.open).toBe(true);
  expect(conn.idleUsable).toBe(true);
  peer!.end();
  let open = true;
  for (let i = 0; i < 100 && open; i++) {
    await Bun.sleep(10);
    open = conn.open;
  }
  expect(open).toBe(false);
  expect(conn.idleUsable).toBe(false); // the pool's one-peek check before reuse agrees
});

test("an idle plain-TCP connection with bytes nobody asked for reports them (the pool does not reuse it)", async () => {
  let peer: Socket | null = null;
  const conn = await connect(
    server({
      open(s) {
        peer = s;
        s.write("body");
      },
    }),
  );
  await new Promise<void>((resolve) =>
    conn.listen!((event) => {
      if (event instanceof Uint8Array) resolve();
    }, 5000),
  );
  conn.unlisten!();
  expect(conn.queuedBytes).toBe(0);
  expect(conn.idleUsable).toBe(true);
  peer!.write("stray");
  let queued = 0;
  for (let i = 0; i < 100 && queued === 0; i++) {
    await Bun.sleep(10);
    queued = conn.queuedBytes ?? 0;
  }
  expect(queued).toBeGreaterThan(0);
  expect(conn.open).toBe(true);
  expect(conn.idleUsable).toBe(false); // open, but with stray bytes: not reused
});
