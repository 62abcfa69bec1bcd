// Sequential outputs a caller hands over: a file descriptor (standard output is `{ fd: 1 }`) or a
// WritableStream. Bytes go in order, binary-safe. A pipe or socket fd is written non-blocking (Ctrl-C and
// -m still work while the reader is slow or gone quiet), and a reader that goes away (EPIPE) ends the
// transfer quietly. The engine changes an fd's mode only when that fd is the output it was given.
import { errnoName, growPipe, S_IFIFO, S_IFSOCK, setNonBlocking, statFd } from "../net/libc.ts";
import { writeAll, writeNonBlocking, WriteError } from "./fdwrite.ts";
import { DownstreamClosed, type Sink } from "./types.ts";

const asDownstream = (err: unknown) => ((err as { code?: string }).code === "EPIPE" ? new DownstreamClosed() : err);

/** Writes only the next offset; anything else is a bug in the caller. */
function sequential(write: (chunk: Uint8Array) => void | Promise<void>, rest: Pick<Sink, "commit" | "abort">): Sink {
  let next = 0;
  const writeAt = (position: number, chunk: Uint8Array): void | Promise<void> => {
    if (position !== next) throw new Error(`sequential output asked to write at ${position}, at ${next}`);
    next += chunk.byteLength;
    return write(chunk);
  };
  return { writeAt, write: (chunk) => writeAt(next, chunk), ...rest };
}

export function fdSink(fd: number, signal?: AbortSignal): Sink {
  const st = statFd(fd); // through libc: node:fs is not loaded for this (src/node-fs.ts)
  if (typeof st === "number") throw new WriteError(errnoName(-st));
  const pipe = (st.mode === S_IFIFO || st.mode === S_IFSOCK) && setNonBlocking(fd);
  if (st.mode === S_IFIFO) growPipe(fd, 1 << 20); // 1 MiB, the default pipe-max-size: 16x fewer wake-ups than 64 KiB
  const write = (chunk: Uint8Array): void | Promise<void> => {
    try {
      if (!pipe) return writeAll(fd, chunk);
      return writeNonBlocking(fd, chunk, signal)?.catch((err) => {
        throw asDownstream(err);
      });
    } catch (err) {
      throw asDownstream(err);
    }
  };
  return sequential(write, { commit: async () => {}, abort: async () => {} });
}

/** A caller's WritableStream: each write is awaited (its backpressure is ours); closed on commit. The
 *  caller may keep what it is given, and body chunks are views of a reused receive buffer: it gets a copy. */
export function streamSink(stream: WritableStream<Uint8Array>): Sink {
  const writer = stream.getWriter();
  return sequential((chunk) => writer.write(chunk.slice()), {
    commit: () => writer.close(),
    abort: () => writer.abort().catch(() => {}),
  });
}
