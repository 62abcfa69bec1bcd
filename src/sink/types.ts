import { FetchxError } from "../errors.ts";

// Where body bytes go. Writes are write(2)/pwrite(2) calls: synchronous for files (the transfer loop reads
// no faster than the disk takes: that is the backpressure), awaited on the event loop for pipes.

export interface Sink {
  /** Final path for a regular file; undefined for stdout. */
  readonly path?: string;
  /**
   * Sequential write at the current end. Returns a promise only when the target (a pipe) must be waited
   * for; the bytes count as written once it resolves.
   */
  write(chunk: Uint8Array): void | Promise<void>;
  /** Write at a byte offset of the body (segments); sequential sinks accept only the next offset. */
  writeAt(position: number, chunk: Uint8Array): void | Promise<void>;
  /** Everything arrived: make the result visible under its final name. */
  commit(): Promise<void>;
  /** The transfer failed: close, keep what was written where a resume can find it. */
  abort(): Promise<void>;
}

/** A downstream reader closed the pipe: fetchx ends quietly (exit 23, no message). */
export class DownstreamClosed extends FetchxError {
  constructor() {
    super("WRITE", "downstream closed the pipe", { retryable: false });
  }
}
