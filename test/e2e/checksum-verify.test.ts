// --checksum ALGO=HEX: the file takes its final name only when its digest matches. A mismatch is exit 32
// with expected and actual digests on stderr and no file under the final name; the .part and journal stay,
// so a later -C - with the right checksum verifies and renames without downloading the body again.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync } from "node:fs";
import { runCli, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { CountingBody, journalOf, partOf } from "../servers/transfer.ts";

// Real transfers with rate limits and retries: longer than bun's 5 s default, bounded all the same.
setDefaultTimeout(30_000);

const SIZE = 3 * 1024 * 1024 + 7;
const body = new CountingBody(SIZE, 81);
const plain = new CountingBody(SIZE, 81).bytes();
const digest = (algo: "sha256" | "sha512" | "sha1" | "md5") => new Bun.CryptoHasher(algo).update(plain).digest("hex");
const SHA256 = digest("sha256");
const WRONG = "0".repeat(64);

let server: TestServer;
const tmp = tempDir("fetchx-sum-");

beforeAll(async () => {
  server = await startServer({ routes: { "/f": { body }, "/g": { body: new CountingBody(SIZE, 81) } } });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

describe("--checksum", () => {
  test("right sha256: exit 0, final file, nothing left beside it", async () => {
    const out = tmp.file("right.bin");
    const r = await runCli([server.url("/f"), "--checksum", `sha256=${SHA256}`, "-o", out]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA256);
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);
  });

  test("also right with --connections 4 (hashing cannot simply follow the stream)", async () => {
    const out = tmp.file("right-seg.bin");
    const r = await runCli([server.url("/g"), "--connections", "4", "--checksum", `sha256=${SHA256}`, "-o", out]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA256);
  });

  test("wrong: exit 32 naming both digests, no final file, .part kept; -C - with the right one renames it", async () => {
    const out = tmp.file("wrong.bin");
    const before = server.requests.length;
    const r = await runCli([server.url("/f"), "--checksum", `sha256=${WRONG}`, "-o", out]);
    expect(r.code).toBe(32);
    // A mismatch is not transient: not retried.
    expect(server.requests.length - before).toBe(1);
    expect(r.stderr).toContain(WRONG);
    expect(r.stderr.toLowerCase()).toContain(SHA256);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(partOf(out))).toBe(true);
    expect(existsSync(journalOf(out))).toBe(true);

    const served = body.served;
    const again = await runCli([server.url("/f"), "-C", "-", "--checksum", `sha256=${SHA256}`, "-o", out]);
    expect(again.code).toBe(0);
    expect(await sha256(out)).toBe(SHA256);
    expect(existsSync(partOf(out))).toBe(false);
    expect(existsSync(journalOf(out))).toBe(false);
    // Every byte was already there: at most a probe's worth of body was sent again.
    expect(body.served - served).toBeLessThanOrEqual(65536);
  });

  test.each(["sha512", "sha1", "md5"] as const)("%s accepted and verified (upper-case hex too)", async (algo) => {
    const out = tmp.file(`${algo}.bin`);
    const r = await runCli([server.url("/f"), "--checksum", `${algo}=${digest(algo).toUpperCase()}`, "-o", out]);
    expect(r.code).toBe(0);
    expect(await sha256(out)).toBe(SHA256);
    const bad = await runCli([server.url("/f"), "--checksum", `${algo}=${"0".repeat(digest(algo).length)}`, "-o", tmp.file(`${algo}-bad.bin`)]);
    expect(bad.code).toBe(32);
  });

  test.each([
    ["no algorithm", SHA256],
    ["unknown algorithm", `crc32=${SHA256}`],
    ["not hex", `sha256=${"z".repeat(64)}`],
    ["wrong length", `sha256=${SHA256.slice(2)}`],
    ["empty digest", "sha256="],
  ])("malformed (%s): exit 2 before any request", async (_why, value) => {
    const before = server.requests.length;
    const r = await runCli([server.url("/f"), "--checksum", value, "-o", tmp.file("malformed.bin")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/checksum/i);
    expect(r.stderr).not.toContain("unknown option");
    expect(server.requests.length).toBe(before);
  });
});
