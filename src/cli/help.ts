// --help, derived from the option table and wrapped to the terminal (curl's model): plain --help lists
// the options marked `important` in the table; `--help all` every option by group; `--help GROUP` one
// group; `--help TOPIC` (or `fetchx help TOPIC`) a topic. A new table entry needs nothing here: it shows
// up in `--help all`, in its group's help and in the completions.
import { usageError } from "../errors.ts";
import { helpColumns } from "./environment.ts";
import { GROUP_TITLES, OPTIONS, type Group, type OptionSpec } from "./table.ts";
import { TOPICS } from "./topics.ts";

const EXAMPLES = [
  ["fetchx -O https://example.com/big.iso", "save as big.iso"],
  ["fetchx --mptcp -o f.iso https://example.com/f.iso", "download over Multipath TCP"],
  ["fetchx -C - --connections 4 -O URL", "resume, four ranges in parallel"],
  ["fetchx -Z -O --output-dir dl --input-file urls.txt", "many URLs, five at a time"],
  ["fetchx -x http://proxy:3128 --limit-rate 2M -O URL", "through a proxy, at most 2 MiB/s"],
  ["fetchx -sS -w '%{json}' -o /dev/null URL", "print a JSON summary of the transfer"],
  ["fetchx -sSf --json '{\"a\":1}' URL", "POST JSON, as curl"],
  ["fetchx --proto '=https' --tlsv1.2 -sSf URL | sh", "curl's install one-liners work as they are"],
  ["fetchx doctor", "is Multipath TCP usable on this host?"],
];

const ENVIRONMENT = [
  ["FETCHX_PROGRESS=bar|plain|none", "progress display when --progress is not given; plain prints a line every few seconds without a terminal (logs, CI, containers)"],
  ["FETCHX_MPTCP=1", "use Multipath TCP (--no-mptcp overrides)"],
  ["http_proxy, https_proxy, all_proxy, no_proxy", "proxies (fetchx help proxies)"],
  ["NO_COLOR=1", "no colour; TERM=dumb also means no cursor movement, a non-UTF-8 LANG plain ASCII"],
];

const USAGE = [
  ["fetchx [options] URL...", ""],
  ["fetchx doctor [--json]", "check Multipath TCP on this host"],
  ["fetchx help [TOPIC]", `${Object.keys(TOPICS).join(", ")}`],
  ["fetchx completions SHELL", "bash, zsh or fish completion script"],
];

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/ +/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return line || lines.length === 0 ? [...lines, line] : lines;
}

/**
 * Two columns: `left` padded to `col`, `right` wrapped beside it. When the left side does not fit, or
 * the terminal is too narrow for two columns, the right side starts on the next line, indented.
 */
function twoColumns(left: string, right: string, col: number, columns: number): string[] {
  const width = columns - 1;
  if (!right) return [left];
  const twoCol = width - col >= 30;
  const start = twoCol ? col : Math.min(8, col);
  const body = wrapWords(right, Math.max(20, width - start)).map((l) => " ".repeat(start) + l);
  if (twoCol && left.length < col - 1) return [left.padEnd(col) + body[0]!.trimStart(), ...body.slice(1)];
  return [left, ...body];
}

/**
 * Any preformatted text (the help topics) wrapped to the width. A paragraph (lines starting at column 0,
 * up to a line that ends a sentence) with a line too long is reflowed as a whole; so is an entry
 * ("  term     description" and the lines under its description). A long indented line (a table row, an
 * example) breaks between words and goes on under where its text started (after the first gap of two or
 * more spaces, else a little deeper than its indentation).
 */
