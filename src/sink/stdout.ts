// Standard output, binary-safe and in order. A pipe or socket is written non-blocking (Ctrl-C and -m
// still work while the reader is slow or gone quiet); a reader that goes away (EPIPE) ends the transfer
// quietly.
import { fstatSync } from "node:fs";
import { growPipe, setNonBlocking } from "../net/libc.ts";
import { writeAll, writeNonBlocking } from "./fdwrite.ts";
import { DownstreamClosed, type Sink } from "./types.ts";

const asDownstream = (err: unknown) => ((err as { code?: string }).code === "EPIPE" ? new DownstreamClosed() : err);

export function stdoutSink(signal?: AbortSignal): Sink {
  let next = 0;
  const st = fstatSync(1);
  const pipe = (st.isFIFO() || st.isSocket()) && setNonBlocking(1);
  if (st.isFIFO()) growPipe(1, 1 << 20); // 1 MiB, the default pipe-max-size: 16x fewer wake-ups than 64 KiB
  const writeAt = (position: number, chunk: Uint8Array): void | Promise<void> => {
    if (position !== next) throw new Error(`internal: stdout is sequential (asked ${position}, at ${next})`);
    next += chunk.byteLength;
    try {
      if (!pipe) return writeAll(1, chunk);
      return writeNonBlocking(1, chunk, signal)?.catch((err) => {
        throw asDownstream(err);
      });
    } catch (err) {
      throw asDownstream(err);
    }
  };
  return {
    writeAt,
    write: (chunk) => writeAt(next, chunk),
    commit: async () => {},
    abort: async () => {},
  };
}
