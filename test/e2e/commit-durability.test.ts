// What each file's commit costs and guarantees, seen from the system calls (strace): a transfer done before
// the first journal save is due writes no journal at all, and every file's data is synced (fdatasync, or
// fsync when a small body is created, written and synced in one go) before rename(NAME.part, NAME), once;
// in a -Z run, small files may instead share one syncfs begun after their writes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fetchxCommand, randomBytes, REPO_ROOT, runCommand, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type TestServer } from "../servers/http.ts";
import { WRITE_BEHIND_BYTES } from "../../src/sink/file.ts";

const STRACE = Bun.which("strace");
const files = Array.from({ length: 12 }, (_, i) => randomBytes(32 * 1024 + i, 300 + i));
const bigger = randomBytes(256 * 1024, 399);
const large = randomBytes(80 << 20, 398);
const tmp = tempDir("fetchx-commit-");
let server: TestServer;

beforeAll(async () => {
  server = await startServer({
    routes: {
      ...Object.fromEntries(files.map((body, i) => [`/f${i}.bin`, { body }])),
      // 32 KiB in pieces of about 1.3 KiB, 5 ms apart: the body comes in many reads, as over a real network.
      "/slow.bin": { body: files[1]!, rateBytesPerSec: 256 * 1024 },
      // 256 KiB the same way: past the first 64 KiB the journal is kept (a kill then loses little).
      "/slow-big.bin": { body: bigger, rateBytesPerSec: 1024 * 1024 },
      "/large.bin": { body: large },
    },
  });
});
afterAll(() => {
  server?.stop();
  tmp.cleanup();
});

interface Call {
  pid: number;
  name: string;
  args: string;
  ret: number;
  /** Lines of the log where the call began and where it returned (the same line unless it was split). */
  start: number;
  end: number;
}

/** The calls of an `strace -f -o` log in completion order, with split (unfinished/resumed) lines joined. */
function calls(log: string): Call[] {
  const pending = new Map<string, { text: string; start: number }>();
  const out: Call[] = [];
  for (const [at, line] of log.split("\n").entries()) {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, pid, rest] = m as unknown as [string, string, string];
    if (rest.endsWith("<unfinished ...>")) {
      pending.set(pid, { text: rest.slice(0, -"<unfinished ...>".length), start: at });
      continue;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    const begun = resumed ? pending.get(pid) : undefined;
    const text = resumed ? (begun?.text ?? "") + resumed[1] : rest;
    pending.delete(pid);
    const c = /^(\w+)\((.*)\)\s*=\s*(-?\d+)/.exec(text);
    if (c) out.push({ pid: Number(pid), name: c[1]!, args: c[2]!, ret: Number(c[3]), start: begun?.start ?? at, end: at });
  }
  return out;
}

/** Each final name's .part was synced (on the fd opened for it) before the rename that made it. */
function syncedBeforeRename(trace: Call[], dir: string): { renamed: string[]; syncs: Map<string, number> } {
  const fdPath = new Map<number, string>();
  const syncs = new Map<string, number>();
  const renamed: string[] = [];
  for (const c of trace) {
    const path = /"([^"]*)"/.exec(c.args)?.[1];
    if (c.name === "openat" && c.ret >= 0 && path?.startsWith(dir)) fdPath.set(c.ret, path);
    else if (c.name === "close") fdPath.delete(Number(c.args));
    else if ((c.name === "fdatasync" || c.name === "fsync") && c.ret === 0) {
      const p = fdPath.get(Number(c.args));
      if (p) syncs.set(p, (syncs.get(p) ?? 0) + 1);
    } else if (c.name === "rename" && path?.startsWith(dir) && path.endsWith(".part")) {
      expect(syncs.get(path) ?? 0).toBeGreaterThanOrEqual(1);
      renamed.push(path);
    }
  }
  return { renamed, syncs };
}

/**
 * Every rename of a .part under `dir` comes after its data was synced: an fsync or fdatasync of an fd
 * opened on it after its last write, or a syncfs that began after its last write had returned and ended,
 * with 0, before the rename. Returns the renamed .parts and how many were covered each way.
 */
