// Standard output, binary-safe. A reader that goes away (EPIPE) ends the transfer quietly.
import { writeAll } from "./fdwrite.ts";
import { DownstreamClosed, type Sink } from "./types.ts";

export function stdoutSink(): Sink {
  return {
    async write(chunk) {
      try {
        await writeAll(1, chunk);
      } catch (err) {
        if ((err as { code?: string }).code === "EPIPE") throw new DownstreamClosed();
        throw err;
      }
    },
    async commit() {},
    async abort() {},
  };
}
