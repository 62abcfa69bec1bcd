// -K/--config FILE and the default ~/.fetchxrc, in curl's config syntax (curl's "curlrc"), read as curl
// 7.88's parseconfig() reads it (src/tool_parsecfg.c); each rule was compared with Debian's curl 7.88:
// - a line whose first non-blank is #, / or *, or that is blank, is a comment; blanks are ASCII only, so
//   a BOM or a no-break space is part of a word (a file starting with a BOM: its first line is unknown);
// - the option runs to a blank, or, when it does not start with "-", also to "=" or ":" ("--url=X" is
//   an option named "url=X"; "-o=f" writes the file "=f"); the blanks and separators after it are skipped;
// - a value starting with " runs to the next unescaped " with the escapes \t \n \r \v (any other \C is
//   C); unclosed, it keeps the line's end ("\n" or "\r\n"), so such a URL fails (exit 3); any other
//   value, single quotes and all, runs to the next blank (-o"f" writes a file named "f", quotes included);
// - what curl cannot use it warns of ("FILE:LINE: 'NAME' is unknown", "requires parameter", ...) and
//   goes on; so does fetchx for names it does not know (curl's options for other protocols among them).
//   curl's options that fetchx refuses stay errors (exit 2, naming the line and why): skipping one would
//   change what the transfer does.
// The lines become argv words at the place of -K, so the command line's own options after it win.
import { FetchxError, usageError } from "../errors.ts";
import { refusedCurlOption } from "./curl-options.ts";
import { defaultConfigPath, hasDefaultConfig } from "./environment.ts";
import { BY_NAME, BY_SHORT } from "./table.ts";

// node:fs is loaded when there is a file to read, not at import: its import alone costs about 0.8 ms of
// CPU at every start (bench/startup.ts), and most runs have no ~/.fetchxrc and no -K.
const readFileSync = (path: string | 0, encoding: "utf8") => (import.meta.require("node:fs") as typeof import("node:fs")).readFileSync(path, encoding);

const ESCAPES: Record<string, string> = { t: "\t", n: "\n", r: "\r", v: "\v" };

/** curl's ISSPACE: ASCII blanks and line ends only. */
const isSpace = (c: string | undefined) => c === " " || (c !== undefined && c >= "\t" && c <= "\r");

/** One line split as curl splits it: the option as written, its value (null: none) and what to warn of. */
interface ConfigLine {
  option: string;
  value: string | null;
  /** An unquoted value with more words after it (curl warns, and reads the first). */
  unquotedWhitespace: boolean;
}

/** A line (with its "\n", if it has one) as curl 7.88 splits it, or null for a comment or blank line. */
export function splitConfigLine(line: string): ConfigLine | null {
  let i = 0;
  while (isSpace(line[i])) i++;
  if (i === line.length || "#/*".includes(line[i]!)) return null;
  const dashed = line[i] === "-";
  const isSep = (c: string) => isSpace(c) || (!dashed && (c === "=" || c === ":"));
  const start = i;
  while (i < line.length && !isSep(line[i]!)) i++;
  const option = line.slice(start, i);
  while (i < line.length && isSep(line[i]!)) i++;
  if (line[i] === '"') {
    let value = "";
    for (i++; i < line.length && line[i] !== '"'; i++) {
      if (line[i] !== "\\") value += line[i];
      else if (++i < line.length) value += ESCAPES[line[i]!] ?? line[i];
    }
    return { option, value, unquotedWhitespace: false };
  }
  const from = i;
  while (i < line.length && !isSpace(line[i])) i++;
  const value = line.slice(from, i);
  while (isSpace(line[i])) i++;
  return { option, value: value === "" ? null : value, unquotedWhitespace: i < line.length && line[i] !== "#" };
}

/** An option line's argv words; what curl warns of it; why fetchx refuses it (a curl option fetchx does not support). */
interface LineWords {
  words: string[];
  warning?: string;
  refused?: string;
}

/** The words of one long option written NAME (without dashes), or why curl would skip it. */
function longWords(name: string, value: string | null): LineWords {
  let spec = BY_NAME.get(name);
  // "expand-NAME" (curl 8.3) takes NAME's value, expanded by the parser.
  if (!spec && name.startsWith("expand-")) spec = BY_NAME.get(name.slice(7));
  // "no-NAME" turns a flag off (the parser reads it).
  if (!spec && name.startsWith("no-") && BY_NAME.has(name.slice(3))) {
    if (BY_NAME.get(name.slice(3))!.kind !== "flag") return { words: [], warning: "used '--no-' for option that isn't a boolean" };
    return { words: [`--${name}`], warning: value ? "had unsupported trailing garbage" : undefined };
  }
  if (!spec) return { words: [], warning: "is unknown", refused: refusedCurlOption(name) };
  if (spec.kind === "flag") return { words: [`--${name}`], warning: value ? "had unsupported trailing garbage" : undefined };
  if (value === null) return { words: [], warning: "requires parameter" };
  return { words: [`--${name}`, value] };
}

