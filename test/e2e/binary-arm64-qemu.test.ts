// The arm64 build, run under qemu-user on this x86_64 host: it starts, reports its build, and does a real
// --mptcp download over loopback. MPTCP detection must work there too: qemu-user does not emulate SOL_MPTCP,
// so the yes/no comes from TCP_IS_MPTCP (shared/PLATFORM.md) and -w '%{json}' must still say "active".
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, symlinkSync, unlinkSync } from "node:fs";
import { sha256, tempDir, type TempDir } from "../servers/harness.ts";
import { generatedBody, startServer, type TestServer } from "../servers/http.ts";
import { binaryPath, ensureBuilt, run, target, QEMU, BUILD_TIMEOUT_MS } from "./binary-support.ts";
import type { BuildInfo } from "../../build.ts";

// qemu-user needs both the emulator and the arm64 glibc (Debian: qemu-user-static, libc6-arm64-cross).
const missing = [
  Bun.which(QEMU[0]!) ? null : "qemu-aarch64-static (apt install qemu-user-static)",
  existsSync("/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1") ? null : "arm64 glibc (apt install libc6-arm64-cross)",
].filter(Boolean);
const onArm64 = process.arch === "arm64";
if (missing.length && !onArm64) console.warn(`skipping arm64 binary tests: missing ${missing.join(", ")}`);

// On an arm64 host the binary runs natively; elsewhere through qemu.
const arm64 = (args: string[]) => (onArm64 ? [binaryPath(target("arm64")), ...args] : [...QEMU, binaryPath(target("arm64")), ...args]);

describe.skipIf(missing.length > 0 && !onArm64)("arm64 binary under qemu-user", () => {
  let info: BuildInfo;
  let dir: TempDir;
  let server: TestServer | undefined;
  beforeAll(async () => {
    info = await ensureBuilt();
    dir = tempDir("fetchx-arm64-");
  }, BUILD_TIMEOUT_MS);
  afterAll(() => {
    server?.stop();
    dir?.cleanup();
  });

  test("--version reports the embedded version and commit", async () => {
    const r = await run(arm64(["--version"]));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`fetchx ${info.version}`);
    expect(r.stdout).toContain(info.commit);
  });

  test("--mptcp download over loopback: exact bytes, mptcp active", async () => {
    const body = generatedBody(1024 * 1024 + 5, 3);
    server = await startServer({ mptcp: true, routes: { "/a.bin": { body } } });
    const out = dir.file("a.bin");
    // Emulation is slow (about 0.8 s just to start): allow a generous bound, not a timing assertion.
    const r = await run(arm64(["--mptcp", "-s", "-o", out, "-w", "%{json}", server.url("/a.bin")]), { timeoutMs: 120_000 });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(body.sha256());
    const json = JSON.parse(r.stdout);
    expect(json.mptcp).toBe("active");
    expect(json.size_download).toBe(body.size);
  }, 150_000);

  test("a lone download's file calls through libc (statx by syscall number, aarch64's own O_NOFOLLOW): a planted .part link and a directory refused, the bytes exact", async () => {
    const body = generatedBody(40_000, 4);
    const local = await startServer({ routes: { "/b.bin": { body } } });
    try {
      const out = dir.file("b.bin");
      symlinkSync(dir.file("elsewhere"), `${out}.part`);
      const planted = await run(arm64(["-sS", "-o", out, local.url("/b.bin")]), { timeoutMs: 120_000 });
      expect(planted.code).toBe(23);
      expect(planted.stderr).toContain("it is a symbolic link");
      expect(lstatSync(`${out}.part`).isSymbolicLink()).toBe(true);
      expect(existsSync(dir.file("elsewhere"))).toBe(false);

      mkdirSync(dir.file("a-directory"));
      const directory = await run(arm64(["-sS", "-o", dir.file("a-directory"), local.url("/b.bin")]), { timeoutMs: 120_000 });
      expect(directory.code).toBe(23);
      expect(directory.stderr).toContain("is a directory");

      unlinkSync(`${out}.part`);
      const ok = await run(arm64(["-sS", "-o", out, local.url("/b.bin")]), { timeoutMs: 120_000 });
      expect(ok.code).toBe(0);
      expect(await sha256(out)).toBe(body.sha256());
      expect(existsSync(`${out}.part`)).toBe(false);
    } finally {
      local.stop();
    }
  }, 400_000);
});
