// `fetchx help curl` is built from curl-options.ts; this keeps that list and the option table in step, so
// the help cannot claim an option the parser refuses (or the reverse), and checks the list against the
// options Debian's curl itself documents.
import { expect, test } from "bun:test";
import { curlOptions, FETCHX_OWN, curlHelpText } from "../../src/cli/curl-options.ts";
import { wrapText } from "../../src/cli/help.ts";
import { parseArgv } from "../../src/cli/parse.ts";
import { BY_NAME, BY_SHORT, OPTIONS } from "../../src/cli/table.ts";

const CURL_OPTIONS = curlOptions();

test("each curl option fetchx accepts parses, by its long and its short name; each refused one exits 2 saying why", () => {
  for (const o of CURL_OPTIONS) {
    const spec = BY_NAME.get(o.name);
    if (o.why === undefined) {
      expect({ name: o.name, known: !!spec }).toEqual({ name: o.name, known: true });
      const args = spec!.kind === "flag" ? [`--${o.name}`] : [`--${o.name}`, "1"];
      expect(() => parseArgv(args)).not.toThrow();
      if (o.short) expect({ name: o.name, short: BY_SHORT.get(o.short)?.name }).toEqual({ name: o.name, short: spec!.name });
    } else {
      expect({ name: o.name, known: !!spec }).toEqual({ name: o.name, known: false });
      expect(() => parseArgv([`--${o.name}`])).toThrow(o.why);
    }
  }
});

test("every option of the table is curl's or listed as fetchx's own", () => {
  const curl = new Set(CURL_OPTIONS.map((o) => o.name));
  const stray = OPTIONS.filter((o) => !curl.has(o.name) && !(o.aliases ?? []).some((a) => curl.has(a)) && !FETCHX_OWN.includes(o.name)).map((o) => o.name);
  expect(stray).toEqual([]);
});

test("fetchx help curl names every option and the default that differs", () => {
  const text = curlHelpText();
  for (const o of CURL_OPTIONS) expect(text).toContain(`--${o.name} `);
  expect(text).toContain("--retry 0 restores curl's behaviour");
});

// Options of curl 7.88 that never apply to an HTTP(S) transfer.
const NOT_HTTP = new Set(
  "append compressed-ssh crlf disable-eprt disable-epsv ftp-account ftp-alternative-to-user ftp-create-dirs ftp-method ftp-pasv ftp-port ftp-pret ftp-skip-pasv-ip ftp-ssl-ccc ftp-ssl-ccc-mode ftp-ssl-control hostpubmd5 hostpubsha256 krb list-only login-options mail-auth mail-from mail-rcpt mail-rcpt-allowfails pubkey quote sasl-authzid sasl-ir telnet-option tftp-blksize tftp-no-options use-ascii".split(" "),
);

test.skipIf(!Bun.which("curl"))("the list has every HTTP(S) option of the curl installed here", () => {
  const help = Bun.spawnSync(["curl", "--help", "all"]).stdout.toString();
  const names = [...help.matchAll(/--([a-z0-9][a-z0-9.-]*)/g)].map((m) => m[1]!);
  const listed = new Set(CURL_OPTIONS.map((o) => o.name));
  expect(names.length).toBeGreaterThan(200);
  expect([...new Set(names)].filter((n) => !listed.has(n) && !NOT_HTTP.has(n))).toEqual([]);
});

test("fetchx help curl at 80 columns: each entry of the defaults is one paragraph under its description", () => {
  const text = wrapText(curlHelpText(), 80);
  const lines = text.split("\n");
  const from = lines.indexOf("Where fetchx's defaults differ from curl's, on purpose:");
  const entries: string[][] = [];
  for (const line of lines.slice(from + 1, lines.indexOf("", from))) {
    if (/^ {2}\S/.test(line)) entries.push([line]);
    else entries.at(-1)!.push(line);
  }
  expect(entries.map((e) => e[0]!.trim().split(/ {2,}/)[0])).toEqual(["retries", ".part", "-C -", "HTTP", "-O", "exit code", "@FILE", "-u USER", "names"]);
  for (const e of entries) {
    for (const l of e) expect(l.length).toBeLessThanOrEqual(79);
    // Under the description, each line filled before the next one starts (no line broken early and
    // re-indented): every line but an entry's last reaches well into the width.
    for (const l of e.slice(1)) expect(l).toMatch(/^ {14}\S/);
    for (const l of e.slice(0, -1)) expect(l.length).toBeGreaterThan(60);
  }
  expect(entries[0]!.join(" ").replace(/ +/g, " ")).toContain("504) are retried 5 times with backoff");
});
