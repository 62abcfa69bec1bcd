// The one logging module. Everything fetchx says on stderr goes through here: the error line, warnings,
// and the -v trace (curl's "* ", "> ", "< " prefixes). consola does the level filtering; lines are written
// plain, one per call, so scripts can grep them.
import { createConsola, type ConsolaInstance, type LogObject } from "consola";
import pc from "picocolors";

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
  const colour = useColour(process.stderr);
  const paint = colour ? pc : pc.createColors(false);
  const consola: ConsolaInstance = createConsola({
    level: opts.verbose ? 4 : opts.silent ? 0 : 3,
    reporters: [{ log: (obj: LogObject) => void process.stderr.write(`${obj.args.join(" ")}\n`) }],
  });
  const showErrors = !opts.silent || opts.showError;
  return {
    verbose: opts.verbose,
    trace: (line) => opts.verbose && consola.debug(paint.dim(`* ${line}`)),
    header: (dir, line) => opts.verbose && consola.debug(dir === ">" ? paint.cyan(`> ${line}`) : `< ${line}`),
    warn: (message) => !opts.silent && consola.warn(paint.yellow(`fetchx: warning: ${message}`)),
    info: (message) => !opts.silent && consola.info(message),
    error: (message) => showErrors && void process.stderr.write(`${paint.red("fetchx:")} ${message}\n`),
  };
}
