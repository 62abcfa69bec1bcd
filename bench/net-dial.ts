// dial() + read 1 GiB over loopback into nothing, plain TCP and MPTCP; prints MB/s (median of runs).
// The server runs in a child process (`bun bench/net-dial.ts serve MPTCP`) so it does not share the
// reader's event loop. Usage: bun bench/net-dial.ts [runs=3] [MiB=1024]
import type { Socket } from "bun";
import { dial } from "../src/net/dialer.ts";
import { listenSocket } from "../test/servers/listen.ts";

const BLOCK = new Uint8Array(1 << 20).fill(120);

function serve(mptcp: boolean, total: number): void {
  const l = listenSocket({ mptcp });
  type St = { left: number };
  const pump = (s: Socket<St>) => {
    while (s.data.left > 0) {
      const n = s.write(BLOCK.subarray(0, Math.min(BLOCK.byteLength, s.data.left)));
      if (n <= 0) return;
      s.data.left -= n;
    }
    s.end();
  };
  (Bun.listen as unknown as (o: unknown) => void)({
    fd: l.fd,
    socket: { open: (s: Socket<St>) => ((s.data = { left: total }), pump(s)), drain: pump, data() {} },
  });
  console.log(l.port);
}

async function once(mptcp: boolean, total: number): Promise<number> {
  const child = Bun.spawn([process.execPath, import.meta.path, "serve", mptcp ? "1" : "0", String(total)], { stdout: "pipe" });
  const reader = child.stdout.getReader();
  const port = Number(new TextDecoder().decode((await reader.read()).value).trim());
  const started = performance.now();
  const conn = await dial({ host: "127.0.0.1", port, mptcp, connectTimeoutMs: 5000 });
  let got = 0;
  for (let c = await conn.read(10_000); c; c = await conn.read(10_000)) got += c.byteLength;
  const seconds = (performance.now() - started) / 1000;
  conn.close();
  child.kill();
  if (got !== total) throw new Error(`got ${got} of ${total} bytes`);
  return total / 1e6 / seconds;
}

if (process.argv[2] === "serve") {
  serve(process.argv[3] === "1", Number(process.argv[4]));
} else {
  const runs = Number(process.argv[2] ?? 3);
  const total = Number(process.argv[3] ?? 1024) * 1024 * 1024;
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const results: Record<string, number[]> = { tcp: [], mptcp: [] };
  for (let i = 0; i < runs; i++) {
    results.tcp!.push(await once(false, total));
    results.mptcp!.push(await once(true, total));
  }
  for (const [name, xs] of Object.entries(results))
    console.log(`${name.padEnd(6)} ${median(xs).toFixed(0)} MB/s (median of ${runs}: ${xs.map((x) => x.toFixed(0)).join(", ")})`);
}