function coveredBeforeRename(trace: Call[], dir: string): { renamed: string[]; covered: Map<string, number> } {
  const fdPath = new Map<number, string>(); // fds are shared by the threads
  const lastWrite = new Map<string, number>();
  const ownSync = new Map<string, number>();
  const syncfsDone: Call[] = [];
  const renamed: string[] = [];
  const covered = new Map<string, number>();
  for (const c of trace) {
    const path = /"([^"]*)"/.exec(c.args)?.[1];
    const fd = Number(c.args.split(",")[0]);
    if (c.name === "openat" && c.ret >= 0 && path?.startsWith(dir)) fdPath.set(c.ret, path);
    else if (c.name === "close") fdPath.delete(fd);
    else if ((c.name === "write" || c.name === "pwrite64") && fdPath.has(fd)) lastWrite.set(fdPath.get(fd)!, c.end);
    else if ((c.name === "fsync" || c.name === "fdatasync") && c.ret === 0 && fdPath.has(fd)) ownSync.set(fdPath.get(fd)!, c.end);
    else if (c.name === "syncfs" && c.ret === 0) syncfsDone.push(c);
    else if (c.name === "rename" && path?.startsWith(dir) && path.endsWith(".part")) {
      const written = lastWrite.get(path);
      expect(written).toBeDefined();
      const own = (ownSync.get(path) ?? -1) > written!;
      const batch = syncfsDone.some((s) => s.start > written! && s.end < c.end);
      expect(own || batch).toBe(true);
      covered.set(own ? "own" : "syncfs", (covered.get(own ? "own" : "syncfs") ?? 0) + 1);
      renamed.push(path);
    }
  }
  return { renamed, covered };
}

async function traced(args: string[], dir: string): Promise<Call[]> {
  mkdirSync(dir, { recursive: true });
  const log = join(dir, "strace.log");
  const r = await runCommand([STRACE!, "-f", "-qq", "-o", log, "-e", "trace=openat,close,fdatasync,fsync,rename,unlink", ...fetchxCommand(), ...args]);
  expect(r.code).toBe(0);
  return calls(readFileSync(log, "utf8"));
}

