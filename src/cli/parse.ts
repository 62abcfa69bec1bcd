// argv -> the raw record of option values, strictly (unknown options are errors, repeats of list options
// accumulate, short flags bundle as in curl: -sSLo FILE). citty's own parser runs node:util parseArgs with
// strict:false and keeps only the last of repeated options, which would silently drop -H headers.
import { usageError } from "../errors.ts";
import { refusedCurlOption } from "./curl-options.ts";
import { BY_NAME, BY_SHORT, OPTIONS, type OptionSpec } from "./table.ts";
import { Variables } from "./variables.ts";

export { Variables };

/** A curl option fetchx knows of and refuses: why, instead of a guess. */
function notSupported(name: string, short = false): string | undefined {
  const why = refusedCurlOption(name, short);
  return why === undefined ? undefined : ` (a curl option fetchx does not support: ${why}; fetchx help curl)`;
}

export interface RawArgs {
  values: Map<string, string | boolean | string[]>;
  positionals: string[];
  /**
   * Every option given, in command-line order, with its value ("" for a flag): curl joins -d, --data-binary
   * and --json pieces in that order, and pairs -o and -O with the URLs in order.
   */
  order?: [string, string][];
  /** What reading the words warned of (curl's --variable and --expand- warnings), said unless -s. */
  warnings?: string[];
}

