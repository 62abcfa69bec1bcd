// A downloader runs in whatever directory the user is in. A compiled Bun executable would by default read
// bunfig.toml (whose `preload` runs arbitrary code) and .env from there; build.ts turns both off. These
// tests plant both files and check that neither reaches the process, with a control build that proves
// the plant is noticed when autoloading is on.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { COMPILE_OPTIONS, hostTarget } from "../../build.ts";
import { tempDir, type TempDir } from "../servers/harness.ts";
import { binaryPath, ensureBuilt, run, BUILD_TIMEOUT_MS } from "./binary-support.ts";

let dir: TempDir;
beforeAll(async () => {
  await ensureBuilt();
  dir = tempDir("fetchx-autoload-");
  await Bun.write(dir.file("bunfig.toml"), 'preload = ["./preload.ts"]\n');
  // If the preload ever runs it leaves a file behind (output alone could be swallowed).
  await Bun.write(dir.file("preload.ts"), 'require("node:fs").writeFileSync("PRELOADED", "yes");\n');
  await Bun.write(dir.file(".env"), "FETCHX_PLANTED=from-dotenv\n");
  // A probe that reports the planted variable, compiled with and without build.ts's options.
  await Bun.write(dir.file("probe.ts"), 'console.log("planted=" + (process.env.FETCHX_PLANTED ?? "absent"));\n');
  for (const [name, options] of [["probe-release", COMPILE_OPTIONS], ["probe-default", {}]] as const) {
    const r = await Bun.build({ entrypoints: [dir.file("probe.ts")], compile: { ...options, outfile: dir.file(name) }, throw: false });
    if (!r.success) throw new Error(r.logs.map(String).join("\n"));
  }
}, BUILD_TIMEOUT_MS);
afterAll(() => dir?.cleanup());

test("control: a compile without build.ts's options does load the planted .env and bunfig preload", async () => {
  const r = await run([dir.file("probe-default")], { cwd: dir.path });
  expect(r.stdout.trim()).toBe("planted=from-dotenv");
  expect(await Bun.file(dir.file("PRELOADED")).exists()).toBe(true);
  await Bun.file(dir.file("PRELOADED")).delete();
});

test("build.ts's compile options ignore .env and bunfig.toml in the working directory", async () => {
  const r = await run([dir.file("probe-release")], { cwd: dir.path });
  expect(r.stdout.trim()).toBe("planted=absent");
  expect(await Bun.file(dir.file("PRELOADED")).exists()).toBe(false);
});

test("the fetchx binary does not run a bunfig.toml preload from the working directory", async () => {
  const r = await run([binaryPath(hostTarget()), "--version"], { cwd: dir.path });
  expect(r.code).toBe(0);
  expect(r.stdout).toStartWith("fetchx ");
  expect(await Bun.file(dir.file("PRELOADED")).exists()).toBe(false);
});
