// `npm run demo`: fetchx working with no internet. Starts a local MPTCP HTTP server on loopback (an
// IPPROTO_MPTCP socket made through bun:ffi), downloads 64 MiB from it with `fetchx --mptcp`, checks the
// bytes and prints the transfer's %{json} summary.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatedBody, startServer } from "../test/servers/http.ts";
import { materialise } from "../test/servers/body.ts";

const size = 64 * 1024 * 1024;
const body = generatedBody(size, 42);
const server = await startServer({ mptcp: true, routes: { "/demo.bin": { body } } });
const dir = mkdtempSync(join(tmpdir(), "fetchx-demo-"));
const out = join(dir, "demo.bin");
const url = server.url("/demo.bin");
console.log(`server: MPTCP on ${url}`);
console.log(`$ fetchx --mptcp -o ${out} -w '%{json}' ${url}`);

const proc = Bun.spawn([process.execPath, join(import.meta.dir, "../src/main.ts"), "--mptcp", "-o", out, "-w", "%{json}", url], {
  stdout: "pipe",
  stderr: "inherit",
});
const summary = await new Response(proc.stdout).text();
const code = await proc.exited;
server.stop();
if (code !== 0) {
  console.error(`fetchx exited with ${code}`);
  process.exit(code);
}
const hash = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
const same = hash(readFileSync(out)) === hash(materialise(body));
rmSync(dir, { recursive: true, force: true });
const j = JSON.parse(summary);
console.log(JSON.stringify(j, null, 2));
console.log(`\n${same ? "bytes verified (sha256)" : "BYTES DIFFER"}; mptcp: ${j.mptcp}, subflows: ${j.mptcp_subflows}, ${(j.speed_download / 1e6).toFixed(0)} MB/s`);
process.exit(same ? 0 : 1);
