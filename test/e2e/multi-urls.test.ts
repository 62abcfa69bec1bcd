// Many URLs in one run: several arguments, --input-file (file and stdin, comments), -Z/--parallel with
// --parallel-max, the summary line, and a failure that neither stops the others nor hides its exit code.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { randomBytes, runCli, runCommand, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { stallAfter } from "../servers/faults.ts";

const files = [1, 2, 3, 4].map((i) => randomBytes(200 * 1024 + i, 100 + i));
/** Bodies under 64 KiB: held in memory and written at the commit, the path of many small files. */
const small = [1, 2].map((i) => randomBytes(32 * 1024 + i, 200 + i));
const smallRoutes = Object.fromEntries(small.map((body, i) => [`/s${i + 1}.bin`, { body }]));
const tmp = tempDir("fetchx-multi-");
let server: TestServer;
let slow: TestServer;
let stamped: TestServer;
/** When each request to `stamped` arrived (ms, this process's clock). */
const arrivals: number[] = [];

beforeAll(async () => {
  const routes = Object.fromEntries(files.map((body, i) => [`/f${i + 1}.bin`, { body }]));
  // /stall sends 50,000 bytes of its body, then nothing more (the connection stays open).
  server = await startServer({ routes: { ...routes, ...smallRoutes, "/stall": { body: files[0]!, faults: [stallAfter(50_000)] } } });
  // 200 KiB at 100 KiB/s per connection: each body takes ~2 s, so parallel transfers overlap.
  slow = await startServer({ routes, rateBytesPerSec: 100 * 1024 });
  stamped = await startServer({ routes: { "/t": () => (arrivals.push(performance.now()), { body: "t\n" }) } });
});
afterAll(() => {
  server.stop();
  slow.stop();
  stamped.stop();
  tmp.cleanup();
});

async function expectFiles(dir: string, which: number[]) {
  for (const i of which) expect(await sha256(readFileSync(join(dir, `f${i}.bin`)))).toBe(await sha256(files[i - 1]!));
}

