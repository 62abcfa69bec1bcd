// What the CLI reads from its surroundings before any option: where the default config file is and
// whether there is one, and the width help is wrapped to. Apart from config.ts and help.ts, which load the
// option table, so that main.ts can answer a bare `--version` or `--help` without loading it (bench/startup.ts).
import { stdout, type TextStream } from "../ui/stdio.ts";

/** ~/.fetchxrc (curl's ~/.curlrc), or null without a HOME. */
export function defaultConfigPath(env: Record<string, string | undefined>): string | null {
  const home = env.HOME;
  if (!home) return null;
  // Trailing slashes off without a regular expression: String.prototype.replace is JavaScript compiled at
  // its first call in a process (and the expression at its first use): 0.05 ms of every download.
  let end = home.length;
  while (end > 0 && home.charCodeAt(end - 1) === 47) end--;
  return `${home.slice(0, end)}/.fetchxrc`;
}

/**
 * Whether ~/.fetchxrc may hold something: false when there is no HOME or the file is missing or empty
 * (a size of 0; a FIFO says Infinity). Asks one stat(2), without node:fs, whose import alone costs about
 * 0.8 ms of CPU at every start.
 */
export function hasDefaultConfig(env: Record<string, string | undefined>): boolean {
  const path = defaultConfigPath(env);
  try {
    return path !== null && Bun.file(path).size !== 0;
  } catch {
    return true; // let the reader decide (it ignores a file it cannot read)
  }
}

/** The width help is wrapped to: the terminal's, else $COLUMNS, else 80. */
export function helpColumns(stream: Pick<TextStream, "isTTY" | "columns"> = stdout, env: Record<string, string | undefined> = process.env): number {
  const columns = stream.isTTY ? stream.columns : undefined;
  if (columns && columns > 0) return columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
}
