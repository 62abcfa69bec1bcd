// The HSTS cache of --hsts (RFC 6797, curl's file format): which hosts are upgraded, what a
// Strict-Transport-Security header does to the cache, and the file's text both ways.
import { expect, test } from "bun:test";
import { HstsCache } from "../../src/http/hsts.ts";

const NOW = Date.UTC(2026, 0, 1);

test("a host, its subdomains only with includeSubDomains (a leading dot), never after its expiry, never an IP address", () => {
  const c = HstsCache.parse('# comment\n.sub.example "20991231 00:00:00"\nhost.example "unlimited"\nold.example "20200101 00:00:00"\nnot an entry\n', () => NOW);
  expect(["sub.example", "a.b.sub.example", "host.example", "www.host.example", "old.example", "example", "SUB.EXAMPLE."].map((h) => c.upgrades(h))).toEqual([true, true, true, false, false, false, true]);
  c.receive("127.0.0.1", "max-age=100");
  c.receive("::1", "max-age=100");
  expect(c.upgrades("127.0.0.1") || c.upgrades("::1")).toBe(false);
});

test("Strict-Transport-Security: max-age sets the expiry, includeSubDomains the dot, max-age=0 forgets, no max-age is ignored", () => {
  let now = NOW;
  const c = new HstsCache(() => now);
  c.receive("a.example", "max-age=60; includeSubDomains");
  c.receive("b.example", 'max-age="3600"');
  c.receive("c.example", "includeSubDomains");
  c.receive("d.example", "max-age=99999999999999999999");
  expect(c.toText().split("\n").filter((l) => !l.startsWith("#"))).toEqual(['.a.example "20260101 00:01:00"', 'b.example "20260101 01:00:00"', 'd.example "99991231 23:59:59"', ""]);
  c.receive("b.example", "max-age=0");
  expect(c.upgrades("b.example")).toBe(false);
  now += 61_000;
  expect([c.upgrades("x.a.example"), c.toText().includes("a.example")]).toEqual([false, false]);
});

test("the file's text reads back as the same cache (curl's header, UTC expiry, unlimited kept)", () => {
  const c = HstsCache.parse('.a.example "20991231 23:59:59"\nb.example "unlimited"\n', () => NOW);
  const text = c.toText();
  expect(text.startsWith("# Your HSTS cache.")).toBe(true);
  expect(HstsCache.parse(text, () => NOW).toText()).toBe(text);
  expect(text).toContain('.a.example "20991231 23:59:59"\nb.example "unlimited"\n');
});
