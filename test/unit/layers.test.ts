// The layering rule (imports point down: nothing under src/transfer, src/sink, src/net, src/http imports
// src/cli or src/ui), checked by scripts/check-layers.sh, which CI also runs before the tests. The first
// test holds the real tree to it; the others prove the checker finds each kind of import in a planted tree.
import { describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { REPO_ROOT, runCommand, tempDir } from "../servers/harness.ts";

const SCRIPT = join(REPO_ROOT, "scripts/check-layers.sh");

async function checkLayers(root?: string) {
  const r = await runCommand(["bash", SCRIPT, ...(root ? [root] : [])]);
  return { code: r.code, out: new TextDecoder().decode(r.stdout), err: r.stderr };
}

/** A tree with src/{transfer,sink,net,http,cli,ui} and the given files (path -> content). */
function plantTree(files: Record<string, string>) {
  const dir = tempDir("fetchx-layers-");
  for (const layer of ["transfer", "sink", "net", "http", "cli", "ui"]) mkdirSync(join(dir.path, "src", layer), { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir.path, path)), { recursive: true });
    writeFileSync(join(dir.path, path), text);
  }
  return dir;
}

test("src/transfer, src/sink, src/net and src/http import nothing from src/cli or src/ui", async () => {
  const r = await checkLayers();
  // On failure the offending file:line list is the message.
  expect(r.out).toBe("check-layers: ok\n");
  expect(r.code).toBe(0);
});

describe("the checker", () => {
  test("passes a tree where imports point down (cli -> transfer, transfer -> net)", async () => {
    using dir = plantTree({
      "src/cli/options.ts": 'import { download } from "../transfer/download.ts";\n',
      "src/transfer/download.ts": 'import { dial } from "../net/dialer.ts";\nimport type { Sink } from "../sink/types.ts";\n',
      "src/net/dialer.ts": '// not "../cli/options.ts": a comment\nconst hint = "see ../ui/log.ts";\n',
    });
    const r = await checkLayers(dir.path);
    expect(r.out).toBe("check-layers: ok\n");
    expect(r.code).toBe(0);
  });

  test("fails on a planted import of src/cli, naming file:line", async () => {
    using dir = plantTree({
      "src/transfer/job.ts": 'import { x } from "./ok.ts";\nimport type { Options } from "../cli/options.ts";\n',
    });
    const r = await checkLayers(dir.path);
    expect(r.code).toBe(1);
    expect(r.out).toBe("src/transfer/job.ts:2: imports ../cli/options.ts (src/cli)\n");
  });

  test("finds every import form and path that resolves into src/cli or src/ui", async () => {
    using dir = plantTree({
      "src/net/a.ts": [
        "import {", //
        "  one,",
        '} from "../cli/options.ts";', // 3: multi-line static import
        'export * from "../ui/log.ts";', // 4: re-export
        'const f = await import("../ui/format.ts");', // 5: dynamic import
        "import '../cli';", // 6: side-effect import of the directory
        'import { y } from "../../src/ui/format.ts";', // 7: a longer way round
        'import { z } from "../cli-helpers/x.ts";', // 8: only a similar name: allowed
      ].join("\n"),
      "src/http/deep/b.ts": 'export { Options } from "../../cli/options.ts";\n',
      "src/sink/c.mjs": 'const m = require("../ui/log.js");\n',
    });
    const r = await checkLayers(dir.path);
    expect(r.code).toBe(1);
    expect(r.out.trim().split("\n").sort()).toEqual([
      "src/http/deep/b.ts:1: imports ../../cli/options.ts (src/cli)",
      "src/net/a.ts:3: imports ../cli/options.ts (src/cli)",
      "src/net/a.ts:4: imports ../ui/log.ts (src/ui)",
      "src/net/a.ts:5: imports ../ui/format.ts (src/ui)",
      "src/net/a.ts:6: imports ../cli (src/cli)",
      "src/net/a.ts:7: imports ../../src/ui/format.ts (src/ui)",
      "src/sink/c.mjs:1: imports ../ui/log.js (src/ui)",
    ]);
  });
});
