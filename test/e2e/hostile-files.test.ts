// Planted files and tampered journals: a .part or journal temp name that is a link, a .part that does not
// match its journal (empty, short, long, another URL), malformed journals, and a bounded seeded fuzz of
// journal files and of response framing. Every case ends with the exact bytes under the final name (or an
// error and nothing there), one line on stderr, and nothing written outside the named files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { download } from "../../src/index.ts";
import { fetchxCommand, nobodyRunsFetchx, randomBytes, runCli, runCommand, sha256, tempDir, waitFor } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { bytesOf, chunked, head, mutate } from "../servers/hostile.ts";
import { truncateAfter } from "../servers/faults.ts";
import { journalOf, partOf, seededRandom } from "../servers/transfer.ts";

const SIZE = 200_000;
const data = randomBytes(SIZE, 77);
const SHA = await sha256(data);
let server: TestServer;
const tmp = tempDir("fetchx-planted-");
let n = 0;
/** A fresh directory per case: what exists in it afterwards is part of the assertion. */
const fresh = () => {
  const d = tmp.file(`case-${++n}`);
  mkdirSync(d);
  return d;
};

beforeAll(async () => {
  server = await startServer({
    routes: {
      "/f": { body: data },
      "/small": { body: data.subarray(0, 20_000) },
      "/other": { body: data, etag: false, lastModified: false },
      "/plain": { body: data, etag: false, lastModified: false },
      "/slow": { body: data, rateBytesPerSec: 400_000 },
      "/cut-once": { body: data, etag: false, lastModified: false, faults: [truncateAfter(50_000, { times: 1 })] },
      "/cut": { body: data, faults: [truncateAfter(50_000)] },
    },
  });
});
afterAll(() => {
  server.stop();
  tmp.cleanup();
});

function mkfifo(path: string): void {
  if (Bun.spawnSync(["mkfifo", path]).exitCode !== 0) throw new Error(`mkfifo ${path} failed`);
}

/** A journal as an earlier fetchx (format 1: no self-check, no progress line) would have left it. */
function journal(url: string, done: [number, number][], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ format: "fetchx-journal", version: 1, url, size: SIZE, etag: null, lastModified: null, done, updated: "2026-01-01T00:00:00Z", ...extra }) + "\n";
}

/** The same with the self-check of versions 2 and 3 (a hash of the record; docs/JOURNAL.md), as fetchx writes it. */
function checkedJournal(url: string, done: [number, number][], extra: Record<string, unknown> = {}): string {
  const record = journal(url, done, extra).trim();
  return `${record.slice(0, -1)},"check":"${Bun.hash(record).toString(16)}"}\n`;
}

