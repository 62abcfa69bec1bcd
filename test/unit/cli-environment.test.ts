// Where the default config file is looked for: curl's ~/.curlrc rule, HOME with its trailing slashes
// dropped (done by hand since the one-file pass, so it is pinned here).
import { expect, test } from "bun:test";
import { defaultConfigPath } from "../../src/cli/environment.ts";

test("~/.fetchxrc is HOME without its trailing slashes, then /.fetchxrc; no HOME, no file", () => {
  expect(defaultConfigPath({ HOME: "/home/u" })).toBe("/home/u/.fetchxrc");
  expect(defaultConfigPath({ HOME: "/home/u///" })).toBe("/home/u/.fetchxrc");
  expect(defaultConfigPath({ HOME: "/" })).toBe("/.fetchxrc");
  expect(defaultConfigPath({ HOME: "//" })).toBe("/.fetchxrc");
  expect(defaultConfigPath({ HOME: "rel/dir/" })).toBe("rel/dir/.fetchxrc");
  expect(defaultConfigPath({ HOME: "" })).toBeNull();
  expect(defaultConfigPath({})).toBeNull();
});
