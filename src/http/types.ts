// The contract of the HTTP/1.1 layer (request writer, response parser, body decoders).

/** Response header lines in arrival order; lookups are case-insensitive. */
export interface HeaderList {
  /** All values of `name` joined with ", " (Set-Cookie excepted: first value), or undefined. */
  get(name: string): string | undefined;
  getAll(name: string): string[];
  has(name: string): boolean;
  entries(): [string, string][];
}

export interface ResponseHead {
  version: "1.0" | "1.1";
  status: number;
  statusText: string;
  headers: HeaderList;
  /** Bytes of the status line and headers, as received. */
  headerBytes: number;
  /** Those bytes themselves, when the exchange kept them (what -i and -D print). */
  raw?: Uint8Array;
}

/** How the body is delimited, decided once the head is parsed. */
export type BodyMode = "none" | "length" | "chunked" | "close";

export interface ParserEvents {
  /** 1xx responses (100 Continue, 103 Early Hints) are reported and skipped. */
  onInformational?(head: ResponseHead): void;
  onHead(head: ResponseHead): void;
  /** Body bytes after de-chunking, never decompressed. Slices of the fed buffers: no copy. */
  onBody(bytes: Uint8Array): void;
  onTrailers?(trailers: HeaderList): void;
  onComplete(): void;
}
