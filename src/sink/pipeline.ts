// Writes in flight while the socket keeps reading: the transfer loop hands a chunk over and goes on as
// long as fewer than BUDGET bytes wait for the disk (or the pipe); past that it waits, which is the
// backpressure. Positional writes go out concurrently; sequential ones (stdout, FIFOs) are chained in
// order. A failed write is reported by the next writeAt() or by flush(). Chunks are kept by reference:
// Bun does not reuse socket buffers (shared/PLATFORM.md).
import { writeAll } from "./fdwrite.ts";

/** Bytes handed to the kernel but not yet written, at most. */
export const BUDGET = 16 * 1024 * 1024;

export class WritePipeline {
  private inflight = 0;
  private waiters: (() => void)[] = [];
  private tail: Promise<void> = Promise.resolve();
  private failure: Error | null = null;

  constructor(
    private readonly fd: number,
    /** Keep order and ignore positions (pipes, terminals, character devices). */
    private readonly sequential: boolean,
    /** Turns a write error into the error to report. */
    private readonly fail: (err: unknown) => Error,
  ) {}

  /** Queues `chunk` at `position`; `written` runs once it is in the kernel. Resolves when there is room. */
  async write(position: number, chunk: Uint8Array, written?: () => void): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.inflight >= BUDGET) {
      await new Promise<void>((r) => this.waiters.push(r));
      if (this.failure) throw this.failure;
    }
    const n = chunk.byteLength;
    this.inflight += n;
    const run = () => writeAll(this.fd, chunk, this.sequential ? null : position);
    const p = this.sequential ? this.tail.then(() => (this.failure ? undefined : run())) : run();
    const settled = p.then(
      () => written?.(),
      (err) => void (this.failure ??= this.fail(err)),
    ).finally(() => {
      this.inflight -= n;
      this.waiters.shift()?.();
      if (this.inflight === 0) for (const w of this.waiters.splice(0)) w();
    });
    if (this.sequential) this.tail = settled;
  }

  /** Resolves when every queued write is done; throws the first write failure. */
  async flush(): Promise<void> {
    while (this.inflight > 0) await new Promise<void>((r) => this.waiters.push(r));
    if (this.failure) throw this.failure;
  }

  /** Waits for queued writes without reporting their failure (closing after an error). */
  async settle(): Promise<void> {
    while (this.inflight > 0) await new Promise<void>((r) => this.waiters.push(r));
  }
}
