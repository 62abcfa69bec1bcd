// Guards the response parser's framing: every response must give the same head, body bytes, trailers
// and keep-alive verdict however the socket happens to split it.

import { describe, expect, test } from "bun:test";
import { FetchxError } from "../../src/errors.ts";
import { ResponseParser } from "../../src/http/parser.ts";
import { bytes, parseAll, text, type Message } from "./http-parser-helpers.ts";

interface Case {
  name: string;
  methods: string[];
  wire: string;
  expect: Array<Partial<Omit<Message, "body">> & { body: string }>;
}

// A body containing CR, LF, NUL and bytes above 0x7f, so framing cannot rely on the body being text.
const BINARY = "\r\n\0\xff\x80HTTP/1.1 200 OK\r\n\r\n";

const CASES: Case[] = [
  {
    // RFC 9110 5.5: OWS (spaces and tabs) around a value is not part of it; other whitespace is.
    name: "header values without the spaces and tabs around them",
    methods: ["GET"],
    wire: "HTTP/1.1 200 OK\r\nX-A: \t a \t b\t \r\nX-B:\x0bv\x0b\r\nX-C:\r\nX-D: \t \r\nContent-Length: 0\r\n\r\n",
    expect: [{ status: 200, body: "", headers: [["X-A", "a \t b"], ["X-B", "\x0bv\x0b"], ["X-C", ""], ["X-D", ""], ["Content-Length", "0"]] }],
  },
  {
    name: "content-length",
    methods: ["GET"],
    wire: `HTTP/1.1 200 OK\r\nContent-Length: ${BINARY.length}\r\nX-A: b\r\n\r\n${BINARY}`,
    expect: [{ status: 200, statusText: "OK", body: BINARY, mode: "length", keepAlive: true, expected: BINARY.length }],
  },
  {
    name: "chunked with extensions and trailers",
    methods: ["GET"],
    wire:
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
      '4;name=val\r\nWiki\r\n5 ; q="x;y"\r\npedia\r\ne\r\n in\r\n\r\nchunks.\r\n' +
      `${BINARY.length.toString(16)}\r\n${BINARY}\r\n0\r\nExpires: never\r\nX-Sum: 1\r\n\r\n`,
    expect: [
      {
        status: 200,
        body: `Wikipedia in\r\n\r\nchunks.${BINARY}`,
        mode: "chunked",
        keepAlive: true,
        expected: null,
        trailers: [
          ["Expires", "never"],
          ["X-Sum", "1"],
        ],
      },
    ],
  },
  {
    name: "close-delimited HTTP/1.0",
    methods: ["GET"],
    wire: `HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody until close${BINARY}`,
    expect: [{ status: 200, body: `body until close${BINARY}`, mode: "close", keepAlive: false, expected: null }],
  },
  {
    name: "1xx heads then 200",
    methods: ["GET"],
    wire:
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
    expect: [{ informational: [100, 103], status: 200, body: "abc", mode: "length" }],
  },
  {
    name: "HEAD (Content-Length without body) then a pipelined GET",
    methods: ["HEAD", "GET"],
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
    expect: [
      { status: 200, body: "", mode: "none", keepAlive: true, expected: 0 },
      { status: 200, body: "hi", mode: "length" },
    ],
  },
  {
    name: "204 and 304 have no body",
    methods: ["GET"],
    wire: "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n",
    expect: [
      { status: 204, body: "", mode: "none", keepAlive: true },
      { status: 304, body: "", mode: "none" },
    ],
  },
  {
    name: "two keep-alive responses in one buffer",
    methods: ["GET"],
    wire:
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst" +
      "HTTP/1.1 206 Partial Content\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n",
    expect: [
      { status: 200, body: "first", keepAlive: true },
      { status: 206, statusText: "Partial Content", body: "second", mode: "chunked", keepAlive: true },
    ],
  },
  {
    name: "bare LF line ends and no reason phrase",
    methods: ["GET"],
    wire: "HTTP/1.1 200\nContent-Length: 2\nX-Empty:\n\nok",
    expect: [{ status: 200, statusText: "", body: "ok", headers: [["Content-Length", "2"], ["X-Empty", ""]] }],
  },
  {
    name: "zero Content-Length, Connection: close",
    methods: ["GET"],
    wire: "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    expect: [{ status: 404, body: "", mode: "length", keepAlive: false, expected: 0 }],
  },
  {
    name: "HTTP/1.0 keep-alive, duplicate equal Content-Length",
    methods: ["GET"],
    wire: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nxyz",
    expect: [{ status: 200, body: "xyz", keepAlive: true, expected: 3 }],
  },
  {
    name: "chunked wins over Content-Length and forbids reuse",
    methods: ["GET"],
    wire: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    expect: [{ body: "abc", mode: "chunked", keepAlive: false, expected: null }],
  },
  {
    name: "CONNECT 200 has no body; what follows is the tunnel",
    methods: ["CONNECT", "GET"],
    wire: "HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!",
    expect: [{ status: 200, body: "", mode: "none" }, { body: "!" }],
  },
];

