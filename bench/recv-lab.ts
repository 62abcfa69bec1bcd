#!/usr/bin/env bun
// How to read a plain-HTTP body fastest in Bun, outside fetchx: one GET over loopback, the body written to
// OUT with pwrite(2), three ways. The numbers chose the receive path in src/net/connection.ts.
//
//   bun build --compile --bytecode --format=esm bench/recv-lab.ts --outfile /tmp/recv-lab
//   /tmp/recv-lab MODE PORT PATH OUT [BUFFER_KIB]
//
// MODE: bun     Bun.connect data events (a new buffer per event, up to 512 KiB)
//       recv    a non-blocking socket, recv(2) into one reused buffer (BUFFER_KIB, default 1024), poll(2)
//               when the kernel has nothing, a setImmediate turn between waits
//       splice  socket -> pipe -> OUT with splice(2): the body never enters user space
// Prints the time, the body's size and the peak RSS (VmHWM). Serve a large file from any local server
// (nginx with sendfile), run the modes in turn (A B C A B C), compare medians.
import { dlopen, FFIType, ptr, read } from "bun:ffi";
const { i32, u32, i64, u64 } = FFIType;
const p = FFIType.ptr;
const L = dlopen("libc.so.6", {
  socket: { args: [i32, i32, i32], returns: i32 }, connect: { args: [i32, p, u32], returns: i32 },
  poll: { args: [p, u32, i32], returns: i32 }, recv: { args: [i32, p, u64, i32], returns: i64 },
  send: { args: [i32, p, u64, i32], returns: i64 }, write: { args: [i32, p, u64], returns: i64 },
  pwrite: { args: [i32, p, u64, i64], returns: i64 }, open: { args: [p, i32, i32], returns: i32 },
  pipe2: { args: [p, i32], returns: i32 }, splice: { args: [i32, p, i32, p, u64, u32], returns: i64 },
  fcntl: { args: [i32, i32, i32], returns: i32 }, __errno_location: { args: [], returns: p },
}).symbols;
const errno = () => read.i32(L.__errno_location()!, 0);
const [mode, portS, path, out, bufK] = process.argv.slice(2);
const port = Number(portS);
const cstr = (s: string) => new TextEncoder().encode(s + "\0");
const ofd = L.open(ptr(cstr(out)), 0o1 | 0o100 | 0o1000, 0o644);
const req = new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
let body = 0, pos = 0, headDone = false;
const hwm = () => (require("fs").readFileSync("/proc/self/status", "utf8").match(/VmHWM:\s+(\d+)/)![1]);
function feed(b: Uint8Array) {
  if (!headDone) { const s = Buffer.from(b.buffer, b.byteOffset, b.byteLength); const i = s.indexOf("\r\n\r\n"); if (i < 0) throw new Error("head split"); headDone = true; b = b.subarray(i + 4); }
  let o = 0; while (o < b.byteLength) { const n = Number(L.pwrite(ofd, ptr(b, o), b.byteLength - o, pos)); if (n < 0) throw new Error("w" + errno()); o += n; pos += n; }
  body += b.byteLength;
}
function rawSocket(): number {
  const fd = L.socket(2, 1 | 0o4000, 0);
  const sa = new Uint8Array(16); sa[0] = 2; sa[2] = port >> 8; sa[3] = port & 255; sa.set([127, 0, 0, 1], 4);
  L.connect(fd, ptr(sa), 16);
  const pfd = new Int32Array([fd, 4]); L.poll(ptr(pfd), 1, 1000);
  return fd;
}
const t0 = performance.now();
if (mode === "bun") {
  await new Promise<void>((res) => Bun.connect({ hostname: "127.0.0.1", port, socket: { binaryType: "uint8array", open(s) { s.write(req); }, data(_s, c) { feed(c); }, close() { res(); } } }));
} else if (mode === "recv") {
  const fd = rawSocket();
  L.send(fd, ptr(req), req.byteLength, 0);
  const buf = new Uint8Array((Number(bufK) || 1024) * 1024);
  const pfd = new Int32Array([fd, 1]);
  outer: for (;;) {
    for (;;) {
      const n = Number(L.recv(fd, ptr(buf), buf.byteLength, 0));
      if (n > 0) { feed(buf.subarray(0, n)); continue; }
      if (n === 0) break outer;
      const e = errno(); if (e === 11) break; throw new Error("recv " + e);
    }
    L.poll(ptr(pfd), 1, 10);
    await new Promise((r) => setImmediate(r));
  }
} else if (mode === "splice") {
  const fd = rawSocket();
  L.send(fd, ptr(req), req.byteLength, 0);
  // head via recv with MSG_PEEK, then consume exactly the head
  const pfd = new Int32Array([fd, 1]); L.poll(ptr(pfd), 1, 1000);
  const hb = new Uint8Array(4096); const n = Number(L.recv(fd, ptr(hb), 4096, 2));
  const i = Buffer.from(hb.subarray(0, n)).indexOf("\r\n\r\n"); L.recv(fd, ptr(hb), i + 4, 0);
  const pp = new Int32Array(2); L.pipe2(ptr(pp), 0o4000); L.fcntl(pp[1], 1031, 1 << 20);
  const offs = new BigInt64Array(1);
  const isFile = out !== "/dev/null";
  outer: for (;;) {
    for (;;) {
      const n = Number(L.splice(fd, null, pp[1], null, 1 << 20, 1 | 2));
      if (n === 0) break outer;
      if (n < 0) { const e = errno(); if (e === 11) break; throw new Error("splice " + e); }
      let left = n; while (left > 0) { offs[0] = BigInt(pos); const m = Number(L.splice(pp[0], null, ofd, isFile ? ptr(offs) : null, left, 1)); if (m <= 0) throw new Error("sp2 " + errno()); left -= m; pos += m; body += m; }
    }
    L.poll(ptr(pfd), 1, 10);
    await new Promise((r) => setImmediate(r));
  }
}
const ms = performance.now() - t0;
console.log(`${mode} ${out === "/dev/null" ? "null" : "file"} ${(ms / 1000).toFixed(3)} s body ${body} hwm ${(Number(hwm()) / 1024).toFixed(1)} MiB`);
