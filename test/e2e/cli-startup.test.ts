// A bare `--version` or `--help` is answered by main.ts before the option table and the parser are loaded
// (the start-up budget, bench/startup.ts). These guard that the early answer is the parser's answer, byte
// for byte, and that it steps aside whenever something could change that answer: a ~/.fetchxrc, another
// width, another word.
import { describe, expect, test } from "bun:test";
import { runCli, tempDir } from "../servers/harness.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** The conditions of the early answer: a HOME without a .fetchxrc, no COLUMNS. */
const bareEnv = (home: string) => ({ HOME: home, COLUMNS: undefined });

describe("bare --version and --help", () => {
  test("--version and -V print what the parser prints for -s --version", async () => {
    using home = tempDir("fetchx-home-");
    const env = bareEnv(home.path);
    const parsed = await runCli(["-s", "--version"], { env });
    expect(parsed.code).toBe(0);
    expect(text(parsed.stdout)).toMatch(/^fetchx \S+ \(commit \S+\) bun \S+\n$/);
    for (const word of ["--version", "-V"]) {
      const r = await runCli([word], { env });
      expect({ word, code: r.code, out: text(r.stdout), err: r.stderr }).toEqual({ word, code: 0, out: text(parsed.stdout), err: "" });
    }
  });

  test("--help and -h print what the parser prints for -s --help, at 80 columns and at $COLUMNS", async () => {
    using home = tempDir("fetchx-home-");
    const env = bareEnv(home.path);
    const at80 = text((await runCli(["-s", "--help"], { env })).stdout);
    expect(at80).toContain("Usage: fetchx [options] URL...");
    expect(Math.max(...at80.split("\n").map((l) => l.length))).toBeLessThanOrEqual(79);
    for (const word of ["--help", "-h"]) expect({ word, out: text((await runCli([word], { env })).stdout) }).toEqual({ word, out: at80 });
    // Another width: not the embedded text, the one wrapped at run time.
    const wide = { ...env, COLUMNS: "120" };
    const at120 = text((await runCli(["-s", "--help"], { env: wide })).stdout);
    expect(at120).not.toBe(at80);
    expect(text((await runCli(["--help"], { env: wide })).stdout)).toBe(at120);
    expect(text((await runCli(["--help"], { env: { ...env, COLUMNS: "80" } })).stdout)).toBe(at80);
  });

  test("a ~/.fetchxrc is still read first: its unknown option fails --version (2); its -s does not change it", async () => {
    using home = tempDir("fetchx-home-");
    const env = bareEnv(home.path);
    await Bun.write(home.file(".fetchxrc"), "--bogus-option\n");
    const r = await runCli(["--version"], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option --bogus-option");
    expect(text(r.stdout)).toBe("");
    await Bun.write(home.file(".fetchxrc"), "# a comment\n--silent\n");
    const ok = await runCli(["--version"], { env });
    expect([ok.code, text(ok.stdout)]).toEqual([0, text((await runCli(["-q", "--version"], { env })).stdout)]);
    // An empty ~/.fetchxrc is no config at all.
    await Bun.write(home.file(".fetchxrc"), "");
    expect((await runCli(["--version"], { env })).code).toBe(0);
  });

  test("other words go through the parser: --versions, --help all, -Vh", async () => {
    using home = tempDir("fetchx-home-");
    const env = bareEnv(home.path);
    const r = await runCli(["--versions"], { env });
    expect([r.code, r.stderr]).toEqual([2, expect.stringContaining("unknown option --versions (did you mean --version?)")]);
    const all = await runCli(["--help", "all"], { env });
    expect(text(all.stdout).length).toBeGreaterThan(text((await runCli(["--help"], { env })).stdout).length);
    // A bundle: -h wins over -V in main.ts, as before the early answer.
    expect(text((await runCli(["-Vh"], { env })).stdout)).toBe(text((await runCli(["--help"], { env })).stdout));
  });
});
