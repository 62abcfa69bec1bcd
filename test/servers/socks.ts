// A SOCKS proxy for tests, on Bun.listen: SOCKS4 and 4a (CONNECT), SOCKS5 (RFC 1928 CONNECT, with no
// authentication or RFC 1929's user and password), IPv4, IPv6 and host-name targets. It resolves only the
// names it is given (`names`), so a test can tell who resolved a name: a name reaching it that it does not
// know, or an address it was not expected to see, shows in `requests`. Once connected it relays bytes both
// ways with backpressure. `refuse` makes it answer CONNECT with a failure code instead.
import type { Socket } from "bun";

export interface SocksRequest {
  version: 4 | 5;
  /** "ipv4", "ipv6" or "name": what the client sent as the target. */
  type: "ipv4" | "ipv6" | "name";
  host: string;
  port: number;
  /** SOCKS4's user id, or SOCKS5's user name when it authenticated. */
  user?: string;
}

export interface SocksOptions {
  /** Names the proxy resolves (anything else is "host unreachable"). */
  names?: Record<string, string>;
  /** "user:password" required (SOCKS5 user/password; SOCKS4 ignores it). */
  auth?: string;
  /** SOCKS5 reply code (or SOCKS4 0x5b) to every CONNECT. */
  refuse?: number;
  /** A SOCKS5 method chosen whatever the client offered (a broken or hostile proxy). */
  forceMethod?: number;
}

export interface SocksServer {
  port: number;
  url(scheme: "socks4" | "socks4a" | "socks5" | "socks5h", auth?: string): string;
  requests: SocksRequest[];
  stop(): void;
}

interface State {
  input: Buffer;
  stage: "greeting" | "auth" | "request" | "relay" | "closed";
  user?: string;
  upstream?: Socket<undefined>;
  /** Bytes for the upstream that arrived before it connected. */
  early: Buffer[];
  /** Bytes each side's socket did not take yet (written on its drain). */
  toClient: Buffer[];
  toUpstream: Buffer[];
  /** The origin closed: the client's side ends once its queue is written. */
  upstreamClosed?: boolean;
}

/** Writes what the socket takes now and queues the rest, in order. */
function send(sock: Socket<undefined>, queue: Buffer[], data: Uint8Array): void {
  if (queue.length > 0) return void queue.push(Buffer.from(data));
  const n = sock.write(data);
  if (n < data.byteLength) queue.push(Buffer.from(data.subarray(Math.max(n, 0))));
}

function flush(sock: Socket<undefined>, queue: Buffer[]): void {
  while (queue.length > 0) {
    const head = queue[0]!;
    const n = sock.write(head);
    if (n < head.byteLength) {
      queue[0] = head.subarray(Math.max(n, 0));
      return;
    }
    queue.shift();
  }
}

