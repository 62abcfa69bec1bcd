// What a failure says after retries: a body cut on every try by a server that cannot resume is the
// truncation (exit 18, curl's code), not a refused resume (33); "run it again to resume" only when a
// journal kept the bytes, and a weaker line when the server never said it takes ranges (a rerun tries one).
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { runCli, tempDir } from "../servers/harness.ts";
import { generatedBody, startServer, type TestServer } from "../servers/http.ts";
import { ignoreRange, truncateAfter } from "../servers/faults.ts";
import { journalOf } from "../servers/transfer.ts";

const tmp = tempDir("fetchx-retryexit-");
const servers: TestServer[] = [];
afterAll(() => {
  for (const s of servers) s.stop();
  tmp.cleanup();
});

const body = generatedBody(1 << 20, 71);
const server = await startServer({
  routes: {
    "/noranges": { body, ranges: false, faults: [truncateAfter(100_000)] },
    "/ignores": { body, faults: [ignoreRange(), truncateAfter(100_000)] },
    "/ranges": { body, faults: [truncateAfter(100_000)] },
  },
});
servers.push(server);

const lines = (s: string) => s.split("\n").filter((l) => l && !l.includes("warning:"));

describe("cut on every try", () => {
  for (const path of ["/noranges", "/ignores"]) {
    test(`${path}: exit 18 naming the truncation, one error line`, async () => {
      const out = tmp.file(`${path.slice(1)}.bin`);
      const r = await runCli([server.url(path), "--retry", "2", "--retry-delay", "0", "-o", out]);
      expect(r.code).toBe(18);
      const errors = lines(r.stderr);
      expect(errors.length).toBe(1);
      expect(errors[0]).toContain("(18) transfer closed with");
      expect(errors[0]).toContain("on every try");
      expect(errors[0]).not.toContain("rerun");
      expect(existsSync(out)).toBe(false);
      // The server showed it ignores Range: no journal is left to promise a resume.
      expect(existsSync(journalOf(out))).toBe(false);
    });
  }
});

describe("partial data kept: said only when true", () => {
  test("a server that resumes: .part and journal kept, and the line says to run it again", async () => {
    const out = tmp.file("kept.bin");
    const r = await runCli([server.url("/ranges"), "--retry", "0", "-o", out]);
    expect(r.code).toBe(18);
    expect(existsSync(journalOf(out))).toBe(true);
    expect(r.stderr).toContain("run it again to resume");
  });

  test("a server that did not announce ranges: journal kept for a rerun to try, but no promise to resume", async () => {
    const out = tmp.file("notkept.bin");
    const r = await runCli([server.url("/noranges"), "--retry", "0", "-o", out]);
    expect(r.code).toBe(18);
    expect(existsSync(journalOf(out))).toBe(true);
    expect(r.stderr).not.toContain("run it again to resume");
    expect(lines(r.stderr)).toEqual([expect.stringContaining("; kept: a rerun asks for the rest (the server did not announce ranges)")]);
  });

  test("standard output: nothing kept by fetchx, no promise to resume", async () => {
    const r = await runCli([server.url("/ranges"), "--retry", "0"]);
    expect(r.code).toBe(18);
    expect(r.stdout.length).toBe(100_000);
    expect(r.stderr).not.toContain("resume");
  });
});
