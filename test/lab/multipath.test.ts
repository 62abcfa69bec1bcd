// Multipath for a server without MPTCP: with --mptcp and a TCP-only server (fallback), fetchx spreads
// range connections over the lab's two paths (the kernel's route over path a, the `subflow` endpoint on
// path b), each connection bound to one path. A path that dies hands its ranges to the other with no retry
// spent (every run here has --retry 0, so a spent retry would fail it); a path that comes back is used
// again. Assertions are on bytes (sha256), on which client interface received them (rx counters) and on
// %{json}'s per-connection interface and bytes, never on speed (bench/multipath-lab.ts measures that).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sha256, tempDir, type TempDir, waitFor } from "../servers/harness.ts";
import { generatedBody } from "../servers/http.ts";
import { labUnavailableReason, runFetchx, spawnFetchx, startLab, type Lab, type PathName } from "./lab.ts";
import { startLabServer, type LabServer } from "./serve.ts";

const skip = await labUnavailableReason();
if (skip) console.log(`skipping multipath lab tests: ${skip}`);

interface Conn {
  local: string;
  interface: string | null;
  bytes: number;
  mptcp: string;
}

/** Bytes each client interface received while `fn` ran. */
async function measure<T>(lab: Lab, fn: () => Promise<T>): Promise<{ result: T; rx: Record<PathName, number> }> {
  const a0 = await lab.rxBytes("a");
  const b0 = await lab.rxBytes("b");
  const result = await fn();
  return { result, rx: { a: (await lab.rxBytes("a")) - a0, b: (await lab.rxBytes("b")) - b0 } };
}

/** Body bytes per interface, from %{json} connections[]. */
function bytesByInterface(json: Record<string, unknown> | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of (json?.connections ?? []) as Conn[]) out[c.interface ?? "?"] = (out[c.interface ?? "?"] ?? 0) + c.bytes;
  return out;
}

describe.skipIf(skip !== null)("multipath lab, TCP-only server: two paths of 25 Mbit/s", () => {
  const SIZE = 32 << 20; // ~11 s on one path, ~6 s on both
  const SEED = 21;
  const SHA = generatedBody(SIZE, SEED).sha256();
  let lab: Lab;
  let server: LabServer;
  let dir: TempDir; // made in beforeAll: a run filtered to other tests leaves nothing behind
  let n = 0;
  const out = () => dir.file(`out-${++n}.bin`);

  beforeAll(async () => {
    dir = tempDir("fetchx-multipath-");
    lab = await startLab({ rateMbit: 25 });
    server = await startLabServer(lab, { size: SIZE, seed: SEED });
  });
  afterAll(async () => {
    await lab?.destroy();
    dir?.cleanup();
  });

  test("--mptcp --connections 4: fallback, ranges over both paths, each connection bound to one; bytes exact", async () => {
    const file = out();
    const { result: r, rx } = await measure(lab, () => runFetchx(lab, ["-v", "--mptcp", "--connections", "4", "--retry", "0", "-m", "60", "-o", file, server.url("tcp")]));
    expect(r.code).toBe(0);
    expect(await sha256(file)).toBe(SHA);
    expect(r.json?.mptcp).toBe("fallback");
    expect(r.stderr).toContain("the server answered without MPTCP (fallback): spreading range connections over 2 paths: path-a, path-b (198.51.100.1)");
    const conns = r.json?.connections as Conn[];
    // Each connection names its path; those on path b are bound to the path-b address.
    for (const c of conns) expect(c.interface === "path-b" ? c.local.startsWith(`${lab.paths.b.client}:`) : c.interface === "path-a").toBe(true);
    const by = bytesByInterface(r.json);
    expect((by["path-a"] ?? 0) + (by["path-b"] ?? 0)).toBe(SIZE);
    // Equal paths: each carries roughly half (a quarter leaves room for noise), and the wire agrees.
    expect(by["path-b"]).toBeGreaterThan(SIZE / 4);
    expect(rx.a).toBeGreaterThan(SIZE / 4);
    expect(rx.b).toBeGreaterThan(SIZE / 4);
  }, 60_000);

  test("--mptcp alone: one connection per path (the second steals from the first answer); IPv6", async () => {
    const file = out();
    const { result: r, rx } = await measure(lab, () => runFetchx(lab, ["--mptcp", "--retry", "0", "-m", "60", "-o", file, server.url6("tcp")]));
    expect(r.code).toBe(0);
    expect(await sha256(file)).toBe(SHA);
    const conns = r.json?.connections as Conn[];
    expect(conns.map((c) => c.local)).toContainEqual(expect.stringContaining(`[${lab.paths.b.client6}]`));
    expect(rx.a).toBeGreaterThan(SIZE / 4);
    expect(rx.b).toBeGreaterThan(SIZE / 4);
  }, 60_000);

  /** Starts fetchx; once `after` bytes crossed `path`, takes it down; returns the run and rx at the cut. */
  async function cutMidway(args: string[], path: PathName, after: number) {
    const p0 = await lab.rxBytes(path);
    const run = spawnFetchx(lab, args);
    let exited = false;
    run.done.then(() => (exited = true));
    await waitFor(async () => exited || (await lab.rxBytes(path)) - p0 > after, 30_000, `${after} bytes over path ${path}`, 20);
    expect(exited).toBe(false); // the cut must happen mid-download
    await lab.pathDown(path);
    return run;
  }

  test("path a cut for good mid-download: its ranges move to path b; exit 0, bytes exact, no retry", async () => {
    const file = out();
    const b0 = await lab.rxBytes("b");
    // Cut after an eighth crossed path a (half its share): a quarter, as first written, left no margin when
    // another process slowed path a and the download finished without it (one timeout in a full run).
    const run = await cutMidway(["-v", "--mptcp", "--connections", "4", "--retry", "0", "-m", "60", "-o", file, server.url("tcp")], "a", SIZE / 8);
    try {
      const r = await run.done;
      expect(r.code).toBe(0);
      expect(await sha256(file)).toBe(SHA);
      expect(r.json?.num_retries).toBe(0);
      expect(r.stderr).toContain("path path-a is down");
      // At most half the file can have crossed path a before the cut (it carried an eighth, b about as much).
      expect((await lab.rxBytes("b")) - b0).toBeGreaterThan(SIZE / 2);
    } finally {
      run.kill();
      await lab.pathUp("a");
    }
  }, 60_000);

  test("path b cut, then restored: fetchx moves off it, then uses it again; exit 0, bytes exact, no retry", async () => {
    const file = out();
    const run = await cutMidway(["-v", "--mptcp", "--connections", "4", "--retry", "0", "-m", "60", "-o", file, server.url("tcp")], "b", 512 << 10);
    let b1 = 0;
    try {
      await waitFor(() => run.running.stderrSoFar.includes("path path-b (198.51.100.1) is down"), 30_000, "fetchx to take path b down", 20);
    } finally {
      await lab.pathUp("b");
      b1 = await lab.rxBytes("b");
    }
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(await sha256(file)).toBe(SHA);
    expect(r.json?.num_retries).toBe(0);
    expect(r.stderr).toContain("path path-b (198.51.100.1) is back");
    // After the restore path b carried a real share again (about 6 MiB here), not stray ARP.
    expect((await lab.rxBytes("b")) - b1).toBeGreaterThan(SIZE / 16);
  }, 60_000);
});