describe("several URLs", () => {
  test("arguments with -O --output-dir: every file, and a summary on stderr", async () => {
    const dir = join(tmp.path, "args");
    const r = await runCli([server.url("/f1.bin"), server.url("/f2.bin"), server.url("/f3.bin"), "-O", "--output-dir", dir, "--create-dirs", "-S"]);
    expect(r.code).toBe(0);
    await expectFiles(dir, [1, 2, 3]);
    expect(r.stderr).toMatch(/^3 ok, 0 failed: 600 KiB in \d+s/m);
  });

  test("--input-file: comments and blank lines skipped; '-' reads standard input", async () => {
    const list = `# mirrors\n\n  ${server.url("/f1.bin")}  \n# ${server.url("/f2.bin")}\n${server.url("/f4.bin")}\n`;
    const listPath = tmp.file("list.txt");
    writeFileSync(listPath, list);
    const dir1 = join(tmp.path, "in1");
    let r = await runCli(["--input-file", listPath, "-O", "--output-dir", dir1, "--create-dirs", "-s"]);
    expect(r.code).toBe(0);
    await expectFiles(dir1, [1, 4]);
    expect(() => readFileSync(join(dir1, "f2.bin"))).toThrow();
    const dir2 = join(tmp.path, "in2");
    r = await runCli([server.url("/f3.bin"), "--input-file", "-", "-O", "--output-dir", dir2, "--create-dirs", "-s"], { stdin: list });
    expect(r.code).toBe(0);
    await expectFiles(dir2, [1, 3, 4]);
  });

  test("a failure in the middle: the others complete, exit code is the failure's, summary counts it", async () => {
    const dir = join(tmp.path, "fail");
    const r = await runCli([server.url("/f1.bin"), server.url("/missing.bin"), server.url("/f2.bin"), "-f", "-O", "--output-dir", dir, "--create-dirs"]);
    expect(r.code).toBe(22);
    await expectFiles(dir, [1, 2]);
    expect(r.stderr).toContain("404");
    expect(r.stderr).toMatch(/2 ok, 1 failed/);
  });

  test("without -O several URLs go to stdout one after another", async () => {
    const r = await runCli([server.url("/f1.bin"), server.url("/f2.bin"), "-s"]);
    expect(r.code).toBe(0);
    expect(await sha256(r.stdout)).toBe(await sha256(new Uint8Array([...files[0]!, ...files[1]!])));
  });

  test("-o pairs with the URLs in order (as curl); URLs past the last -o follow -O", async () => {
    const dir = tmp.file("paired");
    const r = await runCli([server.url("/f1.bin"), server.url("/f2.bin"), server.url("/f3.bin"), "-o", `${dir}/one`, "-o", `${dir}/two`, "-O", "--output-dir", dir, "--create-dirs", "-sS"]);
    expect(r.code).toBe(0);
    expect(await sha256(readFileSync(`${dir}/one`))).toBe(await sha256(files[0]!));
    expect(await sha256(readFileSync(`${dir}/two`))).toBe(await sha256(files[1]!));
    expect(await sha256(readFileSync(`${dir}/f3.bin`))).toBe(await sha256(files[2]!));
  });

  test("more -o than URLs: a warning, as curl's, and the first -o names the file", async () => {
    const r = await runCli([server.url("/f1.bin"), "-o", tmp.file("x"), "-o", tmp.file("y"), "-S"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("2 output options (-o, -O) for 1 URL(s): the last 1 name nothing");
    expect(await sha256(readFileSync(tmp.file("x")))).toBe(await sha256(files[0]!));
    expect(existsSync(tmp.file("y"))).toBe(false);
  });

  test("usage errors: two URLs to one file at once (-Z), empty input file, bad --parallel-max", async () => {
    const empty = tmp.file("empty.txt");
    writeFileSync(empty, "# nothing\n\n");
    for (const args of [
      ["-Z", server.url("/f1.bin"), server.url("/f1.bin"), "-O", "--output-dir", tmp.path],
      ["-Z", server.url("/f1.bin"), server.url("/f2.bin"), "-o", tmp.file("same"), "-o", tmp.file("same")],
      ["--input-file", empty],
      ["--parallel-max", "many", "-Z", server.url("/f1.bin")],
    ]) {
      const r = await runCli([...args, "-sS"]);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
    }
    const missing = await runCli(["--input-file", tmp.file("nope.txt"), "-sS"]);
    expect(missing.code).toBe(26);
  });

  test("one after another, two URLs may write one file: the last one's body stays, with a warning (as curl, which says nothing)", async () => {
    const same = tmp.file("same-seq");
    const r = await runCli(["-S", server.url("/f1.bin"), server.url("/f2.bin"), "-o", same, "-o", same]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`several URLs write ${same}: the last one's body stays`);
    expect(await sha256(readFileSync(same))).toBe(await sha256(files[1]!));
    expect(existsSync(`${same}.part`)).toBe(false);
  });

  test("one after another, two spellings of one file (a, ./a, d/../a, a link to the directory) are one file: exit 0, the last body, no .part left", async () => {
    // The commit overlap was decided on the names as spelled: the second transfer began ./a.part while the
    // first still committed a.part, and the run failed with 23 ("cannot write ./a").
    // up/../a is d/a, as the kernel follows up to d/sub first (by its letters alone it would be a).
    for (const [one, other] of [["a", "./a"], ["d/../a", "a"], ["a", "here/a"], ["d/a", "there/a"], ["d/a", "up/../a"]]) {
      const cwd = join(tmp.path, `spell-${one.replaceAll("/", "_")}-${other.replaceAll("/", "_")}`);
      mkdirSync(join(cwd, "d", "sub"), { recursive: true });
      symlinkSync(".", join(cwd, "here"));
      symlinkSync("d", join(cwd, "there"));
      symlinkSync("d/sub", join(cwd, "up"));
      const r = await runCli(["-S", server.url("/s1.bin"), server.url("/s2.bin"), "-o", one!, "-o", other!], { cwd });
      expect({ one, other, code: r.code }).toEqual({ one, other, code: 0 });
      expect(r.stderr).toContain(`several URLs write ${other}: the last one's body stays (as curl)`);
      expect(r.stderr).not.toContain("cannot write");
      const file = join(cwd, one!.startsWith("d/a") ? "d/a" : "a");
      expect(await sha256(readFileSync(file))).toBe(await sha256(small[1]!));
      expect(existsSync(`${file}.part`)).toBe(false);
    }
  });

  test("-Z: a name through a link to its directory is the same file, refused up front as any other repeat", async () => {
    const cwd = join(tmp.path, "spell-z");
    mkdirSync(join(cwd, "d"), { recursive: true });
    symlinkSync(".", join(cwd, "here"));
    symlinkSync("d", join(cwd, "there"));
    // The second pair's directory is not there yet: --create-dirs would make d/new for both.
    for (const [one, other] of [["a", "here/a"], ["there/new/a", "d/new/a"]]) {
      const r = await runCli(["-sS", "-Z", "--create-dirs", server.url("/s1.bin"), server.url("/s2.bin"), "-o", one!, "-o", other!], { cwd });
      expect({ one, other, code: r.code }).toEqual({ one, other, code: 2 });
      expect(r.stderr).toContain(`two URLs would write the same file ${other} at once (-Z)`);
    }
    expect(existsSync(join(cwd, "a"))).toBe(false);
    expect(existsSync(join(cwd, "d", "new"))).toBe(false);
  });

  test("-Z with bodies on standard output: one at a time, each whole, in order (curl interleaves them as they come)", async () => {
    const r = await runCli(["-sSZ", server.url("/f1.bin"), server.url("/f2.bin"), server.url("/f1.bin")]);
    expect(r.code).toBe(0);
    expect(await sha256(r.stdout)).toBe(await sha256(Buffer.concat([files[0]!, files[1]!, files[0]!])));
  });

  test("several URLs to /dev/null, as curl takes them (one after another and with -Z); a FIFO only one after another", async () => {
    const urls = [server.url("/f1.bin"), server.url("/f2.bin")];
    for (const extra of [[], ["-Z"]]) {
      const r = await runCli([...extra, "-sS", "-w", "%{size_download}\n", "-o", "/dev/null", urls[0]!, "-o", "/dev/null", urls[1]!]);
      expect({ extra, code: r.code, sizes: new TextDecoder().decode(r.stdout).trim().split("\n").map(Number).sort() }).toEqual({ extra, code: 0, sizes: [files[0]!.length, files[1]!.length].sort() });
    }
    const fifo = tmp.file("fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const r = await runCli(["-Z", "-sS", "-o", fifo, urls[0]!, "-o", fifo, urls[1]!]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`two URLs would write the same file ${fifo}`);
  });
});

/** A character device like /dev/null (1:3) made in `dir`, or null where nodes cannot be made or opened there. */
function nullDevice(dir: string): string | null {
  mkdirSync(dir, { recursive: true });
  const node = join(dir, "null");
  if (Bun.spawnSync(["mknod", "-m", "666", node, "c", "1", "3"]).exitCode !== 0) return null;
  try {
    writeFileSync(node, "x"); // a file system mounted nodev refuses to open it
    return node;
  } catch {
    return null;
  }
}
const device = nullDevice(tmp.file("device"));

describe("a device as the output", () => {
  test.skipIf(!device)("a journal and a .part link planted beside a device are not used: the bytes go to the device, the planted files stay", async () => {
    const node = device!;
    const victim = tmp.file("device-victim");
    writeFileSync(victim, "keep");
    writeFileSync(`${node}.fetchx`, "{}");
    symlinkSync(victim, `${node}.part`);
    for (const extra of [[], ["-Z"]]) {
      const r = await runCli([...extra, "-sS", "-w", "%{size_download}\n", "-o", node, server.url("/f1.bin"), "-o", node, server.url("/f2.bin")]);
      expect({ extra, code: r.code, stderr: r.stderr, sizes: new TextDecoder().decode(r.stdout).trim().split("\n").map(Number).sort() }).toEqual({ extra, code: 0, stderr: "", sizes: [files[0]!.length, files[1]!.length].sort() });
    }
    expect(statSync(node).isCharacterDevice()).toBe(true);
    expect(readFileSync(`${node}.fetchx`, "utf8")).toBe("{}");
    expect(lstatSync(`${node}.part`).isSymbolicLink()).toBe(true);
    expect(readFileSync(victim, "utf8")).toBe("keep");
  });
});

describe("--parallel", () => {
  test("-Z runs the transfers at the same time; --parallel-max caps them", async () => {
    const urls = [1, 2, 3, 4].map((i) => slow.url(`/f${i}.bin`));
    const run = async (extra: string[], dir: string) => {
      let peak = 0;
      let finished = false;
      const sample = (async () => {
        while (!finished) {
          peak = Math.max(peak, slow.open);
          await Bun.sleep(5);
        }
      })();
      const r = await runCli([...urls, "-O", "--output-dir", dir, "--create-dirs", "-s", ...extra], { timeoutMs: 60_000 });
      finished = true;
      await sample;
      expect(r.code).toBe(0);
      await expectFiles(dir, [1, 2, 3, 4]);
      return peak;
    };
    // Four ~2 s bodies at once: all four connections are open together at some point.
    expect(await run(["-Z"], join(tmp.path, "p4"))).toBe(4);
    expect(await run(["-Z", "--parallel-max", "2"], join(tmp.path, "p2"))).toBe(2);
  }, 60_000);

  test("-Z: a failing transfer does not stop the parallel ones", async () => {
    const dir = join(tmp.path, "pf");
    const r = await runCli([slow.url("/f1.bin"), slow.url("/nope"), slow.url("/f2.bin"), "-Z", "-f", "-O", "--output-dir", dir, "--create-dirs"], { timeoutMs: 60_000 });
    expect(r.code).toBe(22);
    await expectFiles(dir, [1, 2]);
    expect(r.stderr).toMatch(/2 ok, 1 failed/);
  }, 60_000);

  // curl 7.79 and later (7.88 here): -Z --fail-early ends the transfers still running when one fails (their
  // error is 42, "aborted by callback"), and the run exits with the failure's code. fetchx waited for them:
  // a stalled one kept the run alive until -m. (Two servers: curl -Z holds a second request to one host
  // until the first answer says whether it multiplexes.)
  test("-Z --fail-early: the first failure stops the transfers still running, and is the exit code", async () => {
    const dir = join(tmp.path, "fe");
    mkdirSync(dir, { recursive: true });
    const args = ["-Z", "--fail-early", "-f", "--retry", "0", "-m", "30", "-o", "stalled", "-o", "missing", server.url("/stall"), stamped.url("/nope")];
    const curl = Bun.which("curl");
    if (curl) {
      const curlDir = join(tmp.path, "fe-curl");
      mkdirSync(curlDir, { recursive: true });
      expect((await runCommand([curl, "-s", ...args], { cwd: curlDir, timeoutMs: 60_000 })).code).toBe(22);
    }
    const r = await runCli(args, { cwd: dir, timeoutMs: 60_000 });
    expect(r.code).toBe(22);
    expect(r.stderr).toMatch(/\(42\) stalled: stopped: another transfer failed/);
    expect(r.stderr).toMatch(/\(22\) /);
    // The stopped transfer's bytes stay resumable; nothing takes the final name.
    expect(existsSync(join(dir, "stalled"))).toBe(false);
  }, 60_000);
});

describe("--rate", () => {
  // Between arrivals after the first: the first request also waits for its connection, the others reuse it.
  // Each arrival is a start plus its own delay in reaching the server, which a busy machine stretches for
  // one request and not the next: the bounds leave room for that (unspaced requests arrive ~1 ms apart).
  const gaps = () => arrivals.slice(2).map((t, i) => t - arrivals[i + 1]!);
  const four = () => [1, 2, 3, 4].flatMap(() => ["-o", "/dev/null", stamped.url("/t")]);

  test("--rate 20/s: four transfers started at least 50 ms apart, as curl 7.88 spaces them", async () => {
    for (const cmd of [[], ["curl"]]) {
      arrivals.length = 0;
      const args = ["-s", "--rate", "20/s", ...four()];
      const r = cmd.length ? await runCommand([...cmd, ...args]) : await runCli(args);
      expect(r.code).toBe(0);
      expect({ cmd, n: arrivals.length, short: gaps().filter((g) => g < 35) }).toEqual({ cmd, n: 4, short: [] });
    }
  });

  test("5/1s (curl 8.10's form) is 200 ms; -Z ignores --rate (as curl); 0 is refused (exit 2)", async () => {
    arrivals.length = 0;
    expect((await runCli(["-s", "--rate", "5/1s", ...four().slice(0, 9)])).code).toBe(0);
    expect(gaps()[0]).toBeGreaterThanOrEqual(150);
    arrivals.length = 0;
    expect((await runCli(["-s", "-Z", "--rate", "1/h", ...four()])).code).toBe(0);
    expect(arrivals.length).toBe(4);
    expect((await runCli(["-s", "--rate", "0", stamped.url("/t")])).code).toBe(2);
  });
});
