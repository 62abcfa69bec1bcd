// argv -> the raw record of option values, strictly (unknown options are errors, repeats of list options
// accumulate, short flags bundle as in curl: -sSLo FILE). citty's own parser runs node:util parseArgs with
// strict:false and keeps only the last of repeated options, which would silently drop -H headers.
import { usageError } from "../errors.ts";
import { BY_NAME, BY_SHORT, OPTIONS, type OptionSpec } from "./table.ts";

export interface RawArgs {
  values: Map<string, string | boolean | string[]>;
  positionals: string[];
}

function suggest(name: string): string {
  const near = OPTIONS.map((o) => o.name).filter((n) => n.startsWith(name.slice(0, 3)));
  return near.length ? ` (did you mean --${near[0]}?)` : "";
}

function set(out: RawArgs, spec: OptionSpec, value: string | boolean) {
  if (spec.kind === "list") {
    const list = (out.values.get(spec.name) as string[] | undefined) ?? [];
    list.push(value as string);
    out.values.set(spec.name, list);
  } else out.values.set(spec.name, value);
}

export function parseArgv(argv: string[]): RawArgs {
  const out: RawArgs = { values: new Map(), positionals: [] };
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
      let spec = BY_NAME.get(name);
      if (!spec && name.startsWith("no-")) {
        const base = BY_NAME.get(name.slice(3));
        if (base?.negatable) {
          out.values.set(base.name, false);
          continue;
        }
      }
      if (!spec) throw usageError(`unknown option --${name}${suggest(name)}; see fetchx --help`);
      name = spec.name;
      if (spec.kind === "flag") {
        if (eq >= 0) throw usageError(`option --${name} takes no value`);
        set(out, spec, true);
      } else set(out, spec, eq >= 0 ? arg.slice(eq + 1) : next(`--${name}`));
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1) {
      // A bundle of short options; a value-taking one consumes the rest of the word or the next word.
      for (let j = 1; j < arg.length; j++) {
        const spec = BY_SHORT.get(arg[j]!);
        if (!spec) throw usageError(`unknown option -${arg[j]}; see fetchx --help`);
        if (spec.kind === "flag") {
          set(out, spec, true);
          continue;
        }
        set(out, spec, j + 1 < arg.length ? arg.slice(j + 1) : next(`-${arg[j]}`));
        break;
      }
      continue;
    }
    out.positionals.push(arg);
  }
  return out;
}