/** The words of "-LETTERS" (a bundle of short options, as curl reads one), or why curl would skip it. */
function shortWords(letters: string, value: string | null): LineWords {
  // The flags before an unknown letter or a missing value still count, as in curl ("-vW": -v, then the warning).
  const flagsBefore = (j: number) => (j > 0 ? [`-${letters.slice(0, j)}`] : []);
  for (let j = 0; j < letters.length; j++) {
    const c = letters[j]!;
    const spec = BY_SHORT.get(c);
    if (!spec) return { words: flagsBefore(j), warning: "is unknown", refused: refusedCurlOption(c, true) };
    if (spec.kind === "flag") continue;
    const glued = letters.slice(j + 1);
    if (glued !== "") return { words: [`-${letters.slice(0, j + 1)}`, glued], warning: value ? "had unsupported trailing garbage" : undefined };
    if (value === null) return { words: flagsBefore(j), warning: "requires parameter" };
    return { words: [`-${letters}`, value] };
  }
  if (letters === "") return { words: [], warning: "is unknown" };
  return { words: [`-${letters}`], warning: value ? "had unsupported trailing garbage" : undefined };
}

/**
 * A config file's text as argv words, and curl's warnings about it, each "FILE:LINE: ...". With
 * `unknownIsError`, a name fetchx does not know is exit 2 instead, as on the command line.
 */
export function readConfigText(text: string, file: string, unknownIsError = false): { words: string[]; warnings: string[] } {
  const words: string[] = [];
  const warnings: string[] = [];
  // Lines keep their "\n": an unclosed quote runs to the end of the line, that included, as in curl.
  const lines = text.split(/(?<=\n)/);
  for (let n = 0; n < lines.length; n++) {
    const line = splitConfigLine(lines[n]!);
    if (!line) continue;
    const { option, value } = line;
    const where = `${file}:${n + 1}: '${option}'`;
    if (line.unquotedWhitespace) warnings.push(`${where} uses unquoted whitespace in the line that may cause side-effects!`);
    const dashed = option.startsWith("-");
    const r = dashed && !option.startsWith("--") ? shortWords(option.slice(1), value) : longWords(dashed ? option.slice(2) : option, value);
    if (r.refused !== undefined) throw usageError(`${where} is a curl option fetchx does not support (${r.refused}; fetchx help curl)`);
    words.push(...r.words);
    if (unknownIsError && r.warning === "is unknown") throw usageError(`${file}:${n + 1}: unknown option ${option}; see fetchx --help`);
    if (r.warning) warnings.push(`${where} ${r.warning}`);
  }
  return { words, warnings };
}

/** The argv words of a config file's text. */
export const configWords = (text: string): string[] => readConfigText(text, "config").words;

function readConfig(path: string, readStdin: () => string): string {
  try {
    return path === "-" ? readStdin() : readFileSync(path, "utf8");
  } catch (err) {
    throw new FetchxError("READ_FILE", `cannot read config file ${path}: ${(err as { code?: string }).code ?? err}`, { cause: err });
  }
}

/**
 * argv with ~/.fetchxrc first (unless the first option is -q/--disable) and each -K FILE replaced by
 * FILE's words (nested -K included, at most 10 deep). What the files warn of is added to `warnings`.
 */
export function expandConfig(argv: string[], env: Record<string, string | undefined>, warnings: string[] = [], readStdin = () => readFileSync(0, "utf8")): string[] {
  const words = (text: string, file: string, unknownIsError = false) => {
    const r = readConfigText(text, file, unknownIsError);
    warnings.push(...r.warnings);
    return r.words;
  };
  const expand = (args: string[], depth: number): string[] => {
    if (depth > 10) throw usageError("-K files include each other too deeply");
    const out: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === "--") {
        out.push(...args.slice(i));
        break;
      }
      let file: string | undefined;
      if (a === "-K" || a === "--config") file = args[++i];
      else if (a.startsWith("--config=")) file = a.slice("--config=".length);
      else if (a.startsWith("-K") && a.length > 2 && !"\n\r\u2028\u2029".includes(a[2]!)) file = a.slice(2); // /^-K./ without compiling it
      if (file === undefined) {
        if (a === "-K" || a === "--config") throw usageError(`option ${a} needs a value`);
        out.push(a);
        continue;
      }
      out.push(...expand(words(readConfig(file, readStdin), file === "-" ? "<stdin>" : file), depth + 1));
    }
    return out;
  };
  if (argv[0] === "-q" || argv[0] === "--disable") return expand(argv.slice(1), 0);
  const path = hasDefaultConfig(env) ? defaultConfigPath(env) : null;
  let text: string | null = null;
  try {
    text = path ? readFileSync(path, "utf8") : null;
  } catch {
    text = null; // no default config, or one that cannot be read: as curl, not an error
  }
  // fetchx's own file, read at every run, keeps the command line's rule for a name fetchx does not know
  // (exit 2; test/e2e/cli-startup.test.ts): curl warns of one in ~/.curlrc as in a -K file.
  return text === null ? expand(argv, 0) : [...expand(words(text, path!, true), 1), ...expand(argv, 0)];
}
