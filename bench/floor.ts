// The floor of bench/one-file.ts and bench/small-files.ts: a bare compiled Bun program making only the calls
// a download needs, so a benchmark shows what any Bun program pays (start-up, node:fs, the thread pool, the
// sync) beside what fetchx adds. Up to 8 lanes, each with one keep-alive connection; per URL a request, the
// answer (Content-Length framing), NAME.part created O_EXCL, written and fsync'ed in one thread-pool task,
// then renamed to NAME (the URL's last path segment, in the working directory). FLOOR_SYNC=0 in its
// environment leaves the sync out; FLOOR_SYNC=batch is fetchx's -Z commit of small files: NAME.part
// created and written on the event loop without a sync, the lane going on at once, and one syncfs(2) on a
// thread of its own (pthread_create through bun:ffi) covering every file written before it started, then
// their renames. Usage of the built program: `floor URL...`. buildTlsFloor: the same idea for HTTPS (below).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { COMPILE_OPTIONS, compileConfig, hostTarget } from "../build.ts";

const SOURCE = `import { rename, writeFile } from "node:fs/promises";
import { closeSync, openSync, renameSync, writeSync } from "node:fs";
const urls = process.argv.slice(2);
const mode = process.env.FLOOR_SYNC ?? "1";
const sync = mode !== "0";
let next = 0;
// FLOOR_SYNC=batch: one syncfs per batch of written files, on a thread, then their renames.
const commits = [];
let waiting = [], syncing = false, ffi, lib, dirFd, tid, res;
function startBatch() {
  // bun:ffi at first use: the one-file floor (bench/one-file.ts) must not pay for its import.
  ffi ??= require("bun:ffi");
  const { FFIType, ptr } = ffi;
  lib ??= ffi.dlopen("libc.so.6", {
    syncfs: { args: [FFIType.i32], returns: FFIType.i32 },
    pthread_create: { args: [FFIType.ptr, FFIType.ptr, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
    pthread_tryjoin_np: { args: [FFIType.u64, FFIType.ptr], returns: FFIType.i32 },
  }).symbols;
  dirFd ??= openSync(".", "r");
  tid ??= new BigUint64Array(1);
  res ??= new BigUint64Array(1);
  const batch = waiting;
  waiting = [];
  syncing = true;
  if (lib.pthread_create(ptr(tid), null, lib.syncfs.ptr, dirFd) !== 0) throw new Error("pthread_create");
  const thread = tid[0];
  const check = () => {
    if (lib.pthread_tryjoin_np(thread, ptr(res)) === 16) return void setTimeout(check, 1);
    if (Number(BigInt.asIntN(32, res[0])) !== 0) throw new Error("syncfs failed");
    for (const [name, done] of batch) (renameSync(name + ".part", name), done());
    syncing = false;
    if (waiting.length > 0) startBatch();
  };
  check();
}
const commit = (name) => new Promise((done) => { waiting.push([name, done]); if (!syncing) startBatch(); });
async function lane() {
  let wake = () => {};
  let buf = Buffer.alloc(0);
  const sock = await Bun.connect({ hostname: new URL(urls[0]).hostname, port: Number(new URL(urls[0]).port), socket: {
    data(_s, chunk) { buf = Buffer.concat([buf, chunk]); wake(); },
  } });
  while (next < urls.length) {
    const u = new URL(urls[next++]);
    sock.write("GET " + u.pathname + " HTTP/1.1\\r\\nHost: " + u.host + "\\r\\n\\r\\n");
    let body;
    for (;;) {
      const end = buf.indexOf("\\r\\n\\r\\n");
      if (end >= 0) {
        const len = Number(/content-length: *(\\d+)/i.exec(buf.subarray(0, end).toString())[1]);
        if (buf.length >= end + 4 + len) { body = buf.subarray(end + 4, end + 4 + len); buf = buf.subarray(end + 4 + len); break; }
      }
      await new Promise((r) => (wake = r));
    }
    const name = u.pathname.slice(u.pathname.lastIndexOf("/") + 1);
    if (mode === "batch") {
      const fd = openSync(name + ".part", "wx", 0o644);
      writeSync(fd, body);
      closeSync(fd);
      commits.push(commit(name));
      continue;
    }
    await writeFile(name + ".part", body, { flag: "wx", mode: 0o644, flush: sync });
    await rename(name + ".part", name);
  }
  sock.end();
}
const lanes = [];
for (let i = 0; i < Math.min(8, urls.length); i++) lanes.push(lane());
await Promise.all(lanes);
await Promise.all(commits);
process.exit(0);
`;

/** Compiles the floor program into `dir` (as fetchx is compiled) and returns its path. */
export async function buildFloor(dir: string): Promise<string> {
  const src = join(dir, "floor.ts");
  writeFileSync(src, SOURCE);
  const out = join(dir, "floor");
  const built = await Bun.build({ entrypoints: [src], compile: { ...COMPILE_OPTIONS, outfile: out }, bytecode: true, format: "esm" });
  if (!built.success) throw new Error(built.logs.map(String).join("\n"));
  return out;
}

/**
 * The floor of an HTTPS download to /dev/null: a bare Bun program with Bun's own TLS socket (what fetchx
 * reads TLS through), one GET, the head found in the first data events, every body chunk written to
 * /dev/null with write(2) (node:fs writeSync), until Content-Length bytes came. Usage: `tls-floor URL CA`.
 */
const TLS_SOURCE = `import { openSync, readFileSync, writeSync } from "node:fs";
const u = new URL(process.argv[2]);
const ca = readFileSync(process.argv[3], "utf8");
const fd = openSync("/dev/null", "w");
let head = true, got = 0, expected = -1, buf = Buffer.alloc(0);
await new Promise((resolve, reject) => {
  Bun.connect({
    hostname: u.hostname, port: Number(u.port), tls: { ca, serverName: "localhost" },
    socket: {
      open(s) { s.write("GET " + u.pathname + " HTTP/1.1\\r\\nHost: " + u.host + "\\r\\n\\r\\n"); },
      data(s, chunk) {
        if (head) {
          buf = Buffer.concat([buf, chunk]);
          const end = buf.indexOf("\\r\\n\\r\\n");
          if (end < 0) return;
          expected = Number(/content-length: *(\\d+)/i.exec(buf.subarray(0, end).toString("latin1"))[1]);
          head = false;
          chunk = buf.subarray(end + 4);
        }
        got += chunk.byteLength;
        writeSync(fd, chunk);
        if (got >= expected) { s.end(); resolve(); }
      },
      error(_s, err) { reject(err); },
    },
  });
});
`;

/** Compiles the TLS floor into `dir` as fetchx is compiled (build.ts's compileConfig) and returns its path. */
export async function buildTlsFloor(dir: string): Promise<string> {
  const src = join(dir, "tls-floor.ts");
  writeFileSync(src, TLS_SOURCE);
  const out = join(dir, "tls-floor");
  const built = await Bun.build(compileConfig(src, hostTarget().bun, out));
  if (!built.success) throw new Error(built.logs.map(String).join("\n"));
  return out;
}
