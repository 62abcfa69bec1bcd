// Standard output, binary-safe, written in order while the socket keeps reading. A reader that goes away
// (EPIPE) ends the transfer quietly.
import { WritePipeline } from "./pipeline.ts";
import { DownstreamClosed, type Sink } from "./types.ts";

export function stdoutSink(): Sink {
  let next = 0;
  const pipe = new WritePipeline(1, true, (err) =>
    (err as { code?: string }).code === "EPIPE" ? new DownstreamClosed() : (err as Error),
  );
  const writeAt = async (position: number, chunk: Uint8Array, written?: () => void) => {
    if (position !== next) throw new Error(`internal: stdout is sequential (asked ${position}, at ${next})`);
    next += chunk.byteLength;
    await pipe.write(position, chunk, written);
  };
  return {
    writeAt,
    write: (chunk) => writeAt(next, chunk),
    flush: () => pipe.flush(),
    commit: () => pipe.flush(),
    abort: () => pipe.settle(),
  };
}