function check(c: Case, messages: Message[], where: string) {
  expect(messages.length, where).toBe(c.expect.length);
  c.expect.forEach((want, i) => {
    const got = messages[i]!;
    expect(text(got.body), where).toBe(want.body);
    expect(got.zeroCopy, where).toBe(true);
    for (const key of Object.keys(want) as (keyof Message)[])
      if (key !== "body") expect(got[key] as unknown, `${where} ${key}`).toEqual(want[key as keyof typeof want]);
  });
}

describe("ResponseParser framing", () => {
  for (const c of CASES) {
    test(`${c.name}: whole, every split point, byte by byte`, () => {
      const wire = bytes(c.wire);
      check(c, parseAll(c.methods, [wire]), "whole");
      for (let i = 0; i <= wire.length; i++)
        check(c, parseAll(c.methods, [wire.slice(0, i), wire.slice(i)]), `split at ${i}`);
      check(c, parseAll(c.methods, Array.from(wire, (b) => Uint8Array.of(b))), "byte by byte");
    });
  }

  test("feed returns the bytes consumed, stopping at the end of the message", () => {
    const wire = bytes("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 ...");
    const p = new ResponseParser("GET", { onHead() {}, onBody() {}, onComplete() {} });
    expect(p.feed(wire)).toBe(wire.indexOf(0x78 /* x */) + 1);
    expect(p.done).toBe(true);
    expect(p.feed(wire)).toBe(0);
  });

  test("body of a large Content-Length response arrives as views of the fed chunks", () => {
    const body = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
    const head = bytes(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
    const [msg] = parseAll(["GET"], [head, body.subarray(0, 1000), body.subarray(1000)]);
    expect(Buffer.from(msg!.body).equals(Buffer.from(body))).toBe(true);
    expect(msg!.zeroCopy).toBe(true);
  });

  test("headers are looked up case-insensitively; Set-Cookie is not joined", () => {
    const wire = "HTTP/1.1 200 OK\r\nX-A: 1\r\nx-a: 2\r\nSet-Cookie: a=1; Expires=Wed, 21 Oct 2015\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n";
    let head: import("../../src/http/types.ts").ResponseHead | null = null;
    const p = new ResponseParser("GET", { onHead: (h) => (head = h), onBody() {}, onComplete() {} });
    p.feed(bytes(wire));
    expect(head!.headers.get("X-a")).toBe("1, 2");
    expect(head!.headers.getAll("SET-COOKIE")).toEqual(["a=1; Expires=Wed, 21 Oct 2015", "b=2"]);
    expect(head!.headers.get("set-cookie")).toBe("a=1; Expires=Wed, 21 Oct 2015");
    expect(head!.headerBytes).toBe(wire.length);
  });
});

function failure(methods: string[], wire: string | string[], opts?: { maxHeaderBytes?: number }): FetchxError {
  const chunks = (Array.isArray(wire) ? wire : [wire]).map(bytes);
  try {
    parseAll(methods, chunks, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(FetchxError);
    return err as FetchxError;
  }
  throw new Error(`expected a failure for ${JSON.stringify(wire)}`);
}

describe("ResponseParser errors", () => {
  // Exit codes as curl 7.88's on the same reply: 1 for no HTTP/1.x status line, 56 for broken chunked
  // framing, 61 for a transfer coding it cannot undo, 8 for the rest.
  const refused: [string, string, FetchxError["code"], RegExp][] = [
    ["HTTP/3 status line", "HTTP/3 200 OK\r\n\r\n", "UNSUPPORTED_PROTOCOL", /invalid status line/],
    ["HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n", "UNSUPPORTED_PROTOCOL", /unsupported HTTP version/],
    ["two-digit status", "HTTP/1.1 20 OK\r\n\r\n", "UNSUPPORTED_PROTOCOL", /invalid status line/],
    ["not HTTP at all (fails before any line end)", "SSH-2.0-OpenSSH_9.2", "UNSUPPORTED_PROTOCOL", /not HTTP/],
    ["obs-fold with no header before it", "HTTP/1.1 200 OK\r\n  folded\r\nContent-Length: 0\r\n\r\n", "WEIRD_REPLY", /line folding/],
    ["header without colon", "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", "WEIRD_REPLY", /malformed header/],
    ["space inside a header name", "HTTP/1.1 200 OK\r\nX A: b\r\n\r\n", "WEIRD_REPLY", /invalid header name/],
    ["conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "WEIRD_REPLY", /conflicting/],
    ["non-digit Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", "WEIRD_REPLY", /invalid Content-Length/],
    ["signed Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n", "WEIRD_REPLY", /invalid Content-Length/],
    ["huge Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "WEIRD_REPLY", /too large/],
    ["unsupported transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "BAD_CONTENT_ENCODING", /transfer coding/],
    ["chunked not last", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", "BAD_CONTENT_ENCODING", /not the last/],
    ["non-hex chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "RECV", /chunk size/],
    ["empty chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", "RECV", /chunk size/],
    ["chunk size above 2^53", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20000000000000\r\n", "RECV", /too large/],
    ["junk after chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n", "RECV", /after chunk size/],
    ["chunk data overrun", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", "RECV", /after chunk data/],
    ["101 Switching Protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", "WEIRD_REPLY", /101/],
  ];
  for (const [name, wire, code, message] of refused)
    test(`${name} -> ${code}`, () => {
      const err = failure(["GET"], wire);
      expect(err.code).toBe(code);
      expect(err.message).toMatch(message);
    });

  test("header section over the limit -> RECV (curl's 56) naming the limit", () => {
    const big = `HTTP/1.1 200 OK\r\n${"X-Filler: " + "a".repeat(1000) + "\r\n"}`.repeat(1) + `X-Big: ${"b".repeat(300 * 1024)}`;
    // In one piece and in small pieces: the limit applies to data not yet terminated by a line end too.
    for (const chunks of [[big], big.match(/[\s\S]{1,4096}/g)!]) {
      const err = failure(["GET"], chunks);
      expect(err.code).toBe("RECV");
      expect(err.message).toBe("response headers exceed 300 KiB");
    }
    const many = "HTTP/1.1 200 OK\r\n" + "X-A: b\r\n".repeat(40000) + "\r\n";
    expect(failure(["GET"], many).message).toBe("response headers exceed 300 KiB");
    expect(failure(["GET"], "HTTP/1.1 200 OK\r\nX: 12345\r\n\r\n", { maxHeaderBytes: 20 }).code).toBe("RECV");
  });

  test("EOF before any byte -> EMPTY_REPLY", () => {
    const err = failure(["GET"], []);
    expect(err.code).toBe("EMPTY_REPLY");
    expect(err.message).toBe("empty reply from server");
    expect(err.retryable).toBe(true);
  });

  test("EOF inside the headers -> WEIRD_REPLY", () => {
    for (const wire of ["HTTP/1.1 200 OK\r\nContent-Le", "HTTP/1.1 100 Continue\r\n"]) {
      const err = failure(["GET"], wire);
      expect(err.code).toBe("WEIRD_REPLY");
      expect(err.message).toBe("connection closed inside the response headers");
    }
  });

  test("EOF inside a Content-Length body -> PARTIAL with the bytes remaining", () => {
    const err = failure(["GET"], "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    expect(err.code).toBe("PARTIAL");
    expect(err.message).toBe("transfer closed with 7 bytes remaining to read");
  });

  test("EOF anywhere inside chunked encoding -> PARTIAL", () => {
    const wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n";
    const bodyStart = wire.indexOf("\r\n\r\n") + 4;
    for (let cut = bodyStart; cut < wire.length; cut++) {
      const err = failure(["GET"], wire.slice(0, cut));
      expect(err.code).toBe("PARTIAL");
      expect(err.message).toMatch(/inside chunked encoding/);
    }
  });

  test("a failed parser keeps failing", () => {
    const p = new ResponseParser("GET", { onHead() {}, onBody() {}, onComplete() {} });
    expect(() => p.feed(bytes("HTTP/9 200\r\n"))).toThrow(FetchxError);
    expect(() => p.feed(bytes("HTTP/1.1 200 OK\r\n"))).toThrow(/status line/);
    expect(() => p.finish()).toThrow(/status line/);
  });
});

// Deterministic PRNG (mulberry32) so a failing iteration can be replayed from its number.
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("ResponseParser fuzz", () => {
  test("2000 mutated responses either parse or throw FetchxError", () => {
    const rand = prng(20240601);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const interesting = ["\r\n", "\n", "\r", ":", " ", ";", "0", "f", "\0", "\xff", "HTTP/1.1 ", "Transfer-Encoding: chunked\r\n"];
    let parsed = 0;
    let failed = 0;
    for (let iter = 0; iter < 2000; iter++) {
      const c = pick(CASES);
      let wire = bytes(c.wire);
      const mutations = 1 + Math.floor(rand() * 4);
      for (let m = 0; m < mutations; m++) {
        const at = Math.floor(rand() * (wire.length + 1));
        const kind = Math.floor(rand() * 5);
        if (kind === 0 && wire.length > 0) wire[Math.min(at, wire.length - 1)] = Math.floor(rand() * 256);
        else if (kind === 1) wire = Buffer.concat([wire.subarray(0, at), bytes(pick(interesting)), wire.subarray(at)]);
        else if (kind === 2) wire = Buffer.concat([wire.subarray(0, at), wire.subarray(at + 1 + Math.floor(rand() * 8))]);
        else if (kind === 3) wire = wire.subarray(0, at);
        else wire = Buffer.concat([wire.subarray(0, at), wire.subarray(Math.max(0, at - 10), at), wire.subarray(at)]);
      }
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < wire.length; ) {
        const n = 1 + Math.floor(rand() * 40);
        chunks.push(wire.slice(i, i + n));
        i += n;
      }
      try {
        parseAll(c.methods, chunks, rand() < 0.2 ? { maxHeaderBytes: 64 } : undefined);
        parsed++;
      } catch (err) {
        if (!(err instanceof FetchxError)) throw new Error(`iteration ${iter}: ${err}`);
        failed++;
      }
    }
    // Both outcomes must occur, or the mutations are not exercising the parser.
    expect(parsed).toBeGreaterThan(50);
    expect(failed).toBeGreaterThan(50);
  });
});

test("latin1: every byte value becomes the character of that code, whatever the length", async () => {
  const { latin1 } = await import("../../src/http/chars.ts");
  const all = new Uint8Array(256).map((_, i) => i);
  const text = latin1(all);
  expect(text.length).toBe(256);
  for (let i = 0; i < 256; i++) expect(text.charCodeAt(i)).toBe(i);
  expect(latin1(all, 10)).toBe(text.slice(0, 10));
  expect(latin1(all.subarray(200))).toBe(text.slice(200)); // a view at an offset
  const big = new Uint8Array(100_000).fill(0xe9);
  expect(latin1(big)).toBe("\u00e9".repeat(100_000));
});

describe("ignoreLength (curl --ignore-content-length)", () => {
  test("Content-Length is not the body's end: the connection's close is, and the connection is not kept", () => {
    const [m] = parseAll(["GET"], [bytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdefgh")], { ignoreLength: true });
    expect({ body: text(m!.body), mode: m!.mode, keepAlive: m!.keepAlive, expected: m!.expected }).toEqual({ body: "abcdefgh", mode: "close", keepAlive: false, expected: null });
  });

  test("chunked framing and bodiless answers are as always", () => {
    const [a, b] = parseAll(["GET", "HEAD"], [bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n")], { ignoreLength: true });
    expect([text(a!.body), a!.mode, b!.mode]).toEqual(["abc", "chunked", "none"]);
  });
});

// Replies curl 7.88 reads and fetchx refused with exit 8 (obs-fold, "Name :", HTTP/2 on an HTTP/1.1
// connection), and the codes curl gives the malformed ones: each checked whole, at every split point and
// byte by byte, since a fold or a space can arrive in a piece of its own.
describe("ResponseParser leniency and exit codes as curl's", () => {
  const everySplit = (wire: string, methods = ["GET"]): Message[] => {
    const b = bytes(wire);
    const whole = parseAll(methods, [b]);
    for (let i = 0; i <= b.length; i++) expect(parseAll(methods, [b.slice(0, i), b.slice(i)]), `split at ${i}`).toEqual(whole);
    expect(parseAll(methods, Array.from(b, (x) => Uint8Array.of(x))), "byte by byte").toEqual(whole);
    return whole;
  };
  const headersOf = (wire: string) => everySplit(wire)[0]!.headers;

  test("obs-fold: each fold becomes one space before the value is read (RFC 9112 5.2)", () => {
    expect(headersOf("HTTP/1.1 200 OK\r\nX-Foo: a\r\n  continued\r\nContent-Length: 0\r\n\r\n")).toEqual([["X-Foo", "a continued"], ["Content-Length", "0"]]);
    // Tabs, several folds, blank folds, an empty first line, and a fold on the head's last field.
    expect(headersOf("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-A: a\r\n\tb \r\n \t c\t\r\nX-B:\r\n  x\r\nX-C: y\r\n \r\n\r\n")).toEqual([
      ["Content-Length", "0"],
      ["X-A", "a b c"],
      ["X-B", "x"],
      ["X-C", "y"],
    ]);
  });

  test("obs-fold in trailers, and after a 1xx head the fold has no field to continue", () => {
    const [m] = everySplit("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\nX-T: a\r\n b\r\n\r\n");
    expect([text(m!.body), m!.trailers]).toEqual(["hi", [["X-T", "a b"]]]);
    const err = failure(["GET"], "HTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\nHTTP/1.1 200 OK\r\n y\r\n\r\n");
    expect([err.code, err.message]).toEqual(["WEIRD_REPLY", "obsolete line folding with no header line before it"]);
  });

  test("a folded Content-Length or Transfer-Encoding is refused: curl 7.88 frames by the first line alone", () => {
    for (const [wire, name] of [
      ["HTTP/1.1 200 OK\r\nContent-Length:\r\n 5\r\n\r\nhello", "Content-Length"],
      ["HTTP/1.1 200 OK\r\ncontent-length: 5\r\n 5\r\n\r\nhello", "content-length"],
      ["HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "Transfer-Encoding"],
    ]) {
      const err = failure(["GET"], wire!);
      expect([err.code, err.message]).toEqual(["WEIRD_REPLY", `obsolete line folding in ${name}`]);
    }
  });

  test("whitespace between a field name and its colon is dropped from the name", () => {
    expect(headersOf("HTTP/1.1 200 OK\r\nX-Foo : bar\r\nX-Bar\t \t: baz\r\nContent-Length: 0\r\n\r\n")).toEqual([["X-Foo", "bar"], ["X-Bar", "baz"], ["Content-Length", "0"]]);
    const [m] = everySplit("HTTP/1.1 200 OK\r\nConnection : close\r\nContent-Length: 2\r\n\r\nok");
    expect([m!.keepAlive, text(m!.body)]).toEqual([false, "ok"]);
  });

  test("...except before the colon of Content-Length or Transfer-Encoding: refused, not guessed at", () => {
    for (const [line, name] of [
      ["Content-Length : 5", "Content-Length"],
      ["Transfer-Encoding\t: chunked", "Transfer-Encoding"],
      ["TRANSFER-ENCODING  : chunked", "TRANSFER-ENCODING"],
    ]) {
      const err = failure(["GET"], `HTTP/1.1 200 OK\r\n${line}\r\n\r\nhello`);
      expect([err.code, err.message]).toEqual(["WEIRD_REPLY", `whitespace before the colon of ${name}`]);
    }
  });

  test("HTTP/2 and HTTP/2.0 status lines on an HTTP/1.1 connection: HTTP/1.1 framing, status as sent, no reuse", () => {
    for (const line of ["HTTP/2 404", "HTTP/2 404 Not Found", "HTTP/2.0 404 Not Found"]) {
      const [m] = everySplit(`${line}\r\nContent-Length: 5\r\n\r\nhello`);
      expect([m!.status, text(m!.body), m!.mode, m!.keepAlive]).toEqual([404, "hello", "length", false]);
    }
    const [c] = everySplit("HTTP/2 200\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    expect([text(c!.body), c!.mode]).toEqual(["hello", "chunked"]);
    for (const line of ["HTTP/2.1 200 OK", "HTTP/3 200", "HTTP/2 20", "HTTP/2  200"]) expect(failure(["GET"], `${line}\r\n\r\n`).code).toBe("UNSUPPORTED_PROTOCOL");
  });

  test("a lowercase status line stays refused: curl 7.88 reads 'http/1.1 404' as a 200 (exit 1 as it has no status line)", () => {
    const err = failure(["GET"], "http/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    expect(err.code).toBe("UNSUPPORTED_PROTOCOL");
    expect(err.exitCode).toBe(1);
  });

  test("malformed chunked framing is exit 56, not retried", () => {
    for (const wire of [
      "zz\r\nhello\r\n0\r\n\r\n", // no hex digits
      "5\r\nhelloXX0\r\n\r\n", // no CRLF after the data
      "5\r\nhello\rX0\r\n\r\n", // CR without LF after the data
      "1000000000000000000\r\nhello\r\n", // 19 digits
      "5\rXhello\r\n0\r\n\r\n", // CR without LF after the size
    ]) {
      const err = failure(["GET"], `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${wire}`);
      expect([err.code, err.exitCode, err.retryable], wire).toEqual(["RECV", 56, false]);
    }
  });

  test("a transfer coding other than chunked is exit 61", () => {
    for (const te of ["foo", "foo, chunked", "chunked, gzip"]) {
      const err = failure(["GET"], `HTTP/1.1 200 OK\r\nTransfer-Encoding: ${te}\r\n\r\nhello`);
      expect([err.code, err.exitCode, err.retryable]).toEqual(["BAD_CONTENT_ENCODING", 61, false]);
    }
  });

  test("the connection closed before a final status line is exit 52 and worth a retry", () => {
    for (const [wire, message] of [
      ["HTT", "empty reply from server (the connection closed inside the status line)"],
      ["HTTP/1.1 20", "empty reply from server (the connection closed inside the status line)"],
      ["HTTP/1.1 100 Continue\r\n\r\n", "empty reply from server (the connection closed after 100 Continue, before the final response)"],
      ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 2", "empty reply from server (the connection closed after 100 Continue, before the final response)"],
      ["HTTP/1.1 103\r\nLink: x\r\n\r\n", "empty reply from server (the connection closed after 103 informational, before the final response)"],
    ]) {
      const err = failure(["GET"], wire!);
      expect([err.code, err.exitCode, err.retryable, err.message]).toEqual(["EMPTY_REPLY", 52, true, message]);
    }
  });
});

describe("partialHead: a head cut short (-m, a close) as far as its complete lines go", () => {
  const events = { onHead() {}, onBody() {}, onComplete() {} };
  const seen = (p: ResponseParser) => {
    const h = p.partialHead;
    return h && { status: h.status, version: h.version, headers: h.headers.entries(), headerBytes: h.headerBytes };
  };

  test("the status and the complete lines, at every split point; a folded line joins its field", () => {
    const lines = "HTTP/1.0 404 Not Found\r\nX-A: 1\r\n more\r\n";
    const wire = `HTTP/1.1 100 Continue\r\n\r\n${lines}X-B`;
    for (let cut = 0; cut <= wire.length; cut++) {
      const p = new ResponseParser("GET", events);
      p.feed(bytes(wire.slice(0, cut)));
      p.feed(bytes(wire.slice(cut)));
      expect({ cut, head: seen(p) }).toEqual({ cut, head: { status: 404, version: "1.0", headers: [["X-A", "1 more"]], headerBytes: lines.length } });
    }
  });

  test("none before the final status line's end, nor once the head is complete", () => {
    for (const wire of ["HTTP/1.1 200 O", "HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"]) {
      const p = new ResponseParser("GET", events);
      p.feed(bytes(wire));
      expect({ wire, head: p.partialHead }).toEqual({ wire, head: null });
    }
  });
});
