// The end-to-end suite, run again against the compiled host binary instead of `bun src/main.ts`: the
// e2e tests start fetchx through test/servers/harness.ts, which honours FETCHX_BIN. This catches what only
// breaks once bundled and compiled (dynamic imports, files read at run time, bun:ffi in the executable).
import { expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import path from "node:path";
import { hostTarget, ROOT } from "../../build.ts";
import { binaryPath, ensureBuilt, run, BUILD_TIMEOUT_MS } from "./binary-support.ts";

// Every e2e file except these binary-* ones (which would recurse).
const files = readdirSync(import.meta.dir)
  .filter((n) => n.endsWith(".test.ts") && !n.startsWith("binary-"))
  .map((n) => path.join(import.meta.dir, n));

const SUITE_TIMEOUT_MS = 600_000;

test.skipIf(files.length === 0)(
  `e2e suite (${files.length} files) passes with FETCHX_BIN=dist/fetchx-linux-${hostTarget().name}`,
  async () => {
    await ensureBuilt();
    const r = await run([process.execPath, "test", "--timeout", "60000", ...files], {
      cwd: ROOT,
      env: { FETCHX_BIN: binaryPath(hostTarget()) },
      timeoutMs: SUITE_TIMEOUT_MS - 10_000,
    });
    // bun's summary lines on stderr: " N pass", " N fail".
    const summary = (word: string) => Number([...r.stderr.matchAll(new RegExp(`^\\s*(\\d+) ${word}$`, "gm"))].at(-1)?.[1] ?? NaN);
    const failed = summary("fail");
    // On failure, show bun's report of the failing tests (the summary alone says nothing).
    if (r.code !== 0 || failed !== 0) console.error(r.stderr.split("\n").filter((l) => /\(fail\)|error|expect/i.test(l)).slice(0, 60).join("\n"));
    expect(r.timedOut).toBe(false);
    expect(failed).toBe(0);
    expect(summary("pass")).toBeGreaterThan(0);
    expect(r.code).toBe(0);
  },
  SUITE_TIMEOUT_MS + BUILD_TIMEOUT_MS,
);
