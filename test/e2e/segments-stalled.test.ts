// A connection that goes quiet mid-range (a dead path, a server that stops sending but keeps the socket
// open) is not waited for: its range is stolen by idle connections and the quiet one is replaced (its rate
// falls far below its peers'), long before the 60 s idle timeout would end it.
import { afterAll, expect, test } from "bun:test";
import { runCli, sha256, tempDir } from "../servers/harness.ts";
import { generatedBody, startServer } from "../servers/http.ts";
import { stallAfter } from "../servers/faults.ts";
import { rangeOf } from "../servers/transfer.ts";

const tmp = tempDir("fetchx-endgame-");
afterAll(() => tmp.cleanup());

test("--connections 4 with one connection stalled for good: completes, exact bytes, stalled range re-requested", async () => {
  const SIZE = 16 * 1024 * 1024;
  const body = generatedBody(SIZE, 61);
  const STALLED = 3;
  const server = await startServer({
    routes: {
      "/f": ({ req }) =>
        req.connection === STALLED ? { body, faults: [stallAfter(512 * 1024)] } : { body, rateBytesPerSec: 3_000_000 },
    },
  });
  try {
    const out = tmp.file("f.bin");
    // Well under the 60 s idle timeout: only a takeover can finish in time.
    const r = await runCli([server.url("/f"), "--connections", "4", "-o", out, "-w", "%{num_connects}"], { timeoutMs: 30_000 });
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(body.sha256());
    const stalled = server.requests.find((q) => q.connection === STALLED)!;
    const start = rangeOf(stalled)?.start ?? 0;
    // A later request on another connection covers the bytes just after what the stalled one sent.
    const after = server.requests.filter((q) => q.connection !== STALLED && q.headers.range);
    expect(after.some((q) => rangeOf(q)!.start >= start + 512 * 1024 - 1)).toBe(true);
  } finally {
    server.stop();
  }
});
