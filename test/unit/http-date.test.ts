// -z's dates as curl_getdate reads them (what curl 7.88 sent as If-Modified-Since for each, or no date):
// JS's Date.parse took ISO dates curl refuses and refused YYYYMMDD and zone names curl takes.
import { describe, expect, test } from "bun:test";
import { parseCurlDate } from "../../src/http/date.ts";

const at = (iso: string) => Date.parse(iso);

describe("parseCurlDate", () => {
  test("the three HTTP forms, with or without weekday and zone", () => {
    expect(parseCurlDate("Sun, 14 Jan 2024 00:00:00 GMT")).toBe(at("2024-01-14T00:00:00Z"));
    expect(parseCurlDate("Sunday, 14-Jan-24 00:00:00 GMT")).toBe(at("2024-01-14T00:00:00Z"));
    expect(parseCurlDate("Sun Jan 14 10:00:00 2024")).toBe(at("2024-01-14T10:00:00Z"));
    expect(parseCurlDate("Wed Dec  2 07:52:42 UTC 2026")).toBe(at("2026-12-02T07:52:42Z"));
    expect(parseCurlDate("14 Jan 2024")).toBe(at("2024-01-14T00:00:00Z"));
  });

  test("what curl takes and Date.parse did not: YYYYMMDD, zone names, a word past the sixth part", () => {
    expect(parseCurlDate("20240114")).toBe(at("2024-01-14T00:00:00Z"));
    expect(parseCurlDate("20240114 10:00")).toBe(at("2024-01-14T10:00:00Z"));
    expect(parseCurlDate("14 Jan 2024 10:00 CET")).toBe(at("2024-01-14T09:00:00Z"));
    expect(parseCurlDate("14 Jan 2024 10:00:00 NZDT")).toBe(at("2024-01-13T21:00:00Z"));
    expect(parseCurlDate("14 Jan 2024 10:00:00 A")).toBe(at("2024-01-14T11:00:00Z"));
    expect(parseCurlDate("Mon, 15 Jan 2024 12:00:00 GMT garbage")).toBe(at("2024-01-15T12:00:00Z"));
  });

  test("offsets, odd orders and separators, two-digit years", () => {
    expect(parseCurlDate("14 Jan 2024 10:00 +0130")).toBe(at("2024-01-14T08:30:00Z"));
    expect(parseCurlDate("14 Jan 2024 10:00 -1400")).toBe(at("2024-01-15T00:00:00Z"));
    expect(parseCurlDate("94 6 Nov")).toBe(at("1994-11-06T00:00:00Z"));
    expect(parseCurlDate("Sun/Nov/6/94/GMT")).toBe(at("1994-11-06T00:00:00Z"));
    expect(parseCurlDate("14 Jan 71")).toBe(at("1971-01-14T00:00:00Z"));
    expect(parseCurlDate("14 Jan 70")).toBe(at("2070-01-14T00:00:00Z"));
  });

  test("what curl refuses and Date.parse took: ISO dates, month/day/year, full month names, a month and year", () => {
    for (const text of ["2024-01-14", "2024-01-14T10:00:00Z", "1/14/2024", "14 January 2024", "Jan 2024", "2024", "yesterday", "1705190400", "14 Jan 2024 25:00:00", "14 Jan 2024 10:00 +1500", "Tue Tue 14 Jan 2024", "14 Jan 2024 10:00:00 foo"])
      expect({ text, t: parseCurlDate(text) }).toEqual({ text, t: null });
  });
});
