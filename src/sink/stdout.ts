// Standard output, binary-safe and in order. A reader that goes away (EPIPE) ends the transfer quietly.
import { writeAll } from "./fdwrite.ts";
import { DownstreamClosed, type Sink } from "./types.ts";

export function stdoutSink(): Sink {
  let next = 0;
  const writeAt = (position: number, chunk: Uint8Array) => {
    if (position !== next) throw new Error(`internal: stdout is sequential (asked ${position}, at ${next})`);
    try {
      writeAll(1, chunk);
    } catch (err) {
      if ((err as { code?: string }).code === "EPIPE") throw new DownstreamClosed();
      throw err;
    }
    next += chunk.byteLength;
  };
  return {
    writeAt,
    write: (chunk) => writeAt(next, chunk),
    flush: async () => {},
    commit: async () => {},
    abort: async () => {},
  };
}
