// The URLs of a run: the positional arguments, then those of --input-file (wget's -i; aria2's -i).
// One URL a line; blank lines and lines starting with "#" are skipped; surrounding spaces are dropped.
import { FetchxError } from "../errors.ts";
import { schemeOf } from "../http/chars.ts";

/**
 * The URLs of a run, given and listed: an input file's are kept as its text and where each of its URLs
 * starts and ends (8 bytes a URL), and made into strings one at a time as the run reaches them. An array
 * of 50,000 trimmed lines held about 50 bytes a URL besides the text (bench/README.md, "Many URLs,
 * second pass").
 */
export class UrlList {
  readonly length: number;

  constructor(
    private readonly given: readonly string[],
    private readonly text = "",
    /** Start and end of each listed URL in `text`, two entries a URL. */
    private readonly bounds: Uint32Array = new Uint32Array(0),
    private readonly defaultScheme?: string,
  ) {
    this.length = given.length + bounds.length / 2;
  }

  /** The URL at `index` (0 <= index < length), with the default scheme when it names none. */
  at(index: number): string {
    const k = index - this.given.length;
    const url = k < 0 ? this.given[index]! : this.text.slice(this.bounds[2 * k]!, this.bounds[2 * k + 1]!);
    return this.defaultScheme === undefined || schemeOf(url) !== undefined ? url : `${this.defaultScheme}://${url}`;
  }
}

/** Where each URL listed in `text` starts and ends (two entries a URL), in order. */
export function urlBounds(text: string): Uint32Array {
  let bounds = new Uint32Array(256);
  let n = 0;
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    const line = text.slice(at, end);
    const t = line.trim();
    if (t !== "" && !t.startsWith("#")) {
      if (n + 2 > bounds.length) {
        const wider = new Uint32Array(bounds.length * 2);
        wider.set(bounds);
        bounds = wider;
      }
      const start = at + line.length - line.trimStart().length;
      bounds[n++] = start;
      bounds[n++] = start + t.length;
    }
    at = end + 1;
  }
  return bounds.slice(0, n);
}

/** Reads --input-file ("-" is standard input): its text. */
export async function readUrlFile(path: string, stdin: () => Promise<string> = () => Bun.stdin.text()): Promise<string> {
  try {
    return path === "-" ? await stdin() : await Bun.file(path).text();
  } catch (err) {
    throw new FetchxError("READ_FILE", `cannot read --input-file ${path}: ${(err as { code?: string }).code ?? err}`, { cause: err });
  }
}

/**
 * All URLs of the run: arguments first, then the input file's. One without "scheme://" gets
 * `defaultScheme` (curl's --proto-default); without it the engine takes it as http, as curl does.
 */
export async function collectUrls(positionals: string[], inputFile: string | undefined, defaultScheme?: string): Promise<UrlList> {
  if (inputFile === undefined) return new UrlList(positionals, "", undefined, defaultScheme);
  const text = await readUrlFile(inputFile);
  return new UrlList(positionals, text, urlBounds(text), defaultScheme);
}
