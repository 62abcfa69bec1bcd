// The one logging module. Everything fetchx says on stderr goes through here: the error line, warnings,
// and the -v trace (curl's "* ", "> ", "< " prefixes). Lines are written plain, one per call, so scripts
// can grep them. The levels are three flags (-v, -s, -S), so no logging library: importing consola cost
// about 10 ms of every start (it touches process.stdout and process.stderr; see stdio.ts).
import type pc from "picocolors";
import { stderr } from "./stdio.ts";
import { traceTime, type TraceWriter } from "./trace.ts";
import type { WireKind } from "../transfer/options.ts";

type Colors = ReturnType<typeof pc.createColors>;
/** No colour: every function is String, as in picocolors' createColors(false) (and no `then`: not a promise). */
const PLAIN = new Proxy({} as Colors, { get: (_, key) => (key === "isColorSupported" ? false : key === "then" ? undefined : String) });
let picocolors: Colors | undefined;

/**
 * Imports picocolors when `stream` (stderr) is a terminal that takes colour: call it before the first line
 * or frame. Only then, because at import picocolors reads process.stdout.isTTY for its own guess, and
 * that first touch of process.stdout builds Node's stream: 5-10 ms of CPU at every start of a download
 * (bench/README.md), for colours nobody sees off a terminal.
 */
export async function loadColours(stream: { isTTY?: boolean } = stderr, env = process.env): Promise<void> {
  if (useColour(stream, env)) picocolors ??= (await import("picocolors")).default;
}

/** picocolors when `on` (and loaded by loadColours), else plain text. */
export const colours = (on: boolean): Colors => (on && picocolors) || PLAIN;

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
  /** --trace: every byte sent and received. */
  wire?(kind: WireKind, bytes: Uint8Array): void;
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColour(stream: { isTTY?: boolean }, env = process.env): boolean {
  return !!stream.isTTY && !("NO_COLOR" in env && env.NO_COLOR !== "") && env.TERM !== "dumb";
}

/**
 * With `trace` (--trace, --trace-ascii) the -v lines go there as curl's "== Info:" entries, and header
 * lines are left to the trace's own dump of the bytes; `traceTime` (--trace-time) puts the time before
 * each -v line.
 */
export function createLogger(opts: { verbose: boolean; silent: boolean; showError: boolean; traceTime?: boolean }, trace?: TraceWriter): Logger {
  // Decided on the first line written: a quiet run never asks whether stderr is a terminal.
  let painter: Colors | undefined;
  const paint = () => (painter ??= colours(useColour(stderr)));
  // stderr.write is looked up at every line: the progress display wraps it (bar mode) while it draws.
  const line = (text: string) => void stderr.write(`${text}\n`);
  const showErrors = !opts.silent || opts.showError;
  const time = opts.traceTime ? () => traceTime() : () => "";
  const logger: Logger = {
    verbose: opts.verbose,
    trace: (text) => opts.verbose && line(paint().dim(`${time()}* ${text}`)),
    header: (dir, text) => opts.verbose && line(dir === ">" ? paint().cyan(`${time()}> ${text}`) : `${time()}< ${text}`),
    warn: (message) => !opts.silent && line(paint().yellow(`fetchx: warning: ${message}`)),
    info: (message) => !opts.silent && line(message),
    error: (message) => showErrors && line(`${paint().red("fetchx:")} ${message}`),
  };
  return trace ? { ...logger, verbose: true, trace: (text) => trace.info(text), header: () => {}, wire: (kind, bytes) => trace.wire(kind, bytes) } : logger;
}
