// The progress display on stderr (ProgressSink). Three modes:
//   bar   -- on a terminal: live lines redrawn at most 10 times a second (cursor up + erase line), one line
//            per running transfer; a finished transfer leaves its final line above the live ones.
//   plain -- anywhere: a line per running transfer every few seconds and a final line; no carriage
//            returns or escapes, so logs and CI stay readable.
//   none  -- nothing (-s, or "bar" when stderr is not a terminal, as curl and wget2 do).
// A terminal that cannot move the cursor (TERM=dumb) gets plain lines; a locale without UTF-8 (LANG=C)
// gets ASCII only. A failed transfer leaves no line of its own: the error line says what happened.
// The display polls each source's snapshot on its own timer, so the transfer loop does no UI work.
import type { ProgressSink, ProgressSnapshot, ProgressSource } from "../transfer/progress.ts";
import { colours, useColour } from "./log.ts";
import { stderr, stdout } from "./stdio.ts";
import { finalLine, liveLine, utf8Locale, type Colors } from "./progress-line.ts";

export type DisplayMode = "bar" | "plain" | "none";

export interface DisplayOptions {
  progress: DisplayMode;
  silent: boolean;
}

export interface DisplayStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressDisplay extends ProgressSink {
  /**
   * The transfer ended: a final line when it succeeded (with its HTTP status when that is an error page
   * saved without -f), none when it failed (the caller prints the one error line).
   */
  finish(source: ProgressSource, error?: { exitCode: number; message: string }, status?: number): void;
  /** Stops showing a source without a final line (another source took over its transfer). */
  drop(source: ProgressSource): void;
  /** Erases the live lines (before an error or summary line is printed) and stops the timer. */
  close(): void;
}

const REDRAW_MS = 100;
const PLAIN_EVERY_MS = 3000;
// Rate over the last few seconds: reacts to a change of path (MPTCP failover) without flickering.
const RATE_WINDOW_MS = 3000;
const MAX_LIVE_LINES = 8;

/** What --progress and -s mean for this stream: "bar" needs a terminal that can move its cursor. */
export function displayMode(opts: DisplayOptions, stream: DisplayStream, env: Record<string, string | undefined> = {}): DisplayMode {
  if (opts.silent || opts.progress === "none") return "none";
  if (opts.progress === "bar") return !stream.isTTY ? "none" : env.TERM === "dumb" ? "plain" : "bar";
  return "plain";
}

interface Tracked {
  source: ProgressSource;
  started: number;
  samples: { t: number; done: number }[];
  lastPlain: number;
}

function rateOf(t: Tracked): number | null {
  const s = t.samples;
  if (s.length < 2) return null;
  const first = s[0]!;
  const last = s[s.length - 1]!;
  const dt = last.t - first.t;
  return dt >= 500 ? ((last.done - first.done) / dt) * 1000 : null;
}

export function createProgressDisplay(
  opts: DisplayOptions,
  stream: DisplayStream = stderr,
  env: Record<string, string | undefined> = process.env,
  // curl shows no meter when the body itself goes to the terminal; neither do we.
  stdoutIsTerminal = stdout.isTTY,
): ProgressDisplay {
  const mode = displayMode(opts, stream, env);
  if (mode === "none") return { start() {}, finish() {}, drop() {}, close() {} };
  const ascii = !utf8Locale(env);
  const paint: Colors = colours(mode === "bar" && useColour(stream, env));
  const tracked = new Map<ProgressSource, Tracked>();
  let drawn = 0; // live lines on screen now (bar mode)
  let timer: ReturnType<typeof setInterval> | undefined;
  // Other writers to the same stream (warnings, errors, -v lines) would land in the middle of the live
  // lines; in bar mode every foreign write first erases them, and the next tick redraws them below.
  const ownWrite = stream.write.bind(stream) as (text: string) => unknown;
  let hooked = false;
  const hook = () => {
    if (mode !== "bar" || hooked) return;
    hooked = true;
    const foreign = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (drawn > 0) ownWrite(erase());
      return (foreign as (...a: unknown[]) => unknown).call(stream, chunk, ...rest);
    }) as typeof stream.write;
    unhook = () => {
      stream.write = foreign;
      hooked = false;
    };
  };
  let unhook = () => {};

  const columns = () => (stream.columns && stream.columns > 0 ? stream.columns : 80);
  const shown = (s: ProgressSnapshot) => !(stdoutIsTerminal && s.file === undefined && s.phase !== "connecting");

  function sample(t: Tracked, now: number): ProgressSnapshot {
    const snap = t.source.snapshot();
    t.samples.push({ t: now, done: snap.done });
    while (t.samples.length > 2 && now - t.samples[0]!.t > RATE_WINDOW_MS) t.samples.shift();
    return snap;
  }

  function erase(): string {
    // Up to the first live line, then clear to the end of the screen.
    const up = drawn > 1 ? `\x1b[${drawn - 1}A` : "";
    drawn = 0;
    return `${up}\r\x1b[J`;
  }

  function tick() {
    const now = performance.now();
    if (mode === "plain") {
      for (const t of tracked.values()) {
        const snap = sample(t, now);
        if (now - t.lastPlain < PLAIN_EVERY_MS || !shown(snap) || snap.phase === "connecting") continue;
        t.lastPlain = now;
        ownWrite(liveLine(snap, rateOf(t), { columns: 1000, paint, ascii }) + "\n");
      }
      return;
    }
    const lines: string[] = [];
    for (const t of tracked.values()) {
      const snap = sample(t, now);
      if (shown(snap)) lines.push(liveLine(snap, rateOf(t), { columns: columns(), paint, ascii }));
    }
    if (lines.length > MAX_LIVE_LINES) lines.splice(MAX_LIVE_LINES - 1, lines.length, `${ascii ? "..." : "…"} ${lines.length - MAX_LIVE_LINES + 1} more`);
    if (lines.length === 0 && drawn === 0) return;
    const out = erase() + lines.join("\n");
    drawn = lines.length;
    ownWrite(out);
  }

  function ensureTimer() {
    if (timer || tracked.size === 0) return;
    timer = setInterval(tick, REDRAW_MS);
    // The display must never keep the process alive.
    (timer as { unref?: () => void }).unref?.();
  }

  function stopTimerIfIdle() {
    if (tracked.size > 0 || !timer) return;
    clearInterval(timer);
    timer = undefined;
  }

  return {
    start(source) {
      hook();
      const now = performance.now();
      tracked.set(source, { source, started: now, samples: [], lastPlain: now });
      ensureTimer();
    },
    finish(source, error, status) {
      const t = tracked.get(source);
      if (!t) return;
      tracked.delete(source);
      const snap = source.snapshot();
      if (error) {
        // The live lines come back on the next tick, so the error line printed next lands cleanly.
        if (mode === "bar" && drawn > 0) ownWrite(erase());
      } else if (shown(snap)) {
        const line = finalLine(snap, performance.now() - t.started, { columns: mode === "bar" ? columns() : 1000, paint, ascii }, status);
        ownWrite((mode === "bar" ? erase() : "") + line + "\n");
      }
      stopTimerIfIdle();
    },
    drop(source) {
      tracked.delete(source);
      stopTimerIfIdle();
    },
    close() {
      tracked.clear();
      stopTimerIfIdle();
      if (mode === "bar" && drawn > 0) ownWrite(erase());
      unhook();
    },
  };
}
