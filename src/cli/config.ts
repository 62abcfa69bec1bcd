// -K/--config FILE and the default ~/.fetchxrc, in curl's config syntax (curl's "curlrc"): one option a
// line, with or without leading dashes, its value after spaces, "=" or ":"; a value in double quotes may
// hold spaces and the escapes \\ \" \t \n \r \v; "#" starts a comment line. The lines become argv words
// at the place of -K, so the command line's own options after it win, as in curl.
import { FetchxError, usageError } from "../errors.ts";
import { defaultConfigPath, hasDefaultConfig } from "./environment.ts";
import { BY_NAME, BY_SHORT } from "./table.ts";

// node:fs is loaded when there is a file to read, not at import: its import alone costs about 0.8 ms of
// CPU at every start (bench/startup.ts), and most runs have no ~/.fetchxrc and no -K.
const readFileSync = (path: string | 0, encoding: "utf8") => (import.meta.require("node:fs") as typeof import("node:fs")).readFileSync(path, encoding);

const ESCAPES: Record<string, string> = { t: "\t", n: "\n", r: "\r", v: "\v" };

function unquote(s: string): string {
  let out = "";
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') break;
    if (c === "\\" && i + 1 < s.length) out += ESCAPES[s[++i]!] ?? s[i]!;
    else out += c;
  }
  return out;
}

/** The argv words of a config file's text. */
export function configWords(text: string): string[] {
  const words: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(-{0,2})([^\s=:]+)(.*)$/.exec(line)!;
    let [, dashes, name, rest] = m as unknown as [string, string, string, string];
    // "-ofile" or "-o file": a short option; "-sS" bundles pass through as they are.
    const short = dashes === "-";
    if (short && name.length > 1 && BY_SHORT.get(name[0]!)?.kind !== "flag") [name, rest] = [name[0]!, name.slice(1) + rest];
    // "expand-NAME" (curl 8.3) takes NAME's value, expanded by the parser.
    const spec = short ? BY_SHORT.get(name[0]!) : (BY_NAME.get(name) ?? (name.startsWith("expand-") ? BY_NAME.get(name.slice(7)) : undefined));
    const word = short ? `-${name}` : `--${name}`;
    if (!spec || spec.kind === "flag") {
      words.push(word);
      continue;
    }
    const value = rest.replace(/^\s*[=:]?\s*/, "");
    words.push(word, value.startsWith('"') ? unquote(value) : value.split(/\s+/)[0]!);
  }
  return words;
}

function readConfig(path: string, readStdin: () => string): string {
  try {
    return path === "-" ? readStdin() : readFileSync(path, "utf8");
  } catch (err) {
    throw new FetchxError("READ_FILE", `cannot read config file ${path}: ${(err as { code?: string }).code ?? err}`, { cause: err });
  }
}

/**
 * argv with ~/.fetchxrc first (unless the first option is -q/--disable) and each -K FILE replaced by
 * FILE's words (nested -K included, at most 10 deep).
 */
export function expandConfig(argv: string[], env: Record<string, string | undefined>, readStdin = () => readFileSync(0, "utf8"), depth = 0): string[] {
  if (depth > 10) throw usageError("-K files include each other too deeply");
  let args = argv;
  if (depth === 0) {
    if (args[0] === "-q" || args[0] === "--disable") args = args.slice(1);
    else {
      let text: string | null = null;
      try {
        text = hasDefaultConfig(env) ? readFileSync(defaultConfigPath(env)!, "utf8") : null;
      } catch {
        text = null; // no default config, or one that cannot be read: as curl, not an error
      }
      if (text !== null) args = [...expandConfig(configWords(text), env, readStdin, 1), ...args];
    }
  }
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
    out.push(...expandConfig(configWords(readConfig(file, readStdin)), env, readStdin, depth + 1));
  }
  return out;
}
