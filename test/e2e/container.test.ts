// The container image built from the Dockerfile and run for real with podman: scripts/container-test.sh
// does the work (base image, build, a server inside each container's network namespace) and prints one
// "PASS id: ..." / "FAIL id: ..." line per check; each check is one test here, so the image lands in the
// suite's count and a missing line fails as surely as a FAIL line.
// Needs root (podman, nsenter, apt-get for missing packages). About 35 s with the base image cached in
// .container/, more on a fresh host (podman, the base image). FETCHX_SKIP_CONTAINER=1 skips it (say so in a report).
import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";

const ROOT = new URL("../..", import.meta.url).pathname;
const CHECKS: string[] = [
  "image-build",
  "version",
  "doctor-sysctl-0",
  "doctor-sysctl-1",
  "mptcp-download",
  "stop-mid-download",
  "resume",
  "https-untrusted",
  "https-ssl-cert-file",
  "https-bundle-mount",
];
// The arm64 image runs under qemu only where binfmt_misc hands arm64 executables to it, a host-wide
// setting this suite does not make; where it is registered, the arm64 image is built and checked too.
const arm64 = existsSync("/proc/sys/fs/binfmt_misc/qemu-aarch64");
if (arm64) CHECKS.push("arm64");

const skip =
  process.platform !== "linux"
    ? "not Linux"
    : process.getuid?.() !== 0
      ? "needs root (podman, nsenter)"
      : process.env.FETCHX_SKIP_CONTAINER === "1"
        ? "FETCHX_SKIP_CONTAINER=1"
        : null;
if (skip) console.log(`skipping container tests: ${skip}`);

describe.skipIf(skip !== null)("container image (scripts/container-test.sh)", () => {
  const results = new Map<string, { ok: boolean; text: string }>();
  let exitCode = -1;
  let output = "";

  beforeAll(async () => {
    const proc = Bun.spawn(["bash", "scripts/container-test.sh"], {
      cwd: ROOT,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, FETCHX_CONTAINER_ARM64: arm64 ? "1" : "0" },
    });
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    exitCode = code;
    output = out + err;
    // The script's own lines, so CI logs show what the image did.
    console.log(out.trimEnd());
    if (err.trim()) console.log(err.trimEnd());
    for (const line of out.split("\n")) {
      const m = /^(PASS|FAIL) ([a-z0-9-]+): (.*)$/.exec(line);
      if (m) results.set(m[2]!, { ok: m[1] === "PASS", text: m[3]! });
    }
  }, 15 * 60_000);

  for (const id of CHECKS) {
    test(id, () => {
      const r = results.get(id);
      if (!r) throw new Error(`no line for check ${id}; script exited ${exitCode}:\n${output.slice(-2000)}`);
      if (!r.ok) throw new Error(`${id}: ${r.text}`);
      expect(r.ok).toBe(true);
    });
  }

  test("the script exits 0 and reports no failed check, not even setup", () => {
    expect([...results].filter(([, r]) => !r.ok).map(([id, r]) => `${id}: ${r.text}`)).toEqual([]);
    expect(exitCode).toBe(0);
  });
});
