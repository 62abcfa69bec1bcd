// Where body bytes go. Every sink applies backpressure by resolving write() only when the bytes are handed
// to the kernel, so the transfer loop reads no faster than the disk or the pipe takes.

export interface Sink {
  /** Final path for a regular file; undefined for stdout. */
  readonly path?: string;
  /** Sequential write at the current end. */
  write(chunk: Uint8Array): Promise<void>;
  /** Everything arrived: make the result visible under its final name. */
  commit(): Promise<void>;
  /** The transfer failed: close, keep what was written where a resume can find it. */
  abort(): Promise<void>;
}

/** A downstream reader closed the pipe: fetchx ends quietly. */
export class DownstreamClosed extends Error {
  constructor() {
    super("downstream closed the pipe");
  }
}