/** Edit distance (insert, delete, substitute), for naming the nearest known option. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}

/** " (did you mean --NAME?)" for the nearest option name, when one is near enough. */
export function suggest(name: string): string {
  let best = "";
  let score = Infinity;
  for (const o of OPTIONS) {
    for (const n of [o.name, ...(o.aliases ?? [])]) {
      const d = n.startsWith(name) && name.length >= 3 ? 0.5 : distance(name, n);
      if (d < score) [best, score] = [n, d];
    }
  }
  return score <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean --${best}?)` : "";
}

function set(out: RawArgs, spec: OptionSpec, value: string | boolean) {
  (out.order ??= []).push([spec.name, typeof value === "string" ? value : ""]);
  // --url is a URL like any other argument, in its place among them (curl pairs the i-th -o with the i-th).
  if (spec.name === "url") out.positionals.push(value as string);
  else if (spec.kind === "list") {
    const list = (out.values.get(spec.name) as string[] | undefined) ?? [];
    list.push(value as string);
    out.values.set(spec.name, list);
  } else out.values.set(spec.name, value);
}

/**
 * curl's -: / --next: the words split into one group per operation, each with its own options and URLs
 * (words after "--" are URLs and never split). Always at least one group.
 */
export function splitNext(words: string[]): string[][] {
  const groups: string[][] = [[]];
  let literal = false;
  for (const w of words) {
    if (!literal && (w === "--next" || w === "-:")) groups.push([]);
    else groups.at(-1)!.push(w);
    if (w === "--") literal = true;
  }
  return groups;
}

/**
 * curl's --next after a group that has no URL yet starts nothing: the options before it and after it are
 * one group (`fetchx --next URL`, `--next --next`). A last group without a URL stays, and is refused.
 */
export function joinUrlless(raws: RawArgs[]): RawArgs[] {
  const out: RawArgs[] = [];
  let pending: RawArgs | undefined;
  for (const r of raws) {
    const cur = pending ? joined(pending, r) : r;
    pending = undefined;
    if (cur.positionals.length > 0 || cur.values.has("url")) out.push(cur);
    else pending = cur;
  }
  if (pending) out.push(pending);
  return out;
}

/** `b` after `a`: lists one after the other, a single value `b`'s where both have one. */
function joined(a: RawArgs, b: RawArgs): RawArgs {
  const values = new Map(a.values);
  for (const [k, v] of b.values) {
    const before = values.get(k);
    values.set(k, Array.isArray(before) && Array.isArray(v) ? [...before, ...v] : v);
  }
  return {
    values,
    positionals: [...a.positionals, ...b.positionals],
    order: a.order || b.order ? [...(a.order ?? []), ...(b.order ?? [])] : undefined,
    warnings: a.warnings || b.warnings ? [...(a.warnings ?? []), ...(b.warnings ?? [])] : undefined,
  };
}

/** Options that are the whole run's wherever they are given (curl's "Scope: global"), not one operation's. */
const GLOBAL_OPTIONS = ["fail-early", "parallel", "parallel-max", "progress-bar", "progress", "show-error", "silent", "no-progress-meter", "stderr", "verbose"];

/**
 * Options a later group keeps from an earlier one unless it gives its own. --retry is each operation's in
 * curl, whose default is no retry; fetchx's default is 5, so `--retry 0 URL1 --next URL2` would retry URL2:
 * the 0 goes on.
 */
const CARRIED_OPTIONS = ["retry"];

/** Each operation's record with the run's global options (the last value given anywhere) in it. */
export function shareGlobals(raws: RawArgs[]): void {
  for (const name of GLOBAL_OPTIONS) {
    let value: string | boolean | string[] | undefined;
    for (const r of raws) if (r.values.has(name)) value = r.values.get(name);
    if (value !== undefined) for (const r of raws) r.values.set(name, value);
  }
  for (const name of CARRIED_OPTIONS) {
    let value: string | boolean | string[] | undefined;
    for (const r of raws) {
      if (r.values.has(name)) value = r.values.get(name);
      else if (value !== undefined) r.values.set(name, value);
    }
  }
}

/**
 * The words of one operation (one --next group). `variables` are the run's (--variable), shared by the
 * groups in order: a group sees those set before its words.
 */
export function parseArgv(argv: string[], variables?: Variables): RawArgs {
  const out: RawArgs = { values: new Map(), positionals: [] };
  let vars = variables;
  const seen = vars?.warnings.length ?? 0;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = (what: string) => {
      if (i + 1 >= argv.length) throw usageError(`option ${what} needs a value`);
      return argv[++i]!;
    };
    if (arg === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      let name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      // curl 8.3: --expand-NAME is NAME with its value's {{variables}} expanded.
      const expand = name.startsWith("expand-") && BY_NAME.has(name.slice(7));
      if (expand) name = name.slice(7);
      let spec = BY_NAME.get(name);
      // curl's --no-NAME turns any boolean option off again (a .curlrc's -L undone on the command line).
      if (!spec && name.startsWith("no-")) {
        const base = BY_NAME.get(name.slice(3));
        if (base?.kind === "flag") {
          out.values.set(base.name, false);
          continue;
        }
      }
      if (!spec) throw usageError(`unknown option --${name}${notSupported(name) ?? suggest(name)}; see fetchx --help`);
      name = spec.name;
      if (expand && spec.kind === "flag") throw usageError(`option --expand-${name}: --${name} takes no value to expand`);
      if (expand && name === "config") throw usageError("option --expand-config: config files are read before variables are set; name the file as it is");
      if (spec.kind === "flag") {
        if (eq >= 0) throw usageError(`option --${name} takes no value`);
        set(out, spec, true);
        continue;
      }
      let value = eq >= 0 ? arg.slice(eq + 1) : next(`--${name}`);
      if (expand || name === "variable") vars ??= new Variables();
      if (expand) value = vars!.expand(value, name);
      if (name === "variable") vars!.set(value);
      else set(out, spec, value);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // A bundle of short options; a value-taking one consumes the rest of the word or the next word.
      for (let j = 1; j < arg.length; j++) {
        const spec = BY_SHORT.get(arg[j]!);
        if (!spec) throw usageError(`unknown option -${arg[j]}${notSupported(arg[j]!, true) ?? ""}; see fetchx --help`);
        if (spec.kind === "flag") {
          set(out, spec, true);
          continue;
        }
        set(out, spec, j + 1 < arg.length ? arg.slice(j + 1) : next(`-${arg[j]}`));
        break;
      }
      continue;
    }
    // A lone "-" is no URL: curl reads it as an option and knows none of that name.
    if (arg === "-") throw usageError("option -: is unknown");
    out.positionals.push(arg);
  }
  if (vars && vars.warnings.length > seen) out.warnings = vars.warnings.slice(seen);
  return out;
}