describe.skipIf(!STRACE)("commit durability", () => {
  test("a small file: no journal, one data sync, then the rename", async () => {
    const dir = tmp.file("one");
    const out = join(dir, "f0.bin");
    const trace = await traced(["-sS", "--create-dirs", "-o", out, server.url("/f0.bin")], dir);
    expect(trace.filter((c) => /\.fetchx(\.tmp)?"/.test(c.args))).toEqual([]);
    const { renamed, syncs } = syncedBeforeRename(trace, dir);
    expect(renamed).toEqual([`${out}.part`]);
    expect(syncs.get(`${out}.part`)).toBe(1);
    expect(await sha256(readFileSync(out))).toBe(await sha256(files[0]!));
  });

  test("a small file whose body comes in many reads: still no journal, one data sync", async () => {
    const dir = tmp.file("pieces");
    const out = join(dir, "slow.bin");
    const trace = await traced(["-sS", "--create-dirs", "-o", out, server.url("/slow.bin")], dir);
    expect(trace.filter((c) => c.name === "openat" && c.args.includes(out) && c.ret >= 0).length).toBe(1); // the .part only
    expect(trace.filter((c) => /\.fetchx(\.tmp)?"/.test(c.args))).toEqual([]);
    const { renamed, syncs } = syncedBeforeRename(trace, dir);
    expect(renamed).toEqual([`${out}.part`]);
    expect(syncs.get(`${out}.part`)).toBe(1);
    expect(await sha256(readFileSync(out))).toBe(await sha256(files[1]!));
  });

  test("a body past the first 64 KiB in many reads gets its journal (synced data first), removed at the end", async () => {
    const dir = tmp.file("pieces-big");
    const out = join(dir, "slow-big.bin");
    const trace = await traced(["-sS", "--create-dirs", "-o", out, server.url("/slow-big.bin")], dir);
    const journal = trace.filter((c) => c.name === "rename" && c.args.includes(`${out}.fetchx.tmp`));
    expect(journal.length).toBeGreaterThanOrEqual(1);
    expect(trace.some((c) => c.name === "unlink" && c.args.includes(`"${out}.fetchx"`) && c.ret === 0)).toBe(true);
    expect(await sha256(readFileSync(out))).toBe(await sha256(bigger));
  });

  test("a big file's data is synced on threads of their own while it downloads (every 32 MiB, one at a time), then the final sync and the rename; /dev/null is never synced", async () => {
    for (const extra of [[], ["--connections", "4"]]) {
      const dir = tmp.file(`write-behind${extra.length}`);
      mkdirSync(dir, { recursive: true });
      const out = join(dir, "large.bin");
      const log = join(dir, "strace.log");
      const r = await runCommand([STRACE!, "-f", "--seccomp-bpf", "-qq", "-o", log, "-e", "trace=execve,openat,close,pwrite64,fdatasync,sync_file_range,rename", ...fetchxCommand(), "-sS", ...extra, "-o", out, server.url("/large.bin")]);
      expect(r.code).toBe(0);
      const trace = calls(readFileSync(log, "utf8"));
      const main = trace.find((c) => c.name === "execve")!.pid;
      const part = trace.find((c) => c.name === "openat" && c.args.includes(`"${out}.part"`) && c.ret >= 0)!.ret;
      const onPart = (name: string) => trace.flatMap((c, i) => (c.name === name && Number(c.args.split(",")[0]) === part ? [{ ...c, i }] : []));
      const lastWrite = onPart("pwrite64").at(-1)!.i;
      const syncs = onPart("fdatasync");
      // Those that ended before the last write ran while the download went on: the write-behind (and the
      // journal's first save, at 64 KiB, on the thread pool). Each write-behind sync has a thread of its own.
      const during = syncs.filter((c) => c.i < lastWrite && c.ret === 0);
      expect(during.length).toBeGreaterThanOrEqual(2);
      expect(during.length).toBeLessThanOrEqual(1 + Math.floor(large.length / WRITE_BEHIND_BYTES));
      expect(during.every((c) => c.pid !== main)).toBe(true);
      expect(onPart("sync_file_range")).toEqual([]); // the write-behind's first form, on the event loop
      const final = syncs.at(-1)!;
      expect(final.i).toBeGreaterThan(lastWrite);
      expect(final.ret).toBe(0);
      const rename = trace.findIndex((c) => c.name === "rename" && c.args.includes(`"${out}.part"`));
      expect(rename).toBeGreaterThan(final.i);
      expect(await sha256(readFileSync(out))).toBe(await sha256(large));
    }
    const log = join(tmp.file("write-behind-null"), "strace.log");
    mkdirSync(join(log, ".."), { recursive: true });
    const r = await runCommand([STRACE!, "-f", "--seccomp-bpf", "-qq", "-o", log, "-e", "trace=fdatasync,sync_file_range", ...fetchxCommand(), "-sS", "-o", "/dev/null", "-w", "%{size_download}", server.url("/large.bin")]);
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe(String(large.length));
    expect(readFileSync(log, "utf8")).toBe("");
  });

  test("a write-behind sync that fails (EIO injected by strace) keeps the final name from appearing, with no final sync to say so: exit 23, NAME.part kept, and a rerun gets the exact bytes", async () => {
    const dir = tmp.file("write-behind-fails");
    mkdirSync(dir, { recursive: true });
    const out = join(dir, "large.bin");
    const log = join(dir, "strace.log");
    // strace counts calls per thread: each thread's first fdatasync fails (every write-behind's, and the
    // journal's first save). A disk reports a write-back error once per open file, so the final fdatasync
    // could say 0: the failure alone must stop the commit, before any final sync is tried.
    const r = await runCommand([STRACE!, "-f", "--seccomp-bpf", "-qq", "-o", log, "-e", "trace=openat,pwrite64,rename,fdatasync", "-e", "inject=fdatasync:error=EIO:when=1", ...fetchxCommand(), "-sS", "-o", out, server.url("/large.bin")]);
    expect(r.code).toBe(23);
    expect(r.stderr).toContain(`cannot write ${out}.part: i/o error`);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.part`)).toBe(true);
    const text = readFileSync(log, "utf8");
    const trace = calls(text);
    const threadsOnly = (pid: number) => trace.filter((c) => c.pid === pid).map((c) => c.name).join();
    const injected = text.split("\n").filter((l) => l.includes("INJECTED")).map((l) => Number(l.split(/\s+/)[0]));
    expect(injected.some((pid) => threadsOnly(pid) === "fdatasync")).toBe(true); // a write-behind thread's only call
    const lastWrite = trace.findLastIndex((c) => c.name === "pwrite64");
    expect(trace.slice(lastWrite).filter((c) => c.name === "fdatasync")).toEqual([]);
    expect(trace.some((c) => c.name === "rename" && c.args.includes(`"${out}.part", "${out}"`))).toBe(false);
    const again = await runCommand([...fetchxCommand(), "-sS", "-o", out, server.url("/large.bin")]);
    expect(again.code).toBe(0);
    expect(await sha256(readFileSync(out))).toBe(await sha256(large));
  });

  test("-Z: every file's bytes synced before its rename (its own sync, or a syncfs begun after its write), no journals, bytes exact", async () => {
    const dir = tmp.file("many");
    mkdirSync(dir, { recursive: true });
    const urls = files.map((_, i) => server.url(`/f${i}.bin`));
    const log = join(dir, "strace.log");
    const r = await runCommand([STRACE!, "-f", "-qq", "-o", log, "-e", "trace=openat,close,write,pwrite64,fdatasync,fsync,syncfs,rename,unlink", ...fetchxCommand(), "-sS", "-Z", "--parallel-max", "4", "-O", "--output-dir", dir, ...urls]);
    expect(r.code).toBe(0);
    const text = readFileSync(log, "utf8");
    expect(text).not.toMatch(/\.fetchx(\.tmp)?"/);
    const { renamed, covered } = coveredBeforeRename(calls(text), dir);
    expect(renamed.sort()).toEqual(files.map((_, i) => join(dir, `f${i}.bin.part`)).sort());
    expect(covered.get("syncfs") ?? 0).toBeGreaterThanOrEqual(1); // small files of a -Z run share syncs
    for (const [i, body] of files.entries()) expect(await sha256(readFileSync(join(dir, `f${i}.bin`)))).toBe(await sha256(body));
  });

  test("-Z with a failing syncfs (injected by strace): nothing is renamed on its word, each file syncs itself; a failing own sync keeps NAME.part, no journal claiming its bytes, and exits 23", async () => {
    const urls = files.map((_, i) => server.url(`/f${i}.bin`));
    const trace = ["openat,close,write,pwrite64,fdatasync,fsync,syncfs,rename"];
    // syncfs fails: every file falls back to its own fdatasync, then its rename; the run succeeds.
    const dir = tmp.file("syncfs-fails");
    mkdirSync(dir, { recursive: true });
    const log = join(dir, "strace.log");
    const r = await runCommand([STRACE!, "-f", "-qq", "-o", log, "-e", `trace=${trace}`, "-e", "inject=syncfs:error=EIO", ...fetchxCommand(), "-sS", "-Z", "--parallel-max", "4", "-O", "--output-dir", dir, ...urls]);
    expect(r.code).toBe(0);
    const text = readFileSync(log, "utf8");
    expect(text).toMatch(/syncfs\(\d+\)\s+= -1 EIO .*INJECTED/);
    const { renamed, covered } = coveredBeforeRename(calls(text), dir);
    expect(renamed.length).toBe(files.length);
    expect(covered.get("own")).toBe(files.length);
    for (const [i, body] of files.entries()) expect(await sha256(readFileSync(join(dir, `f${i}.bin`)))).toBe(await sha256(body));

    // The files' own syncs fail too: those files keep NAME.part, never get their name, and the run says so.
    const bad = tmp.file("all-fail");
    mkdirSync(bad, { recursive: true });
    const r2 = await runCommand([STRACE!, "-f", "-qq", "-o", join(bad, "strace.log"), "-e", "trace=syncfs,fdatasync", "-e", "inject=syncfs:error=EIO", "-e", "inject=fdatasync:error=EIO", ...fetchxCommand(), "-sS", "-Z", "--parallel-max", "4", "-O", "--output-dir", bad, ...urls]);
    expect(r2.code).toBe(23);
    let failed = 0;
    for (const [i, body] of files.entries()) {
      const name = join(bad, `f${i}.bin`);
      if (existsSync(name)) expect(await sha256(readFileSync(name))).toBe(await sha256(body)); // committed alone (fsync)
      else {
        failed++;
        expect(existsSync(`${name}.part`)).toBe(true);
        // Its bytes never reached the disk for sure: no journal claims them, and no rerun is promised them.
        expect(existsSync(`${name}.fetchx`)).toBe(false);
        const line = r2.stderr.split("\n").find((l) => l.includes(`f${i}.bin: cannot write ${name}.part`));
        expect(line).toBeDefined();
        expect(line).not.toContain("resume");
      }
    }
    expect(failed).toBeGreaterThanOrEqual(1);
  });

  test("several URLs: the output directory is listed once; a file whose names were not there is not looked up, one whose names were is (a planted link refused)", async () => {
    const dir = tmp.file("listed");
    mkdirSync(dir, { recursive: true });
    symlinkSync("/dev/null", join(dir, "f5.bin.part")); // there at the start: f5 is looked up and refused
    const log = join(tmp.file("listed-log"), "strace.log");
    mkdirSync(join(log, ".."), { recursive: true });
    const urls = files.slice(0, 8).map((_, i) => server.url(`/f${i}.bin`));
    const r = await runCommand([STRACE!, "-f", "-qq", "-o", log, "-e", "trace=access,faccessat,faccessat2,stat,lstat,newfstatat,statx,getdents64", ...fetchxCommand(), "-sS", "-Z", "--parallel-max", "4", "-O", "--output-dir", dir, ...urls]);
    expect(r.code).toBe(23);
    expect(r.stderr).toContain("f5.bin.part: it is a symbolic link");
    const text = readFileSync(log, "utf8");
    // No lookup of any name of the files that were not there; the one that was there is looked up.
    for (const i of [0, 1, 2, 3, 4, 6, 7]) expect(text).not.toMatch(new RegExp(`"${dir}/f${i}\\.bin(\\.part|\\.fetchx)?"`));
    expect(text).toMatch(new RegExp(`"${dir}/f5\\.bin\\.part"`));
    expect(text).toContain("getdents64(");
    for (const i of [0, 1, 2, 3, 4, 6, 7]) expect(await sha256(readFileSync(join(dir, `f${i}.bin`)))).toBe(await sha256(files[i]!));
    expect(existsSync(join(dir, "f5.bin"))).toBe(false);
  });

  test("several URLs to /dev/null: the device's names are looked up by the first downloads, not by every URL", async () => {
    const log = join(tmp.file("devnull-log"), "strace.log");
    mkdirSync(join(log, ".."), { recursive: true });
    const args = files.flatMap((_, i) => ["-o", "/dev/null", server.url(`/f${i}.bin`)]);
    const r = await runCommand([STRACE!, "-f", "-qq", "-o", log, "-e", "trace=access,faccessat,faccessat2,stat,lstat,newfstatat,statx", ...fetchxCommand(), "-sS", "-Z", "--parallel-max", "2", "-w", "%{size_download}\\n", ...args]);
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout).trim().split("\n").map(Number).sort()).toEqual(files.map((f) => f.length).sort());
    const text = readFileSync(log, "utf8");
    // Each of the two lanes' first download looks the names up (they start together); the ten after them do not.
    const count = (name: string) => text.split(`"${name}"`).length - 1;
    expect(count("/dev/null.fetchx")).toBeGreaterThanOrEqual(1);
    expect(count("/dev/null.fetchx")).toBeLessThanOrEqual(2);
    expect(count("/dev/null.part")).toBeLessThanOrEqual(2);
    expect(statSync("/dev/null").isCharacterDevice()).toBe(true);
  });

  /** The threads (strace -f pids) that made each traced call on a path under `dir`, and the process's own pid. */
  async function threadsOf(command: string[], dir: string): Promise<{ main: number; by: Map<string, number[]> }> {
    mkdirSync(dir, { recursive: true });
    const log = join(dir, "strace.log");
    const r = await runCommand([STRACE!, "-f", "-qq", "-o", log, "-e", "trace=execve,openat,fsync,rename", ...command]);
    expect(r.code).toBe(0);
    const trace = calls(readFileSync(log, "utf8"));
    const main = trace.find((c) => c.name === "execve")!.pid;
    const by = new Map<string, number[]>();
    for (const c of trace) {
      if (c.name === "fsync" || ((c.name === "openat" || c.name === "rename") && c.args.includes(dir))) by.set(c.name, [...(by.get(c.name) ?? []), c.pid]);
    }
    return { main, by };
  }

  test("a lone small file's create, sync and rename run on the command's own thread; a library program keeps them off its event loop", async () => {
    // The command owns its event loop (DownloadOptions.ownsEventLoop): no thread pool for one file.
    const cli = tmp.file("thread-cli");
    const out = join(cli, "f2.bin");
    const own = await threadsOf([...fetchxCommand(), "-sS", "--create-dirs", "-o", out, server.url("/f2.bin")], cli);
    expect(own.by.get("fsync")).toEqual([own.main]);
    expect(own.by.get("rename")).toEqual([own.main]);
    expect(await sha256(readFileSync(out))).toBe(await sha256(files[2]!));

    // The same download through the library, from a program whose loop may have other work: the pool.
    const lib = tmp.file("thread-lib");
    mkdirSync(lib, { recursive: true });
    const script = join(lib, "get.ts");
    const target = join(lib, "f3.bin");
    await Bun.write(
      script,
      `import { FetchxClient } from ${JSON.stringify(join(REPO_ROOT, "src/index.ts"))};
const client = new FetchxClient({});
await client.download(${JSON.stringify(server.url("/f3.bin"))}, { output: ${JSON.stringify(target)} });
client.close();`,
    );
    const embedded = await threadsOf([process.execPath, script], lib);
    const syncs = embedded.by.get("fsync") ?? [];
    expect(syncs.length).toBe(1);
    expect(syncs[0]).not.toBe(embedded.main);
    expect(embedded.by.get("rename")!.every((pid) => pid !== embedded.main)).toBe(true);
    expect(await sha256(readFileSync(target))).toBe(await sha256(files[3]!));
  });
});