export function wrapText(text: string, columns: number): string {
  const width = columns - 1;
  const out: string[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\S/.test(line)) {
      let j = i;
      // A line after a full stop or colon, or one that opens with "Label:  ", starts a paragraph of its own.
      while (j + 1 < lines.length && /^\S/.test(lines[j + 1]!) && !/[.:]$/.test(lines[j]!) && !/^[A-Z][\w ]*: {2}/.test(lines[j + 1]!)) j++;
      const para = lines.slice(i, j + 1);
      out.push(...(para.some((l) => l.length > width) ? wrapWords(para.join(" "), width) : para));
      i = j;
      continue;
    }
    const indent = /^ */.exec(line)![0].length;
    const gap = /^ *\S.*? {2,}(?=\S)/.exec(line);
    const hang = gap && gap[0].length <= width / 2 ? gap[0].length : indent + 2;
    // An entry ("  term     description") goes on in lines indented to its description: one paragraph.
    let j = i;
    if (gap) while (j + 1 < lines.length && /^ *\S/.exec(lines[j + 1]!)?.[0].length === hang + 1) j++;
    const entry = lines.slice(i, j + 1);
    i = j;
    if (entry.every((l) => l.length <= width)) {
      out.push(...entry);
      continue;
    }
    let rest = entry.map((l, k) => (k === 0 ? l.trimEnd() : l.trim())).join(" ");
    let first = true;
    while (rest.length > width) {
      const lead = first ? 0 : hang;
      let cut = rest.lastIndexOf(" ", width);
      if (cut <= lead) cut = rest.indexOf(" ", width); // one long word: let it overflow rather than split it
      if (cut < 0) break;
      out.push(rest.slice(0, cut).trimEnd());
      rest = " ".repeat(hang) + rest.slice(cut).trimStart();
      first = false;
    }
    out.push(rest);
  }
  return out.join("\n");
}

const flagText = (o: OptionSpec) => `  ${o.short ? `-${o.short}, ` : "    "}--${o.name}${o.hint ? ` ${o.hint}` : ""}`;

function optionLines(options: OptionSpec[], columns: number): string[] {
  // The description column: after the longest flag, but never more than 36 characters in.
  const col = Math.min(36, Math.max(...options.map((o) => flagText(o).length)) + 2);
  return options.flatMap((o) => twoColumns(flagText(o), o.description, col, columns));
}

function section(title: string, rows: string[][], columns: number): string[] {
  const col = Math.min(36, Math.max(...rows.map(([l]) => l!.length + 2)) + 2);
  return [title, ...rows.flatMap(([l, r]) => twoColumns(`  ${l}`, r!, col, columns)), ""];
}

const groups = () => [...new Set(OPTIONS.map((o) => o.group))] as Group[];

function usageLines(columns: number): string[] {
  const col = Math.max(...USAGE.map(([l]) => l!.length)) + 9;
  return USAGE.flatMap(([l, r], i) => twoColumns(`${i === 0 ? "Usage:" : "      "} ${l}`, r!, col, columns)).concat("");
}

function shortHelp(columns: number): string[] {
  const important = OPTIONS.filter((o) => o.important);
  const names = groups().join(", ");
  return [
    ...usageLines(columns),
    ...optionLines(important, columns),
    "",
    ...section("Environment:", ENVIRONMENT.slice(0, 1), columns),
    ...wrapWords(
      `This is not the full help. fetchx --help all lists every option; fetchx --help GROUP the options of one group (${names}); fetchx help TOPIC explains one topic (${Object.keys(TOPICS).join(", ")}).`,
      columns - 1,
    ),
  ];
}

function groupHelp(g: Group, columns: number): string[] {
  return [`${GROUP_TITLES[g]}:`, ...optionLines(OPTIONS.filter((o) => o.group === g), columns), ""];
}

function fullHelp(columns: number): string[] {
  return [
    ...usageLines(columns),
    ...groups().flatMap((g) => groupHelp(g, columns)),
    ...section("Examples:", EXAMPLES, columns),
    ...section("Environment:", ENVIRONMENT, columns),
    ...wrapWords("Exit codes follow curl's (6 resolve, 7 connect, 22 HTTP error with -f, 28 timeout, ...): fetchx help exit-codes.", columns - 1),
    ...wrapWords("curl's options: fetchx help curl lists which work and where fetchx's defaults differ (--retry 0 restores curl's).", columns - 1),
  ];
}

/** What a help word names: "all", an option group, or a topic; undefined when it names none. */
export function helpFor(what: string | undefined, columns: number): string | undefined {
  if (what === undefined) return shortHelp(columns).join("\n") + "\n";
  if (what === "all") return fullHelp(columns).join("\n") + "\n";
  // A topic first: "mptcp" is both, and the topic says more.
  const topic = TOPICS[what];
  if (topic) return wrapText(topic.text(), columns);
  const group = groups().find((g) => g === what || GROUP_TITLES[g].toLowerCase() === what.toLowerCase());
  return group ? groupHelp(group, columns).join("\n") + "\n" : undefined;
}

/** `fetchx --help [all|GROUP|TOPIC]`. */
export function renderHelp(what?: string, columns = helpColumns()): string {
  const text = helpFor(what, columns);
  if (text === undefined) throw usageError(`no help for "${what}": try all, ${groups().join(", ")}, or ${Object.keys(TOPICS).join(", ")}`);
  return text;
}
