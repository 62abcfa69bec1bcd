// docs/ARCHITECTURE.md is a newcomer's map: it must name every source file, so it cannot silently fall
// behind the code (it once missed ten).
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO_ROOT } from "../servers/harness.ts";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

test("docs/ARCHITECTURE.md names every file under src/", () => {
  const doc = readFileSync(join(REPO_ROOT, "docs/ARCHITECTURE.md"), "utf8");
  const missing = sources(join(REPO_ROOT, "src"))
    .map((p) => relative(join(REPO_ROOT, "src"), p))
    .filter((rel) => {
      const name = rel.split("/").at(-1)!;
      return !doc.includes(rel.includes("/") ? name : `src/${rel}`);
    });
  expect(missing).toEqual([]);
});
