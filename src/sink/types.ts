import { FetchxError } from "../errors.ts";

// Where body bytes go. Every sink applies backpressure by resolving write() only when the bytes are handed
// to the kernel, so the transfer loop reads no faster than the disk or the pipe takes.

export interface Sink {
  /** Final path for a regular file; undefined for stdout. */
  readonly path?: string;
  /** Sequential write at the current end. */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Write at a byte offset of the body (segments); sequential sinks accept only the next offset. Resolves
   * when the chunk is queued (there is room), not when it is written: `written` says that.
   */
  writeAt(position: number, chunk: Uint8Array, written?: () => void): Promise<void>;
  /** Resolves when every queued write is done; throws the first write failure. */
  flush(): Promise<void>;
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
