// `fetchx doctor [--json]`: prints the MPTCP diagnosis of src/net/doctor.ts for people or scripts.
// Exit status (returned, not exited: src/main.ts exits): 0 = MPTCP usable (even if on one path only;
// the text says so), 1 = MPTCP not usable here, 2 = usage error (thrown).
// citty's runCommand neither answers --help nor refuses unknown options (`--jsn` would silently become
// args.jsn and run the diagnosis), so the arguments are checked here before anything runs.
import { defineCommand } from "citty";
import pc from "picocolors";
import { usageError } from "../errors.ts";
import { diagnoseMptcp, type DoctorReport } from "../net/doctor.ts";

export const DOCTOR_HELP = `Usage: fetchx doctor [--json]

Checks whether Multipath TCP (--mptcp) is usable in this network namespace (host or container) and
whether it will use more than one path. It changes nothing: it prints the commands, or in a container
the run option, that would fix what it finds, and says what it could not check.

  --json       print the report as JSON
  -h, --help   print this help

Exit status: 0 MPTCP usable (perhaps on one path only), 1 not usable here, 2 usage error.
`;

/** "help" for -h/--help, "run" for nothing or --json; anything else is a usage error (exit 2). */
export function checkDoctorArgs(rawArgs: readonly string[]): "help" | "run" {
  let help = false;
  for (const arg of rawArgs) {
    if (arg === "--help" || arg === "-h") help = true;
    else if (arg !== "--json")
      throw usageError(`doctor: ${arg.startsWith("-") ? "unknown option" : "unexpected argument"} '${arg}' (doctor takes --json, --help)`);
  }
  return help ? "help" : "run";
}

type Colors = ReturnType<typeof pc.createColors>;

export interface DoctorRunOptions {
  json: boolean;
  /** Where output goes (default stdout). */
  write?: (text: string) => void;
  /** Colour the human output (default: stdout is a TTY and NO_COLOR is unset). */
  color?: boolean;
}

export const doctorExitCode = (report: DoctorReport) => (report.usable ? 0 : 1);

export async function runDoctor(opts: DoctorRunOptions): Promise<number> {
  const write = opts.write ?? ((t: string) => process.stdout.write(t));
  const report = await diagnoseMptcp();
  if (opts.json) write(JSON.stringify(report, null, 2) + "\n");
  else {
    const color = opts.color ?? (Boolean(process.stdout.isTTY) && !process.env.NO_COLOR);
    write(renderDoctor(report, pc.createColors(color)));
  }
  return doctorExitCode(report);
}

export function renderDoctor(r: DoctorReport, c: Colors): string {
  const ok = (good: boolean | null, text: string) => (good === null ? c.yellow(text) : good ? c.green(text) : c.red(text));
  const lines: string[] = [c.bold("fetchx doctor: Multipath TCP on this host") + c.dim(` (kernel ${r.kernel})`), ""];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(32)} ${value}`);

  row("net.mptcp.enabled", ok(r.enabled, r.enabled === null ? "missing (no MPTCP in kernel)" : r.enabled ? "1" : "0"));
  for (const key of ["path_manager", "pm_type", "scheduler", "available_schedulers", "checksum_enabled"])
    if (r.sysctl[key] !== undefined) row(`net.mptcp.${key}`, r.sysctl[key]!);
  for (const s of r.sockets) row(`MPTCP socket, IPv${s.family}`, ok(s.ok, s.ok ? "ok" : `fails: ${s.errno}`));
  row("path manager", r.pathManager ?? c.yellow("unknown"));
  if (r.container) row("container", `${r.container.kind} (${r.container.evidence})`);
  if (r.ip !== "ok") row("ip mptcp", c.yellow(r.ipError ?? r.ip));
  if (r.limits) row("limits", `subflows ${r.limits.subflows}, add_addr_accepted ${r.limits.addAddrAccepted}`);
  if (r.endpoints) {
    if (r.endpoints.length === 0) row("endpoints", c.yellow("none"));
    r.endpoints.forEach((e, i) => {
      const text = [e.address, e.port ? `port ${e.port}` : "", e.dev ? `dev ${e.dev}` : "", e.flags.join(",") || "(no flags)"].filter(Boolean).join("  ");
      row(i === 0 ? "endpoints" : "", text);
    });
  }
  row("addresses", r.addresses.length ? r.addresses.map((a) => `${a.address} (${a.dev})`).join(", ") : c.yellow("none but loopback"));
  lines.push("");
  const mark = r.verdict === "multipath" ? c.green("✔") : r.verdict === "single-path" ? c.yellow("!") : c.red("✘");
  lines.push(`${mark} ${c.bold(r.summary)}`);
  for (const a of r.advice) lines.push(`  ${a}`);
  if (r.unchecked.length > 0) {
    lines.push("", "  Not checked:");
    for (const u of r.unchecked) lines.push(`    ${u}`);
  }
  if (r.commands.length > 0) {
    lines.push("", "  To fix (as root):");
    for (const cmd of r.commands) lines.push(`    ${c.cyan(cmd)}`);
  }
  if (r.runOptions.length > 0) {
    lines.push("", "  To fix, start the container with (docker run / podman run):");
    for (const opt of r.runOptions) lines.push(`    ${c.cyan(opt)}`);
  }
  return lines.join("\n") + "\n";
}

/** citty definition; its run() resolves to the exit status: `const { result } = await runCommand(doctorCommand, { rawArgs })`. */
export const doctorCommand = defineCommand({
  meta: { name: "doctor", description: "Check whether Multipath TCP (--mptcp) is usable here and will use more than one path" },
  args: {
    json: { type: "boolean", description: "Print the report as JSON", default: false },
  },
  run: ({ rawArgs }) => {
    if (checkDoctorArgs(rawArgs) === "help") {
      process.stdout.write(DOCTOR_HELP);
      return 0;
    }
    return runDoctor({ json: rawArgs.includes("--json") });
  },
});
