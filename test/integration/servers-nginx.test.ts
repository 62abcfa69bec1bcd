// Guards test/servers/nginx.ts: a real nginx serves a temp directory (ranges included), and under
// mptcpize its listening socket is MPTCP. Other tests and bench/core.ts rely on both.
import { afterEach, expect, test } from "bun:test";
import { startNginx, writeFile, type NginxServer } from "../servers/nginx.ts";
import { randomBytes, runCommand, sha256, tempDir } from "../servers/harness.ts";

let nginx: NginxServer | undefined;
afterEach(async () => {
  await nginx?.stop();
  nginx = undefined;
});

async function listeners(port: number): Promise<string[]> {
  const out = new TextDecoder().decode((await runCommand(["ss", "-Mlnt"])).stdout);
  return out.split("\n").filter((l) => l.includes(`:${port} `)).map((l) => l.split(/\s+/)[0]!);
}

test("serves a file whole and by range", async () => {
  using root = tempDir("nginx-root-");
  const data = randomBytes(500_000, 11);
  writeFile(root.path, "f.bin", data);
  nginx = await startNginx({ root: root.path });
  const full = new Uint8Array(await (await fetch(nginx.url("/f.bin"))).arrayBuffer());
  expect(await sha256(full)).toBe(await sha256(data));
  const part = await fetch(nginx.url("/f.bin"), { headers: { Range: "bytes=100-199" } });
  expect(part.status).toBe(206);
  expect(new Uint8Array(await part.arrayBuffer())).toEqual(data.subarray(100, 200));
  expect(await listeners(nginx.port)).toEqual(["tcp"]);
});

test("with mptcp it listens on an MPTCP socket", async () => {
  using root = tempDir("nginx-root-");
  writeFile(root.path, "x.txt", "hello");
  nginx = await startNginx({ root: root.path, mptcp: true });
  expect(await (await fetch(nginx.url("/x.txt"))).text()).toBe("hello");
  expect(await listeners(nginx.port)).toContain("mptcp");
});
