// What the benches share for their command lines, their big test files and the binaries they compare: an
// option's value, every value of a repeated option, a size like "1g", a file of pseudo-random bytes
// written in pieces, and fresh copies of the fetchx binaries under test.
import { copyFileSync, mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { randomBytes } from "../test/servers/harness.ts";
import { binaryPath, build, hostTarget } from "../build.ts";

const argv = process.argv.slice(2);

/** The value after `name` on the command line, else `dflt`. */
export const arg = (name: string, dflt: string): string => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1]! : dflt;
};

/** Every value given after `name` (a repeatable option: --also A --also B). */
export const args = (name: string): string[] => argv.flatMap((a, i) => (argv[i - 1] === name ? [a] : []));

/** "1g", "512m", "64k", "100" (bytes), any case: bytes. */
export const sizeOf = (text: string): number => Number(/^\d+/.exec(text)![0]) * 1024 ** " kmg".indexOf((/[kmg]/i.exec(text)?.[0] ?? " ").toLowerCase());

/** Writes `size` pseudo-random bytes (nothing compresses them) to `path` in 64 MiB pieces, `seed` first. */
export async function writeRandomFile(path: string, size: number, seed: number): Promise<void> {
  const w = Bun.file(path).writer();
  for (let at = 0; at < size; at += 64 << 20) w.write(randomBytes(Math.min(64 << 20, size - at), seed + at));
  await w.end();
}

/**
 * The fetchx binaries a bench compares, copied afresh into `dir`: the one under test (FETCHX_BIN, else
 * dist/'s, built when missing) first, then `others` (--also, --before). The hello-worlds and floors the
 * benches compile are just written; a binary whose cached pages were dropped (bench/memory.ts drops them
 * before each of its runs) faulted about 40 pages more a run until its pages settled, and in one batch
 * took 6 ms longer (bench/README.md). Copied, every binary starts as they do. `shown` names the one under
 * test as given.
 */
export async function freshBinaries(dir: string, others: string[] = []): Promise<{ fetchx: string; others: string[]; shown: string }> {
  const given = process.env.FETCHX_BIN ?? binaryPath(hostTarget());
  if (!(await Bun.file(given).exists())) await build([hostTarget()]);
  const copy = (bin: string, i: number) => {
    const to = join(dir, "bin", String(i));
    mkdirSync(to, { recursive: true });
    copyFileSync(bin, join(to, basename(bin)));
    return join(to, basename(bin));
  };
  return { fetchx: copy(given, 0), others: others.map((b, i) => copy(b, i + 1)), shown: given };
}