export async function startSocks(opts: SocksOptions = {}): Promise<SocksServer> {
  const requests: SocksRequest[] = [];
  const states = new Map<Socket<undefined>, State>();

  const fail = (sock: Socket<undefined>, reply: Uint8Array) => {
    const st = states.get(sock);
    if (st) st.stage = "closed";
    sock.write(reply);
    sock.end(); // its close handler may run at once
  };

  async function connect(sock: Socket<undefined>, st: State, req: SocksRequest, reply: (ok: boolean, code?: number) => Uint8Array) {
    requests.push(req);
    if (opts.refuse !== undefined) return fail(sock, reply(false, opts.refuse));
    const address = req.type === "name" ? opts.names?.[req.host] : req.host;
    if (address === undefined) return fail(sock, reply(false, 4)); // host unreachable
    try {
      st.upstream = await Bun.connect({
        hostname: address,
        port: req.port,
        socket: {
          data: (_up, data) => send(sock, st.toClient, data),
          drain: (up) => flush(up, st.toUpstream),
          close: () => {
            st.upstreamClosed = true;
            if (st.toClient.length === 0) sock.end();
          },
          error: () => void sock.end(),
        },
      });
    } catch {
      return fail(sock, reply(false, 5)); // connection refused
    }
    st.stage = "relay";
    send(sock, st.toClient, reply(true));
    for (const b of st.early) send(st.upstream, st.toUpstream, b);
    st.early = [];
  }

  function step(sock: Socket<undefined>, st: State): void {
    const b = st.input;
    if (st.stage === "greeting") {
      if (b.length < 1) return;
      if (b[0] === 4) {
        // VN CD DSTPORT DSTIP USERID NUL [HOST NUL]
        const userEnd = b.indexOf(0, 8);
        if (b.length < 9 || userEnd < 0) return;
        const ip = [...b.subarray(4, 8)];
        const is4a = ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0;
        const nameEnd = is4a ? b.indexOf(0, userEnd + 1) : userEnd;
        if (nameEnd < 0) return;
        const host = is4a ? b.subarray(userEnd + 1, nameEnd).toString("latin1") : ip.join(".");
        if (nameEnd + 1 < b.length) st.early.push(b.subarray(nameEnd + 1));
        st.input = Buffer.alloc(0);
        st.stage = "closed"; // until connect() says otherwise
        const reply = (ok: boolean) => Uint8Array.from([0, ok ? 0x5a : 0x5b, 0, 0, 0, 0, 0, 0]);
        void connect(sock, st, { version: 4, type: is4a ? "name" : "ipv4", host, port: b.readUInt16BE(2), user: b.subarray(8, userEnd).toString("latin1") }, reply);
        return;
      }
      if (b[0] !== 5) return fail(sock, Uint8Array.from([5, 0xff]));
      if (b.length < 2 || b.length < 2 + b[1]!) return;
      const methods = [...b.subarray(2, 2 + b[1]!)];
      st.input = b.subarray(2 + b[1]!);
      const wanted = opts.forceMethod ?? (opts.auth === undefined ? 0 : 2);
      if (!methods.includes(wanted) && opts.forceMethod === undefined) return fail(sock, Uint8Array.from([5, 0xff]));
      sock.write(Uint8Array.from([5, wanted]));
      st.stage = wanted === 2 ? "auth" : "request";
      return step(sock, st);
    }
    if (st.stage === "auth") {
      if (b.length < 2 || b.length < 3 + b[1]! || b.length < 3 + b[1]! + b[2 + b[1]!]!) return;
      const user = b.subarray(2, 2 + b[1]!).toString("latin1");
      const password = b.subarray(3 + b[1]!, 3 + b[1]! + b[2 + b[1]!]!).toString("latin1");
      st.input = b.subarray(3 + b[1]! + b[2 + b[1]!]!);
      if (`${user}:${password}` !== opts.auth) return fail(sock, Uint8Array.from([1, 1]));
      st.user = user;
      sock.write(Uint8Array.from([1, 0]));
      st.stage = "request";
      return step(sock, st);
    }
    if (st.stage === "request" && b[0] === 5) {
      if (b.length < 5) return;
      const type = b[3];
      const addrLen = type === 1 ? 4 : type === 4 ? 16 : type === 3 ? 1 + b[4]! : -1;
      if (addrLen < 0) return fail(sock, Uint8Array.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]));
      if (b.length < 4 + addrLen + 2) return;
      const raw = b.subarray(4, 4 + addrLen);
      const host =
        type === 1 ? [...raw].join(".")
        : type === 4 ? Array.from({ length: 8 }, (_, i) => raw.readUInt16BE(2 * i).toString(16)).join(":")
        : raw.subarray(1).toString("latin1");
      const port = b.readUInt16BE(4 + addrLen);
      if (4 + addrLen + 2 < b.length) st.early.push(b.subarray(4 + addrLen + 2));
      st.input = Buffer.alloc(0);
      st.stage = "closed"; // until connect() says otherwise
      const reply = (ok: boolean, code = 0) => Uint8Array.from([5, ok ? 0 : code, 0, 1, 127, 0, 0, 1, 0, 0]);
      void connect(sock, st, { version: 5, type: type === 1 ? "ipv4" : type === 4 ? "ipv6" : "name", host, port, user: st.user }, reply);
    }
  }

  const server = Bun.listen<undefined>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(sock) {
        states.set(sock, { input: Buffer.alloc(0), stage: "greeting", early: [], toClient: [], toUpstream: [] });
      },
      drain(sock) {
        const st = states.get(sock);
        if (!st) return;
        flush(sock, st.toClient);
        if (st.upstreamClosed && st.toClient.length === 0) sock.end();
      },
      data(sock, data) {
        const st = states.get(sock)!;
        if (st.stage === "relay") return send(st.upstream!, st.toUpstream, data);
        if (st.stage === "closed") return void st.early.push(Buffer.from(data));
        st.input = Buffer.concat([st.input, data]);
        step(sock, st);
      },
      close(sock) {
        states.get(sock)?.upstream?.end();
        states.delete(sock);
      },
    },
  });
  return {
    port: server.port,
    url: (scheme, auth) => `${scheme}://${auth ? `${auth}@` : ""}127.0.0.1:${server.port}`,
    requests,
    stop: () => server.stop(true),
  };
}
