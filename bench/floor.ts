// The floor of bench/one-file.ts and bench/small-files.ts: a bare compiled Bun program making only the calls
// a download needs, so a benchmark shows what any Bun program pays (start-up, node:fs, the thread pool, the
// sync) beside what fetchx adds. Up to 8 lanes, each with one keep-alive connection; per URL a request, the
// answer (Content-Length framing), NAME.part created O_EXCL, written and fsync'ed in one thread-pool task,
// then renamed to NAME (the URL's last path segment, in the working directory). FLOOR_SYNC=0 in its
// environment leaves the sync out. Usage of the built program: `floor URL...`.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { COMPILE_OPTIONS } from "../build.ts";

const SOURCE = `import { rename, writeFile } from "node:fs/promises";
const urls = process.argv.slice(2);
const sync = process.env.FLOOR_SYNC !== "0";
let next = 0;
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
    await writeFile(name + ".part", body, { flag: "wx", mode: 0o644, flush: sync });
    await rename(name + ".part", name);
  }
  sock.end();
}
const lanes = [];
for (let i = 0; i < Math.min(8, urls.length); i++) lanes.push(lane());
await Promise.all(lanes);
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
