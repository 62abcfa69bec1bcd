// --help, grouped by topic, from the option table.
import { GROUP_TITLES, OPTIONS, type Group } from "./table.ts";

const EXAMPLES = [
  ["fetchx -O https://example.com/big.iso", "save as big.iso"],
  ["fetchx --mptcp -o f.iso https://example.com/f.iso", "download over Multipath TCP"],
  ["fetchx -sS -w '%{json}' -o /dev/null URL", "print a JSON summary of the transfer"],
  ["fetchx doctor", "is Multipath TCP usable on this host?"],
];

export function renderHelp(): string {
  const lines = ["Usage: fetchx [options] URL...", "       fetchx doctor [--json]", ""];
  const groups = [...new Set(OPTIONS.map((o) => o.group))] as Group[];
  for (const g of groups) {
    lines.push(`${GROUP_TITLES[g]}:`);
    for (const o of OPTIONS.filter((x) => x.group === g)) {
      const flag = `${o.short ? `-${o.short}, ` : "    "}--${o.name}${o.hint ? ` ${o.hint}` : ""}`;
      lines.push(`  ${flag.padEnd(34)} ${o.description}`);
    }
    lines.push("");
  }
  lines.push("Examples:");
  for (const [cmd, what] of EXAMPLES) lines.push(`  ${cmd!.padEnd(50)} ${what}`);
  lines.push("", "Exit codes follow curl's (6 resolve, 7 connect, 22 HTTP error with -f, 28 timeout, ...): see README.");
  return lines.join("\n") + "\n";
}