describe("planted links", () => {
  test("a link at NAME.part is refused: exit 23, its target untouched, nothing under NAME", async () => {
    const d = fresh();
    writeFileSync(`${d}/victim`, "precious");
    symlinkSync(`${d}/victim`, `${d}/out.part`);
    const r = await runCli([server.url("/f"), "-sS", "-o", `${d}/out`]);
    expect(r.code).toBe(23);
    expect(r.stderr.trim().split("\n")).toEqual([`fetchx: (23) cannot write ${d}/out.part: it is a symbolic link (refusing to write through it)`]);
    expect(readFileSync(`${d}/victim`, "utf8")).toBe("precious");
    expect(existsSync(`${d}/out`)).toBe(false);
  });

  test("a directory at NAME.part is refused before the request, named as one, and left as it was; -Z too", async () => {
    const d = fresh();
    mkdirSync(`${d}/out.part`);
    writeFileSync(`${d}/out.part/mine`, "precious");
    const before = server.requests.length;
    const r = await runCli([server.url("/f"), "-sS", "-o", `${d}/out`]);
    expect(r.code).toBe(23);
    expect(r.stderr.trim().split("\n")).toEqual([`fetchx: (23) cannot write ${d}/out.part: it is a directory (move it away or choose another output name)`]);
    expect(server.requests.length).toBe(before); // refused before a byte was asked for
    // Several URLs: the listing sees NAME.part, the download looks it up and refuses it; the other file is made.
    const z = await runCli(["-sS", "-Z", "-o", `${d}/out`, server.url("/f"), "-o", `${d}/other`, server.url("/f")]);
    expect(z.code).toBe(23);
    expect(z.stderr).toContain(`cannot write ${d}/out.part: it is a directory`);
    expect(await sha256(`${d}/other`)).toBe(SHA);
    expect(readdirSync(`${d}/out.part`)).toEqual(["mine"]);
    expect(readFileSync(`${d}/out.part/mine`, "utf8")).toBe("precious");
    expect(existsSync(`${d}/out`)).toBe(false);
  });

  test("a directory at NAME.fetchx or NAME.fetchx.tmp: the download completes with exit 0 and exact bytes, the directory stays; cut short, no resume is promised", async () => {
    for (const name of ["out.fetchx", "out.fetchx.tmp"]) {
      const d = fresh();
      mkdirSync(`${d}/${name}`);
      const r = await runCli([server.url("/f"), "-sS", "-o", `${d}/out`]);
      expect({ name, code: r.code, stderr: r.stderr }).toEqual({ name, code: 0, stderr: "" });
      expect(await sha256(`${d}/out`)).toBe(SHA);
      expect(readdirSync(d).sort()).toEqual(["out", name].sort());
    }
    const d = fresh();
    mkdirSync(`${d}/out.fetchx`);
    const cut = await runCli([server.url("/cut"), "-sS", "--retry", "0", "-o", `${d}/out`]);
    expect(cut.code).toBe(18);
    expect(cut.stderr).not.toContain("resume");
    expect(existsSync(`${d}/out`)).toBe(false);
  });

  test("a link at NAME.part with a journal and -C -: refused as well", async () => {
    const d = fresh();
    writeFileSync(`${d}/victim`, "precious");
    symlinkSync(`${d}/victim`, `${d}/out.part`);
    writeFileSync(`${d}/out.fetchx`, journal(server.url("/f"), [[0, 8]]));
    const r = await runCli([server.url("/f"), "-sS", "-C", "-", "-o", `${d}/out`]);
    expect(r.code).toBe(23);
    expect(readFileSync(`${d}/victim`, "utf8")).toBe("precious");
    expect(existsSync(`${d}/out`)).toBe(false);
  });

  test("a link planted at the journal's temp name during the download is not written through", async () => {
    // In process, so the journal is saved every 20 ms: the link is planted after the first save.
    const d = fresh();
    writeFileSync(`${d}/victim`, "precious");
    const running = download(server.url("/slow"), { output: `${d}/out`, journalIntervalMs: 20 });
    await waitFor(() => existsSync(`${d}/out.fetchx`), 5000, "the first journal");
    symlinkSync(`${d}/victim`, `${d}/out.fetchx.tmp`);
    // The next save takes the temp name: the link is gone then (removed, or renamed over the journal).
    await waitFor(() => !existsSync(`${d}/out.fetchx.tmp`), 5000, "a save after the link was planted");
    const r = await running;
    expect(r.exitCode).toBe(0);
    expect(readFileSync(`${d}/victim`, "utf8")).toBe("precious");
    expect(await sha256(`${d}/out`)).toBe(SHA);
  });
});

