// --help, grouped by topic, from the option table.
import { GROUP_TITLES, OPTIONS, type Group } from "./table.ts";

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

export function renderHelp(): string {
  const lines = [
    "Usage: fetchx [options] URL...",
    "       fetchx doctor [--json]          check Multipath TCP on this host",
    "       fetchx help [TOPIC]             mptcp, resume, write-out, exit-codes, proxies, curl",
    "       fetchx completions SHELL        bash, zsh or fish completion script",
    "",
  ];
  const groups = [...new Set(OPTIONS.map((o) => o.group))] as Group[];
  for (const g of groups) {
    lines.push(`${GROUP_TITLES[g]}:`);
    for (const o of OPTIONS.filter((x) => x.group === g)) {
      const flag = `${o.short ? `-${o.short}, ` : "    "}--${o.name}${o.hint ? ` ${o.hint}` : ""}`;
      lines.push(flag.length > 34 ? `  ${flag}\n  ${"".padEnd(34)} ${o.description}` : `  ${flag.padEnd(34)} ${o.description}`);
    }
    lines.push("");
  }
  lines.push("Examples:");
  for (const [cmd, what] of EXAMPLES) lines.push(`  ${cmd!.padEnd(50)} ${what}`);
  lines.push("", "Exit codes follow curl's (6 resolve, 7 connect, 22 HTTP error with -f, 28 timeout, ...): fetchx help exit-codes.");
  lines.push("curl's options: fetchx help curl lists which work and where fetchx's defaults differ (--retry 0 restores curl's).");
  return lines.join("\n") + "\n";
}
