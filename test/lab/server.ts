#!/usr/bin/env bun
// The lab's HTTP server, run inside the server namespace (`ip netns exec NS bun test/lab/server.ts
// --file F`). It serves one file at every path on two listeners: one opened with IPPROTO_MPTCP through
// FFI, one plain TCP (for the fallback case). GET, HEAD, a single `Range: bytes=a-b`, keep-alive.
// Prints one JSON line {"mptcp": port, "tcp": port} when both listen.
import { listenSocket } from "../servers/listen.ts";

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const filePath = arg("--file");
if (!filePath) {
  console.error("usage: server.ts --file PATH [--host ADDR]");
  process.exit(2);
}
const body = await Bun.file(filePath).bytes();
// "::" listens on IPv4 too (IPV6_V6ONLY is off by default); MP_JOINs to any address find it.
const host = arg("--host") ?? "::";
const etag = `"${body.byteLength.toString(16)}-${Bun.hash(body).toString(16)}"`;

interface Conn {
  head: string;
  queue: Uint8Array[];
}

function respond(req: string): Uint8Array[] {
  const [line = "", ...headerLines] = req.split("\r\n");
  const method = line.split(" ")[0];
  const range = headerLines.find((h) => /^range:/i.test(h))?.split(":")[1]?.trim();
  let start = 0;
  let end = body.byteLength - 1;
  let status = "200 OK";
  const headers = [`Accept-Ranges: bytes`, `ETag: ${etag}`, `Content-Type: application/octet-stream`];
  const m = range?.match(/^bytes=(\d*)-(\d*)$/);
  if (m) {
    if (m[1] === "") start = Math.max(0, body.byteLength - Number(m[2]));
    else {
      start = Number(m[1]);
      if (m[2] !== "") end = Math.min(end, Number(m[2]));
    }
    if (start > end || start >= body.byteLength) {
      const h = `HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */${body.byteLength}\r\nContent-Length: 0\r\n\r\n`;
      return [new TextEncoder().encode(h)];
    }
    status = "206 Partial Content";
    headers.push(`Content-Range: bytes ${start}-${end}/${body.byteLength}`);
  }
  headers.push(`Content-Length: ${end - start + 1}`);
  const head = new TextEncoder().encode(`HTTP/1.1 ${status}\r\n${headers.join("\r\n")}\r\n\r\n`);
  return method === "HEAD" ? [head] : [head, body.subarray(start, end + 1)];
}

/** Write queued chunks until the kernel takes no more; `drain` calls this again. */
function flush(socket: Bun.Socket<Conn>) {
  const q = socket.data.queue;
  while (q.length > 0) {
    const chunk = q[0]!;
    const n = socket.write(chunk);
    if (n < chunk.byteLength) {
      q[0] = chunk.subarray(Math.max(0, n));
      return;
    }
    q.shift();
  }
}

const handlers = {
  open(socket: Bun.Socket<Conn>) {
    socket.data = { head: "", queue: [] };
  },
  data(socket: Bun.Socket<Conn>, chunk: Uint8Array) {
    socket.data.head += new TextDecoder().decode(chunk);
    let end: number;
    while ((end = socket.data.head.indexOf("\r\n\r\n")) >= 0) {
      const req = socket.data.head.slice(0, end);
      socket.data.head = socket.data.head.slice(end + 4);
      socket.data.queue.push(...respond(req));
    }
    flush(socket);
  },
  drain: flush,
  error() {},
};

// Bun.listen adopts a listening fd (shared/PLATFORM.md); its types have no overload for that.
const adopt = (fd: number) => (Bun.listen as (o: unknown) => Bun.TCPSocketListener<Conn>)({ fd, socket: handlers });
const mptcp = listenSocket({ host, port: 0, mptcp: true });
const tcp = listenSocket({ host, port: 0, mptcp: false });
adopt(mptcp.fd);
adopt(tcp.fd);
console.log(JSON.stringify({ mptcp: mptcp.port, tcp: tcp.port }));
