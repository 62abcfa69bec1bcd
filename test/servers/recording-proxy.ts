// An HTTP proxy that records each request head it is sent, for comparing what curl and fetchx ask of a
// proxy: CONNECT is answered 200 and relayed to the origin (or answered `connectReply`, relayed only when
// that is a 2xx); a forwarded request is answered "proxied\n".
import type { Socket } from "bun";

export interface RecordingProxy {
  /** "127.0.0.1:PORT". */
  hostPort: string;
  /** "http://127.0.0.1:PORT". */
  url: string;
  /** Each request head (request line and headers, without the blank line), in order. */
  heads: string[];
  stop(): void;
}

export interface RecordingProxyOptions {
  /** The whole answer to CONNECT, head and any body ("HTTP/1.1 407 ...\r\n\r\n"). */
  connectReply?: string;
}

export function recordingProxy(opts: RecordingProxyOptions = {}): RecordingProxy {
  const reply = opts.connectReply ?? "HTTP/1.1 200 Connection established\r\n\r\n";
  const heads: string[] = [];
  const server = Bun.listen<{ input: Buffer; upstream?: Socket<undefined> }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { input: Buffer.alloc(0) };
      },
      async data(s, chunk) {
        if (s.data.upstream) return void s.data.upstream.write(chunk);
        s.data.input = Buffer.concat([s.data.input, chunk]);
        const end = s.data.input.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = s.data.input.subarray(0, end).toString("latin1");
        const rest = s.data.input.subarray(end + 4);
        s.data.input = Buffer.alloc(0);
        heads.push(head);
        const [method, target] = head.split(" ");
        if (method !== "CONNECT") return void s.write("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nproxied\n");
        if (!/^HTTP\/1\.[01] 2/.test(reply)) return void s.write(reply);
        const [host, port] = [target!.slice(0, target!.lastIndexOf(":")), Number(target!.slice(target!.lastIndexOf(":") + 1))];
        s.data.upstream = await Bun.connect({
          hostname: host,
          port,
          socket: { data: (_u, d) => void s.write(d), close: () => void s.end() },
        });
        s.write(reply);
        if (rest.byteLength) s.data.upstream.write(rest);
      },
      close(s) {
        s.data.upstream?.end();
      },
    },
  });
  const hostPort = `127.0.0.1:${server.port}`;
  return { hostPort, url: `http://${hostPort}`, heads, stop: () => server.stop(true) };
}
