// The one logging module. Everything fetchx says on stderr goes through here: the error line, warnings,
// and the -v trace (curl's "* ", "> ", "< " prefixes). Lines are written plain, one per call, so scripts
// can grep them. The levels are three flags (-v, -s, -S), so no logging library: importing consola cost
// about 10 ms of every start (it touches process.stdout and process.stderr; see stdio.ts).
import pc from "picocolors";
import { stderr } from "./stdio.ts";

export interface Logger {
  /** -v lines about connections, MPTCP, TLS. */
  trace(line: string): void;
  /** -v request (">") and response ("<") header lines. */
  header(direction: ">" | "<", line: string): void;
  warn(message: string): void;
  /** The one error line of a failed run (shown unless -s without -S). */
  error(message: string): void;
  /** Plain informational line on stderr (summaries), silenced by -s. */
  info(message: string): void;
  readonly verbose: boolean;
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColour(stream: { isTTY?: boolean }, env = process.env): boolean {
  return !!stream.isTTY && !("NO_COLOR" in env && env.NO_COLOR !== "") && env.TERM !== "dumb";
}

export function createLogger(opts: { verbose: boolean; silent: boolean; showError: boolean }): Logger {
  // Decided on the first line written: a quiet run never asks whether stderr is a terminal.
  let colours: ReturnType<typeof pc.createColors> | undefined;
  const paint = () => (colours ??= useColour(stderr) ? pc : pc.createColors(false));
  // stderr.write is looked up at every line: the progress display wraps it (bar mode) while it draws.
  const line = (text: string) => void stderr.write(`${text}\n`);
  const showErrors = !opts.silent || opts.showError;
  return {
    verbose: opts.verbose,
    trace: (text) => opts.verbose && line(paint().dim(`* ${text}`)),
    header: (dir, text) => opts.verbose && line(dir === ">" ? paint().cyan(`> ${text}`) : `< ${text}`),
    warn: (message) => !opts.silent && line(paint().yellow(`fetchx: warning: ${message}`)),
    info: (message) => !opts.silent && line(message),
    error: (message) => showErrors && line(`${paint().red("fetchx:")} ${message}`),
  };
}