describe("the .part checked against its journal", () => {
  // Each: what is planted, the warning that names why it is not trusted. The download then starts over.
  const cases: [string, (d: string, url: string) => void, string][] = [
    ["an empty .part beside a complete journal", (d, url) => (writeFileSync(`${d}/out.part`, ""), writeFileSync(`${d}/out.fetchx`, journal(url, [[0, SIZE]]))), "has 0 bytes but its journal claims bytes up to 200000"],
    ["a shortened .part", (d, url) => (writeFileSync(`${d}/out.part`, data.subarray(0, 1000)), writeFileSync(`${d}/out.fetchx`, journal(url, [[0, SIZE]]))), "has 1000 bytes but its journal claims"],
    ["a longer .part", (d, url) => (writeFileSync(`${d}/out.part`, bytesOf(data, "tail")), writeFileSync(`${d}/out.fetchx`, journal(url, [[0, SIZE]]))), "has 200004 bytes but the file it belongs to has 200000"],
    ["a .part of another URL (same size, no validators)", (d) => (writeFileSync(`${d}/out.part`, new Uint8Array(SIZE).fill(7)), writeFileSync(`${d}/out.fetchx`, journal(server.url("/other"), [[0, 100_000]]))), "its journal is for another URL"],
    ["a journal that is not JSON", (d) => (writeFileSync(`${d}/out.part`, "x"), writeFileSync(`${d}/out.fetchx`, "{not json")), "journal is damaged (not JSON)"],
    ["ranges past the size", (d, url) => (writeFileSync(`${d}/out.part`, "x"), writeFileSync(`${d}/out.fetchx`, journal(url, [[0, SIZE + 1]]))), "journal is damaged (bad ranges)"],
    ["negative ranges", (d, url) => (writeFileSync(`${d}/out.part`, "x"), writeFileSync(`${d}/out.fetchx`, journal(url, [[-5, 10]]))), "journal is damaged (bad ranges)"],
    ["a version from the future", (d, url) => (writeFileSync(`${d}/out.part`, "x"), writeFileSync(`${d}/out.fetchx`, journal(url, [[0, 1]], { version: 9 }))), "journal version 9 is not supported"],
    // An unknown size (null) is version 3's alone, and only with a self-check that matches.
    ["an unknown size in a version 1 journal", (d, url) => (writeFileSync(`${d}/out.part`, "x"), writeFileSync(`${d}/out.fetchx`, journal(url, [[0, 1]], { size: null }))), "journal is damaged (bad size)"],
    ["version 3 without its self-check", (d, url) => (writeFileSync(`${d}/out.part`, "x"), writeFileSync(`${d}/out.fetchx`, journal(url, [[0, 1]], { version: 3, size: null }))), "journal is damaged (its check does not match)"],
    // A FIFO would block a read of it (and the process with it, signals included) until a writer came.
    ["a FIFO at NAME.fetchx", (d) => (writeFileSync(`${d}/out.part`, "x"), mkfifo(`${d}/out.fetchx`)), "its journal is not a regular file"],
    ["an unknown size claiming more than the .part holds", (d, url) => (writeFileSync(`${d}/out.part`, data.subarray(0, 1000)), writeFileSync(`${d}/out.fetchx`, checkedJournal(url, [[0, 5000]], { version: 3, size: null }))), "has 1000 bytes but its journal claims bytes up to 5000"],
  ];
  test.each(cases)("%s: says why, starts over, exact bytes (with and without -C -)", async (_name, plant, why) => {
    for (const resume of [false, true]) {
      const d = fresh();
      plant(d, server.url("/plain"));
      const r = await runCli([server.url("/plain"), "-S", "--progress", "none", "-o", `${d}/out`, ...(resume ? ["-C", "-"] : [])]);
      expect(r.code).toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(why);
      expect(r.stderr).toContain("starting over");
      expect(await sha256(`${d}/out`)).toBe(SHA);
      expect(readdirSync(d)).toEqual(["out"]);
    }
  });

  test("a .part that matches its journal is resumed: only the missing bytes are asked for", async () => {
    const d = fresh();
    writeFileSync(`${d}/out.part`, data.subarray(0, 150_000));
    writeFileSync(`${d}/out.fetchx`, journal(server.url("/plain"), [[0, 150_000]]));
    const before = server.requests.length;
    const r = await runCli([server.url("/plain"), "-sS", "-C", "-", "-o", `${d}/out`]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(server.requests.slice(before).map((q) => q.headers["range"])).toEqual(["bytes=150000-199999"]);
    expect(await sha256(`${d}/out`)).toBe(SHA);
  });

  test("with -C -, a journal of another URL with a validator the server confirms is a mirror: resumed", async () => {
    const d = fresh();
    const first = await runCli([server.url("/f"), "-sS", "-o", `${d}/ref`]);
    expect(first.code).toBe(0);
    const etag = server.requests.length && (await fetch(server.url("/f"), { method: "HEAD" })).headers.get("etag");
    writeFileSync(`${d}/out.part`, data.subarray(0, 150_000));
    writeFileSync(`${d}/out.fetchx`, journal("http://mirror.invalid/f", [[0, 150_000]], { etag }));
    const r = await runCli([server.url("/f"), "-sS", "-C", "-", "-o", `${d}/out`]);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(server.requests.at(-1)!.headers["range"]).toBe("bytes=150000-199999");
    expect(await sha256(`${d}/out`)).toBe(SHA);
  });
});

/** The journal's synced record with one field changed, its check left as it was. */
function semantic(journal: Uint8Array, random: () => number): Uint8Array {
  const [first, ...rest] = new TextDecoder().decode(journal).split("\n");
  const j = JSON.parse(first!);
  const pick = Math.floor(random() * 4);
  if (pick === 0) j.done = [[0, 50_000 + 1 + Math.floor(random() * 100_000)]];
  else if (pick === 1) j.done = [[0, 50_000], [60_000, 60_000 + Math.floor(1 + random() * 100_000)]];
  else if (pick === 2) j.size = SIZE - 1;
  else j.url = j.url.replace("/cut-once", "/plain");
  return new TextEncoder().encode([JSON.stringify(j), ...rest].join("\n"));
}

describe("bounded fuzz", () => {
  test("40 seeded mutations of a journal fetchx wrote: never a crash, always the exact bytes", async () => {
    // A real journal: the first answer is cut after 50 000 bytes (no validators, so only the journal's own
    // check and the .part's length stand between a mutated claim and zeros in the file).
    const src = fresh();
    const first = await runCli([server.url("/cut-once"), "-sS", "--retry", "0", "-o", `${src}/out`]);
    expect(first.code).toBe(18);
    const good = readFileSync(`${src}/out.fetchx`);
    // A .part of the full size, right bytes where claimed, zeros after: a claim grown by a mutation would
    // show as a wrong sha256.
    const part = new Uint8Array(SIZE);
    part.set(data.subarray(0, 50_000));
    const random = seededRandom(2024);
    let resumed = 0;
    for (let i = 0; i < 40; i++) {
      const d = fresh();
      writeFileSync(`${d}/out.part`, part);
      // Odd runs: bytes flipped anywhere; even runs: a field changed as JSON (a claim grown, the size, the URL),
      // which parses and fits the .part: only the record's own check can catch it.
      const mutated = i === 0 ? good : i % 2 ? mutate(good, random, 1 + Math.floor(random() * 4)) : semantic(good, random);
      writeFileSync(`${d}/out.fetchx`, mutated);
      const r = await runCli([server.url("/cut-once"), "-S", "--progress", "none", "-C", "-", "-o", `${d}/out`]);
      const what = `mutation ${i}: ${new TextDecoder().decode(mutated).slice(0, 300)} -> exit ${r.code}, ${r.stderr}`;
      if (r.code !== 0 || (await sha256(`${d}/out`)) !== SHA || r.stderr.trim().split("\n").length > 1) throw new Error(`wrong outcome: ${what}`);
      expect(readdirSync(d)).toEqual(["out"]);
      if (!r.stderr.includes("starting over")) resumed++;
    }
    expect(resumed).toBeGreaterThanOrEqual(1); // the unmutated journal at least was resumed
  }, 30_000); // 41 processes one after another

  test("60 seeded mutations of a chunked answer: exact bytes, or an error and nothing under the name", async () => {
    const random = seededRandom(7);
    const small = data.subarray(0, 20_000);
    const smallSha = await sha256(small);
    const good = bytesOf(head("200 OK", [["Transfer-Encoding", "chunked"], ["Content-Type", "application/octet-stream"]]), chunked(small, 3000));
    const routes: Record<string, { raw: Uint8Array; rawEnd: "close" }> = {};
    for (let i = 0; i < 60; i++) routes[`/m${i}`] = { raw: mutate(good, random, 1 + Math.floor(random() * 3)), rawEnd: "close" };
    const fuzz = await startServer({ routes });
    try {
      const d = fresh();
      const outcomes = [0, 0];
      for (let i = 0; i < 60; i++) {
        const out = `${d}/m${i}`;
        const r = await runCli([fuzz.url(`/m${i}`), "-sS", "--retry", "0", "-o", out], { timeoutMs: 10_000 });
        expect(r.timedOut).toBe(false);
        expect(r.code).not.toBe(43);
        outcomes[r.code === 0 ? 0 : 1]++;
        if (r.code === 0) {
          // A mutation inside chunk data changes the payload itself: curl 7.88, decoding the same bytes, is
          // the reference for what the payload is.
          const viaCurl = await runCommand(["curl", "-s", "-o", `${out}.curl`, fuzz.url(`/m${i}`)]);
          expect(`mutation ${i}: curl exit ${viaCurl.code}`).toBe(`mutation ${i}: curl exit 0`);
          expect(await sha256(out)).toBe(await sha256(`${out}.curl`));
        } else {
          expect(r.stderr.trim().split("\n")).toHaveLength(1);
          expect(existsSync(out)).toBe(false);
        }
      }
      console.log(`chunked fuzz: ${outcomes[0]} accepted (same bytes as curl), ${outcomes[1]} refused`);
      expect(Math.min(...outcomes)).toBeGreaterThan(0); // both paths were taken
      // Unmutated, the same server gives the exact bytes (the fuzz is not failing for another reason).
      const clean = await startServer({ routes: { "/c": { raw: good, rawEnd: "close" } } });
      const r = await runCli([clean.url("/c"), "-sS", "-o", `${d}/clean`]);
      clean.stop();
      expect(r.code).toBe(0);
      expect(await sha256(`${d}/clean`)).toBe(smallSha);
    } finally {
      fuzz.stop();
    }
  }, 30_000); // 60 to 120 processes one after another
});

test("the journal is removed and the .part renamed on success; nothing else is left", async () => {
  const d = fresh();
  const r = await runCli([server.url("/f"), "-sS", "-o", `${d}/out`]);
  expect(r.code).toBe(0);
  expect(readdirSync(d)).toEqual(["out"]);
  expect(existsSync(partOf(`${d}/out`)) || existsSync(journalOf(`${d}/out`))).toBe(false);
  truncateSync(`${d}/out`, 0);
});

// What is already at the output name, or what the name itself is, met as curl 7.88 meets it where that
// keeps a user's file safe (its permissions, its owner, a file fetchx never wrote), and never worse.
describe("what is at the output name", () => {
  const CURL = Bun.which("curl");
  const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");
  /** As the user nobody (setpriv), in a directory everyone may write. */
  const asNobody = (cmd: string[], cwd: string) => runCommand(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", ...cmd], { cwd });

  test("-o /proc/self/fd/1 and -o /dev/fd/1: written through to standard output, as curl (it was exit 23: NAME.part)", async () => {
    for (const name of ["/proc/self/fd/1", "/dev/fd/1"]) {
      const r = await runCli(["-sS", "-o", name, server.url("/f")]);
      expect({ name, code: r.code, stderr: r.stderr }).toEqual({ name, code: 0, stderr: "" });
      expect(await sha256(r.stdout)).toBe(SHA);
    }
  });

  test.skipIf(Bun.spawnSync(["unshare", "-m", "true"]).exitCode !== 0)("-o /dev/stdout with standard output a file: the bytes go to the file and /dev/stdout stays a link (a private /dev)", async () => {
    const d = fresh();
    // A mount namespace of its own with a tmpfs /dev holding the links: the machine's /dev is never at stake.
    const script = `mount -t tmpfs tmpfs /dev && ln -s /proc/self/fd/1 /dev/stdout && ln -s /proc/self/fd /dev/fd && "$@" -sS -o /dev/stdout ${server.url("/f")} > out; echo "exit $? $(readlink /dev/stdout)"`;
    const r = await runCommand(["unshare", "-m", "sh", "-c", script, "sh", ...fetchxCommand()], { cwd: d });
    expect(text(r.stdout).trim()).toBe("exit 0 /proc/self/fd/1");
    expect(await sha256(readFileSync(`${d}/out`))).toBe(SHA);
  });

  test.skipIf(!CURL)("a file already at the name keeps its permissions and owner, as curl's write into it does (fetchx's rename gave 0644 and root)", async () => {
    const d = fresh();
    const stats: Record<string, string> = {};
    for (const [who, argv] of [["curl", [CURL!]], ["fetchx", fetchxCommand()]] as const) {
      for (const [name, mode] of [["secret", 0o600], ["tool", 0o755], ["shared", 0o664]] as const) {
        const file = `${d}/${who}-${name}`;
        writeFileSync(file, "old\n");
        chmodSync(file, mode);
        chownSync(file, 65534, 65534);
        const r = await runCommand([...argv, "-sS", "-o", file, server.url("/f")]);
        expect(r.code).toBe(0);
        expect(await sha256(readFileSync(file))).toBe(SHA);
        const st = statSync(file);
        stats[`${who}-${name}`] = `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
      }
    }
    for (const name of ["secret", "tool", "shared"]) expect(stats[`fetchx-${name}`]).toBe(stats[`curl-${name}`]!);
    expect(stats["fetchx-secret"]).toBe("600 65534:65534");
  });

  test.skipIf(!CURL || !nobodyRunsFetchx())("as another user, a file at the name that user may not write is refused: exit 23 as curl, the file as it was (fetchx renamed over it)", async () => {
    const d = fresh();
    chmodSync(tmp.path, 0o755);
    chmodSync(d, 0o777);
    for (const who of ["curl", "fetchx"]) {
      writeFileSync(`${d}/${who}.bin`, "root's\n"); // root's, 0644: nobody may not write it
      const r = await asNobody([...(who === "curl" ? [CURL!] : fetchxCommand()), "-sS", "-o", `${who}.bin`, server.url("/f")], d);
      expect({ who, code: r.code }).toEqual({ who, code: 23 });
      expect(readFileSync(`${d}/${who}.bin`, "utf8")).toBe("root's\n");
      if (who === "fetchx") expect(r.stderr.trim().split("\n")).toEqual([`fetchx: (23) cannot write fetchx.bin: permission denied`]);
    }
  });

  test("--remove-on-error removes what this run wrote, never a file that was there before (it was deleted), nor a directory (it was a stack trace)", async () => {
    const d = fresh();
    writeFileSync(`${d}/old.bin`, "old\n");
    const refused = await runCli(["-sS", "--retry", "0", "--remove-on-error", "-o", "old.bin", "http://127.0.0.1:1/"], { cwd: d });
    expect(refused.code).toBe(7);
    const missing = await runCli(["-sSf", "--remove-on-error", "-o", "old.bin", server.url("/missing")], { cwd: d });
    expect(missing.code).toBe(22);
    expect(readFileSync(`${d}/old.bin`, "utf8")).toBe("old\n");
    mkdirSync(`${d}/dir.bin`);
    const dir = await runCli(["-sSf", "--remove-on-error", "-o", "dir.bin", server.url("/missing")], { cwd: d });
    expect(dir.code).toBe(22);
    expect(dir.stderr.trim().split("\n")).toHaveLength(1);
    // Cut short: the .part and journal go, and the error line promises no resume.
    const cut = await runCli(["-sS", "--retry", "0", "--remove-on-error", "-o", "cut.bin", server.url("/cut")], { cwd: d });
    expect(cut.code).toBe(18);
    expect(cut.stderr).not.toContain("resume");
    expect(readdirSync(d).sort()).toEqual(["dir.bin", "old.bin"]);
  });

  test("a hard link at NAME.part with its journal and -C -: refused, exit 23; the other file untouched", async () => {
    const d = fresh();
    const first = await runCli(["-sS", "--retry", "0", "-o", "x.bin", server.url("/cut")], { cwd: d });
    expect(first.code).toBe(18);
    const before = readFileSync(`${d}/x.bin.part`);
    Bun.spawnSync(["cp", `${d}/x.bin.part`, `${d}/victim`]);
    Bun.spawnSync(["rm", `${d}/x.bin.part`]);
    Bun.spawnSync(["ln", `${d}/victim`, `${d}/x.bin.part`]);
    const r = await runCli(["-sS", "-C", "-", "-o", "x.bin", server.url("/f")], { cwd: d });
    expect(r.code).toBe(23);
    expect(r.stderr).toContain("other hard links");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(Buffer.compare(readFileSync(`${d}/victim`), before)).toBe(0);
    expect(existsSync(`${d}/x.bin`)).toBe(false);
  });

  test.skipIf(!CURL)("a FIFO whose reader leaves early: exit 23 as curl, no hang (the FIFO was opened read-write)", async () => {
    const d = fresh();
    for (const who of ["curl", "fetchx"]) {
      mkfifo(`${d}/${who}.fifo`);
      const reader = Bun.spawn(["head", "-c", "100", `${d}/${who}.fifo`], { stdout: "ignore" });
      const r = await runCommand([...(who === "curl" ? [CURL!] : fetchxCommand()), "-sS", "--retry", "0", "-o", `${who}.fifo`, server.url("/f")], { cwd: d, timeoutMs: 10_000 });
      await reader.exited;
      expect({ who, code: r.code, timedOut: r.timedOut }).toEqual({ who, code: 23, timedOut: false });
    }
  });

  test("an argument that is not UTF-8: exit 2 before anything is written (it named the U+FFFD file)", async () => {
    const d = fresh();
    const replacement = `${d}/\uFFFD.bin`;
    writeFileSync(replacement, "another file\n");
    // The name's byte 0xff reaches fetchx raw only through a shell (a JavaScript string is UTF-8).
    const r = await runCommand(["sh", "-c", `"$@" -sS -o "$(printf '\\377.bin')" ${server.url("/f")}`, "sh", ...fetchxCommand()], { cwd: d });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(readFileSync(replacement, "utf8")).toBe("another file\n");
    expect(readdirSync(d)).toEqual(["\uFFFD.bin"]);
  });

  test.skipIf(Bun.spawnSync(["unshare", "-m", "true"]).exitCode !== 0)("a file bind-mounted at the name (a container's single-file mount): its bytes are replaced in place, small and streamed (a rename over it failed: 23, on every rerun)", async () => {
    const d = fresh();
    writeFileSync(`${d}/host.conf`, "the host's\n");
    writeFileSync(`${d}/mounted`, "");
    const f = fetchxCommand().map((a) => `'${a}'`).join(" ");
    // A small body (held, committed with the batch) and a large one (streamed into NAME.part).
    const script = `mount --bind host.conf mounted && ${f} -sS -o mounted ${server.url("/small")}; echo "$? $(sha256sum < mounted)"; ${f} -sS -o mounted ${server.url("/f")}; echo "$?"; ls`;
    const r = await runCommand(["unshare", "-m", "sh", "-c", script], { cwd: d });
    const lines = text(r.stdout).split("\n");
    expect(lines[0]).toBe(`0 ${await sha256(data.subarray(0, 20_000))}  -`);
    expect(lines[1]).toBe("0");
    expect(r.stderr).toBe("");
    expect(text(r.stdout)).not.toContain(".part");
    expect(await sha256(readFileSync(`${d}/host.conf`))).toBe(SHA);
  });

  test("a name with no room for NAME.fetchx.tmp (247 bytes): cut short, no resume promised; -C - then starts over (it was exit 56)", async () => {
    const d = fresh();
    const name = `${"n".repeat(243)}.bin`;
    const cut = await runCli(["-S", "--progress", "none", "--retry", "0", "-o", name, server.url("/cut")], { cwd: d });
    expect(cut.code).toBe(18);
    expect(cut.stderr).toContain("no journal");
    expect(cut.stderr).not.toContain("run it again to resume");
    const again = await runCli(["-sS", "-C", "-", "-o", name, server.url("/f")], { cwd: d });
    expect(again.code).toBe(0);
    expect(await sha256(readFileSync(`${d}/${name}`))).toBe(SHA);
  });
});
