// Shared by the parser tests: runs a ResponseParser over a sequence of chunks the way the transfer
// loop does (a new parser for the bytes left over after each complete response).

import { ResponseParser } from "../../src/http/parser.ts";
import type { BodyMode, HeaderList } from "../../src/http/types.ts";

export interface Message {
  informational: number[];
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Uint8Array;
  trailers: [string, string][];
  mode: BodyMode;
  keepAlive: boolean;
  expected: number | null;
  /** Every body piece was a view of the chunk that was fed (zero-copy). */
  zeroCopy: boolean;
}

export const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
export const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

/** Parses all of `chunks` (then EOF) with method `methods[i]` for the i-th response. */
export function parseAll(methods: string[], chunks: Uint8Array[], opts?: { maxHeaderBytes?: number; ignoreLength?: boolean }): Message[] {
  const messages: Message[] = [];
  let current: Uint8Array | null = null;
  let msg: Message;
  let pieces: Uint8Array[] = [];
  let fedAny = false;
  const fresh = (): ResponseParser => {
    msg = {
      informational: [],
      status: 0,
      statusText: "",
      headers: [],
      body: new Uint8Array(0),
      trailers: [],
      mode: "none",
      keepAlive: false,
      expected: null,
      zeroCopy: true,
    };
    pieces = [];
    fedAny = false;
    const method = methods[Math.min(messages.length, methods.length - 1)]!;
    return new ResponseParser(
      method,
      {
        onInformational: (h) => msg.informational.push(h.status),
        onHead: (h) => {
          msg.status = h.status;
          msg.statusText = h.statusText;
          msg.headers = h.headers.entries();
        },
        onBody: (b) => {
          if (b.buffer !== current!.buffer) msg.zeroCopy = false;
          pieces.push(b.slice());
        },
        onTrailers: (t: HeaderList) => (msg.trailers = t.entries()),
        onComplete: () => {
          msg.body = Buffer.concat(pieces);
          msg.mode = parser.bodyMode;
          msg.keepAlive = parser.keepAlive;
          msg.expected = parser.expected;
          const received = parser.received;
          if (received !== msg.body.length) throw new Error(`received ${received} != ${msg.body.length}`);
          messages.push(msg);
        },
      },
      opts,
    );
  };
  let parser = fresh();
  for (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      current = chunk;
      const n = parser.feed(chunk.subarray(offset));
      if (n > 0) fedAny = true;
      offset += n;
      if (parser.done) parser = fresh();
      else if (n === 0) throw new Error("parser made no progress");
    }
  }
  if (fedAny || messages.length === 0) parser.finish();
  return messages;
}
