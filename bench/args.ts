// What the benches share for their command lines and their big test files: an option's value, every value
// of a repeated option, a size like "1g", and a file of pseudo-random bytes written in pieces.
import { randomBytes } from "../test/servers/harness.ts";

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
