// What MPTCP is for, shown end to end in the two-path lab (lab.ts): aggregation, failover, fallback.
// Assertions are on bytes (sha256), on MPTCP state from %{json}, and on which client interface carried
// the bytes (rx counters), never on speed: a path either carries a share of the file or it does not.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { sha256, tempDir, type TempDir, waitFor } from "../servers/harness.ts";
import { generatedBody } from "../servers/http.ts";
import { fetchxHasOption, labUnavailableReason, runFetchx, spawnFetchx, startLab, type Lab, type PathName } from "./lab.ts";
import { startLabServer, type LabServer } from "./serve.ts";

const RATE_MBIT = 50; // per path: 16 MiB takes ~2.8 s on one path, ~1.5 s on both
const SIZE = 16 << 20;
const SEED = 16;
const SHA = generatedBody(SIZE, SEED).sha256();

const skip = await labUnavailableReason();
if (skip) console.log(`skipping MPTCP lab tests: ${skip}`);
const hasConnections = skip ? false : await fetchxHasOption("--connections");
if (!skip && !hasConnections) console.log("skipping segmented + MPTCP lab test: this fetchx has no --connections yet");

describe.skipIf(skip !== null)("MPTCP lab: two paths of 50 Mbit/s", () => {
  let lab: Lab;
  let server: LabServer;
  let dir: TempDir; // made in beforeAll: a run filtered to other tests leaves nothing behind
  let n = 0;
  const outFile = () => dir.file(`out-${++n}.bin`);

  beforeAll(async () => {
    dir = tempDir("fetchx-lab-");
    lab = await startLab({ rateMbit: RATE_MBIT });
    server = await startLabServer(lab, { size: SIZE, seed: SEED });
  });
  afterAll(async () => {
    await lab?.destroy();
    dir?.cleanup();
  });

  /** Bytes each client interface received while `fn` ran. */
  async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; rx: Record<PathName, number> }> {
    const a0 = await lab.rxBytes("a");
    const b0 = await lab.rxBytes("b");
    const result = await fn();
    return { result, rx: { a: (await lab.rxBytes("a")) - a0, b: (await lab.rxBytes("b")) - b0 } };
  }

  test("aggregation: --mptcp moves a large share over each path; bytes exact", async () => {
    const out = outFile();
    const { result: r, rx } = await measure(() => runFetchx(lab, ["--mptcp", "-m", "60", "-o", out, server.url("mptcp")]));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    expect(r.json?.mptcp).toBe("active");
    expect(r.json?.mptcp_subflows).toBeGreaterThanOrEqual(2);
    // The second subflow starts from the client's path-b address (its `subflow` endpoint).
    const conns = r.json?.connections as { subflowList: { local: string }[] }[];
    expect(conns[0]!.subflowList.map((s) => s.local.split(":")[0])).toContain(lab.paths.b.client);
    // Equal paths, so each carries roughly half; a quarter leaves room for scheduler noise.
    expect(rx.a).toBeGreaterThan(SIZE / 4);
    expect(rx.b).toBeGreaterThan(SIZE / 4);
  }, 60_000);

  test("aggregation over IPv6: the path-b IPv6 endpoint adds the second subflow", async () => {
    const out = outFile();
    const { result: r, rx } = await measure(() => runFetchx(lab, ["--mptcp", "-m", "60", "-o", out, server.url6("mptcp")]));
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    expect(r.json?.mptcp).toBe("active");
    const conns = r.json?.connections as { subflowList: { local: string }[] }[];
    expect(conns[0]!.subflowList.map((s) => s.local)).toContainEqual(expect.stringContaining(`[${lab.paths.b.client6}]`));
    expect(rx.a).toBeGreaterThan(SIZE / 4);
    expect(rx.b).toBeGreaterThan(SIZE / 4);
  }, 60_000);

  test("plain TCP on the same lab stays on one path", async () => {
    const out = outFile();
    const { result: r, rx } = await measure(() => runFetchx(lab, ["-m", "60", "-o", out, server.url("mptcp")]));
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    expect(r.json?.mptcp).toBe("off");
    expect(rx.a).toBeGreaterThanOrEqual(SIZE);
    expect(rx.b).toBeLessThan(SIZE / 50); // stray ARP/ND only
  }, 60_000);

  // (Without --paths none, fetchx spreads range connections over both paths here: test/lab/multipath.test.ts.)
  test("fallback: a TCP-only server works with --mptcp, reported as fallback; --paths none keeps one path", async () => {
    const out = outFile();
    const { result: r, rx } = await measure(() => runFetchx(lab, ["--mptcp", "--paths", "none", "-m", "60", "-o", out, server.url("tcp")]));
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    expect(r.json?.mptcp).toBe("fallback");
    expect(r.json?.mptcp_subflows).toBe(0);
    expect(rx.b).toBeLessThan(SIZE / 50);
  }, 60_000);

  /** Starts fetchx, waits until a quarter of the file crossed path a, then takes path a down for good. */
  async function cutPathAMidway(args: string[]) {
    const a0 = await lab.rxBytes("a");
    const b0 = await lab.rxBytes("b");
    const run = spawnFetchx(lab, args);
    let exited = false;
    run.done.then(() => (exited = true));
    try {
      await waitFor(async () => exited || (await lab.rxBytes("a")) - a0 > SIZE / 4, 30_000, "a quarter of the file over path a", 20);
      expect(exited).toBe(false); // the cut must happen mid-download
      await lab.pathDown("a");
      const r = await run.done;
      return { r, rxB: (await lab.rxBytes("b")) - b0 };
    } finally {
      run.kill();
      await lab.pathUp("a");
    }
  }

  test("failover: path a down for good mid-download; --mptcp completes byte-exact with no retry", async () => {
    const out = outFile();
    const { r, rxB } = await cutPathAMidway(["--mptcp", "-m", "60", "-o", out, server.url("mptcp")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    expect(r.json?.num_retries).toBe(0);
    expect(r.json?.num_connects).toBe(1);
    // Everything after the cut (at least half the file) can only have come over path b.
    expect(rxB).toBeGreaterThan(SIZE / 2);
  }, 60_000);

  test("failover control: plain TCP stalls when its path goes down (ends only by --max-time)", async () => {
    const out = outFile();
    const { r } = await cutPathAMidway(["-m", "6", "-o", out, server.url("mptcp")]);
    expect(r.code).toBe(28);
    // Missing or different: either way not the file.
    expect(existsSync(out) && (await sha256(out)) === SHA).toBe(false);
  }, 60_000);

  test.skipIf(!hasConnections)("segmented + MPTCP: --connections 4 --mptcp completes and uses both paths", async () => {
    const out = outFile();
    const { result: r, rx } = await measure(() =>
      runFetchx(lab, ["--mptcp", "--connections", "4", "-m", "60", "-o", out, server.url("mptcp")]),
    );
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA);
    expect(r.json?.mptcp).toBe("active");
    expect(rx.a).toBeGreaterThan(SIZE / 4);
    expect(rx.b).toBeGreaterThan(SIZE / 4);
  }, 60_000);
});
