// Guards the request writer: exact bytes on the wire, and no way for a header or URL to split the request.

import { expect, test } from "bun:test";
import { FetchxError } from "../../src/errors.ts";
import { buildRequest } from "../../src/http/request.ts";
import { EMPTY_VALUE } from "../../src/http/headers.ts";

const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

test("Host first, then the given headers in order, no body framing", () => {
  const bytes = buildRequest({
    method: "GET",
    target: "/file.bin?x=1",
    host: "example.test:8080",
    headers: [
      ["User-Agent", "fetchx/0.1"],
      ["Range", "bytes=0-99"],
      ["Accept", "*/*"],
    ],
  });
  expect(text(bytes)).toBe(
    "GET /file.bin?x=1 HTTP/1.1\r\nHost: example.test:8080\r\nUser-Agent: fetchx/0.1\r\nRange: bytes=0-99\r\nAccept: */*\r\n\r\n",
  );
});

test("a Host header given by the user replaces ours, still first", () => {
  const bytes = buildRequest({ method: "HEAD", target: "/", host: "a.test", headers: [["X-A", "1"], ["host", "b.test"]] });
  expect(text(bytes)).toBe("HEAD / HTTP/1.1\r\nHost: b.test\r\nX-A: 1\r\n\r\n");
});

test("non-ASCII header values are sent as UTF-8", () => {
  const bytes = buildRequest({ method: "GET", target: "/", host: "h", headers: [["X-Name", "é"]] });
  expect(Buffer.from(bytes).includes(Buffer.from("X-Name: \u00e9", "utf8"))).toBe(true);
});

test("CR, LF or NUL anywhere -> USAGE", () => {
  const base = { method: "GET", target: "/", host: "h", headers: [] as [string, string][] };
  const bad = [
    { ...base, target: "/a\r\nX-Injected: 1" },
    { ...base, target: "/a b" },
    { ...base, target: "" },
    { ...base, method: "GET /" },
    { ...base, host: "h\r\nX: y" },
    { ...base, headers: [["X-A", "v\r\nX-Injected: 1"]] as [string, string][] },
    { ...base, headers: [["X-A", "v\nw"]] as [string, string][] },
    { ...base, headers: [["X-A", "v\0"]] as [string, string][] },
    { ...base, headers: [["X-A\r\nX-B", "v"]] as [string, string][] },
    { ...base, headers: [["Bad Name", "v"]] as [string, string][] },
    { ...base, headers: [["", "v"]] as [string, string][] },
  ];
  for (const r of bad) {
    let err: unknown;
    try {
      buildRequest(r);
    } catch (e) {
      err = e;
    }
    expect(err, JSON.stringify(r)).toBeInstanceOf(FetchxError);
    expect((err as FetchxError).code).toBe("USAGE");
  }
});

test('a value of spaces only (EMPTY_VALUE, curl\'s -H "Name;") goes out as "Name:" with nothing after the colon', () => {
  const bytes = buildRequest({ method: "GET", target: "/", host: "h", headers: [["X-Empty", EMPTY_VALUE], ["X-Two", "  "], ["X-Full", "v"]] });
  expect(text(bytes)).toBe("GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Two:\r\nX-Full: v\r\n\r\n");
});
