// Standard output, binary-safe. A reader that goes away (EPIPE) ends the transfer quietly.
import { writeAll } from "./fdwrite.ts";
import { DownstreamClosed, type Sink } from "./types.ts";

export function stdoutSink(): Sink {
  let written = 0;
  return {
    async writeAt(position, chunk) {
      if (position !== written) throw new Error(`internal: stdout is sequential (asked ${position}, at ${written})`);
      await this.write(chunk);
    },
    async write(chunk) {
      written += chunk.byteLength;
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