describe.skipIf(skip !== null)("multipath lab, TCP-only server: unequal paths (50 and 10 Mbit/s)", () => {
  const SIZE = 24 << 20;
  const SEED = 22;
  let lab: Lab;
  let server: LabServer;
  let dir: TempDir; // made in beforeAll: a run filtered to other tests leaves nothing behind

  beforeAll(async () => {
    dir = tempDir("fetchx-multipath-uneq-");
    lab = await startLab({ rateMbit: 50, rateMbitB: 10 });
    server = await startLabServer(lab, { size: SIZE, seed: SEED });
  });
  afterAll(async () => {
    await lab?.destroy();
    dir?.cleanup();
  });

  test("the slow path carries about its share (1/6), the fast one the rest; bytes exact", async () => {
    const file = dir.file("out.bin");
    const { result: r, rx } = await measure(lab, () => runFetchx(lab, ["--mptcp", "--connections", "4", "--retry", "0", "-m", "60", "-o", file, server.url("tcp")]));
    expect(r.code).toBe(0);
    expect(await sha256(file)).toBe(generatedBody(SIZE, SEED).sha256());
    const by = bytesByInterface(r.json);
    // Its share is 1/6 (17%); stealing keeps it from holding up the end, so it ends with about that.
    expect(by["path-b"]).toBeGreaterThan(SIZE / 12);
    expect(by["path-b"]).toBeLessThan(SIZE / 4);
    expect(rx.b).toBeGreaterThan(SIZE / 12);
    expect(rx.a).toBeGreaterThan(SIZE / 2);
  }, 60_000);

  test("--paths none keeps every connection on the kernel's route", async () => {
    const file = dir.file("none.bin");
    const { result: r, rx } = await measure(lab, () => runFetchx(lab, ["--mptcp", "--paths", "none", "--connections", "4", "-m", "60", "-o", file, server.url("tcp")]));
    expect(r.code).toBe(0);
    expect(await sha256(file)).toBe(generatedBody(SIZE, SEED).sha256());
    expect(rx.b).toBeLessThan(SIZE / 50);
  }, 60_000);
});
