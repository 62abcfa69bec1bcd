// Guards the release files themselves: every target in build.ts is an ELF for its CPU asking for its
// libc's loader (the musl builds cannot run on Debian, so their interpreter is what we can check),
// SHA256SUMS verifies them, and the x64 binary reports the embedded version and commit.
import { beforeAll, describe, expect, test } from "bun:test";
import path from "node:path";
import { DIST, hostTarget } from "../../build.ts";
import { sha256 } from "../servers/harness.ts";
import { binaryPath, ensureBuilt, run, TARGETS, BUILD_TIMEOUT_MS } from "./binary-support.ts";
import type { BuildInfo } from "../../build.ts";

let info: BuildInfo;
beforeAll(async () => {
  info = await ensureBuilt();
}, BUILD_TIMEOUT_MS);

const MACHINE = { x64: "Advanced Micro Devices X86-64", arm64: "AArch64" } as const;

describe.each(TARGETS.map((t) => [t.name, t] as const))("dist/fetchx-linux-%s", (_name, t) => {
  test(`is an ELF for ${t.arch} whose interpreter is ${t.libc}'s loader`, async () => {
    const r = await run(["readelf", "--file-header", "--program-headers", "--wide", binaryPath(t)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Machine:                           ${MACHINE[t.arch]}`);
    const interp = /\[Requesting program interpreter: ([^\]]+)\]/.exec(r.stdout)?.[1];
    expect(interp).toBe(t.interpreter);
    // The table itself must not drift: glibc builds use ld-linux, musl builds ld-musl.
    expect(path.basename(interp!)).toStartWith(t.libc === "musl" ? "ld-musl-" : "ld-linux-");
  });
});

test("SHA256SUMS lists every binary with its sha256 in sha256sum format", async () => {
  const lines = (await Bun.file(path.join(DIST, "SHA256SUMS")).text()).trimEnd().split("\n");
  const listed = new Map(lines.map((l) => {
    const m = /^([0-9a-f]{64}) {2}(fetchx-linux-[a-z0-9-]+)$/.exec(l);
    expect(m).not.toBeNull();
    return [m![2]!, m![1]!] as const;
  }));
  for (const t of TARGETS) {
    const name = path.basename(binaryPath(t));
    expect(listed.get(name)).toBe(await sha256(binaryPath(t)));
  }
  // And the coreutils tool a user runs agrees.
  const check = await run(["sha256sum", "--check", "--strict", "SHA256SUMS"], { cwd: DIST });
  expect(check.stderr).toBe("");
  expect(check.code).toBe(0);
});

test("the host binary's --version prints the package version, the build's commit and Bun's version", async () => {
  const pkg = await Bun.file(path.join(import.meta.dir, "../../package.json")).json();
  expect(info.version).toBe(pkg.version);
  expect(info.commit).toMatch(/^([0-9a-f]{7,}|unknown)$/);
  const r = await run([binaryPath(hostTarget()), "--version"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`fetchx ${pkg.version}`);
  expect(r.stdout).toContain(info.commit);
  expect(r.stdout).toContain(Bun.version);
  // "source" is what an unbuilt run prints: the define must have replaced it.
  expect(r.stdout).not.toContain("(source)");
});
