// The per-host connection cap shared by transfers running at once.
import { expect, test } from "bun:test";
import { MAX_PER_HOST, releaseConnections, reserveConnections } from "../../src/transfer/hostcap.ts";
import { runCli } from "../servers/harness.ts";

test("transfers to one host share MAX_PER_HOST connections; each gets at least one; release gives them back", () => {
  const a = reserveConnections("h.test", 10);
  const b = reserveConnections("h.test", 10);
  const c = reserveConnections("h.test", 10);
  expect([a, b, c]).toEqual([10, MAX_PER_HOST - 10, 1]);
  expect(reserveConnections("other.test", 4)).toBe(4);
  releaseConnections("h.test", a);
  expect(reserveConnections("h.test", 8)).toBe(8);
  for (const n of [b, c, 8]) releaseConnections("h.test", n);
  releaseConnections("other.test", 4);
  expect(reserveConnections("h.test", MAX_PER_HOST)).toBe(MAX_PER_HOST);
  releaseConnections("h.test", MAX_PER_HOST);
});

test("--connections above the cap is a usage error", async () => {
  const r = await runCli(["--connections", String(MAX_PER_HOST + 1), "http://127.0.0.1:9/"]);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain("at most");
});
