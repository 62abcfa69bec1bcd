// The URLs of a run: the positional arguments, then those of --input-file (wget's -i; aria2's -i).
// One URL a line; blank lines and lines starting with "#" are skipped; surrounding spaces are dropped.
import { FetchxError } from "../errors.ts";
import { schemeOf } from "../http/chars.ts";

/** URLs listed in a file's text, in order. */
export function parseUrlList(text: string): string[] {
  const urls: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    urls.push(t);
  }
  return urls;
}

/** Reads --input-file ("-" is standard input). */
export async function readUrlFile(path: string, stdin: () => Promise<string> = () => Bun.stdin.text()): Promise<string[]> {
  let text: string;
  try {
    text = path === "-" ? await stdin() : await Bun.file(path).text();
  } catch (err) {
    throw new FetchxError("READ_FILE", `cannot read --input-file ${path}: ${(err as { code?: string }).code ?? err}`, { cause: err });
  }
  return parseUrlList(text);
}

/**
 * All URLs of the run: arguments first, then the input file's. One without "scheme://" gets
 * `defaultScheme` (curl's --proto-default); without it the engine takes it as http, as curl does.
 */
export async function collectUrls(positionals: string[], inputFile: string | undefined, defaultScheme?: string): Promise<string[]> {
  const urls = inputFile === undefined ? positionals : [...positionals, ...(await readUrlFile(inputFile))];
  return defaultScheme === undefined ? urls : urls.map((u) => (schemeOf(u) === undefined ? `${defaultScheme}://${u}` : u));
}
