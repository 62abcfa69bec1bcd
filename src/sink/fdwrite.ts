// Writes all of `chunk` to an fd, at `position` or at the fd's offset, continuing after partial writes.
import { write } from "node:fs";

function writeOnce(fd: number, chunk: Uint8Array, position: number | null): Promise<number> {
  return new Promise((resolve, reject) =>
    write(fd, chunk, 0, chunk.byteLength, position, (err, n) => (err ? reject(err) : resolve(n))),
  );
}

export async function writeAll(fd: number, chunk: Uint8Array, position: number | null = null): Promise<void> {
  let off = 0;
  while (off < chunk.byteLength) {
    let n: number;
    try {
      n = await writeOnce(fd, off === 0 ? chunk : chunk.subarray(off), position === null ? null : position + off);
    } catch (err) {
      // A non-blocking pipe that is full: wait a moment for the reader.
      if ((err as { code?: string }).code === "EAGAIN") {
        await Bun.sleep(1);
        continue;
      }
      throw err;
    }
    off += n;
  }
}
