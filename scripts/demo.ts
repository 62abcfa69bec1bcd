// `npm run demo`: fetchx working with no internet. Starts a local MPTCP HTTP server on loopback (an
// IPPROTO_MPTCP socket made through bun:ffi), downloads 64 MiB from it with `fetchx --mptcp`, checks the
// bytes and prints the transfer's %{json} summary.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatedBody, startServer } from "../test/servers/http.ts";
import { materialise } from "../test/servers/body.ts";
import { mptcpAvailable } from "../src/net/mptcp.ts";

const size = 64 * 1024 * 1024;
const body = generatedBody(size, 42);
// Where the kernel refuses MPTCP (net.mptcp.enabled=0, old kernels) the demo still downloads, over TCP.
const mptcp = mptcpAvailable(4);
if (!mptcp.ok) console.log(`MPTCP is not usable here (${mptcp.reason}); showing a plain TCP download. See: fetchx doctor`);
const server = await startServer({ mptcp: mptcp.ok, routes: { "/demo.bin": { body } } });
const dir = mkdtempSync(join(tmpdir(), "fetchx-demo-"));
const out = join(dir, "demo.bin");
const url = server.url("/demo.bin");
const flags = mptcp.ok ? ["--mptcp"] : [];
console.log(`server: ${mptcp.ok ? "MPTCP" : "TCP"} on ${url}`);
console.log(`$ fetchx ${flags.join(" ")} -o ${out} -w '%{json}' ${url}`);

const proc = Bun.spawn([process.execPath, join(import.meta.dir, "../src/main.ts"), ...flags, "-o", out, "-w", "%{json}", url], {
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
