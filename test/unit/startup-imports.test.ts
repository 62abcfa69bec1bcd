// What a start of the binary loads: the chunk of a module and the chunks it imports statically, bundled as
// build.ts bundles them (splitting on). ES imports are linked before the first line runs, so a module or a
// node: builtin in the entry's closure costs every `fetchx --version` (node:fs about 0.8 ms, node:util 0.7,
// node:net 1.9, node:tls 2.2 of CPU; bench/startup.ts), and one in run.ts's closure every download.
// Anything else belongs behind an `await import()` or an `import.meta.require` at first use.
import { beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileConfig, ENTRY, hostTarget } from "../../build.ts";
import { tempDir } from "../servers/harness.ts";

/** Static imports only: `import ... from "x"` and `import "x"` at the start of a line (dynamic ones are `import(`). */
const staticImports = (code: string) => [...code.matchAll(/^(?:import\b[^;(]*?from\s*|import\s*)"([^"]+)"/gm)].map((m) => m[1]!);

let chunks: Map<string, string>; // file name -> code
beforeAll(async () => {
  using out = tempDir("fetchx-bundle-");
  const { compile: _, ...config } = compileConfig(ENTRY, hostTarget().bun, "unused");
  const r = await Bun.build({ ...config, target: "bun", bytecode: false, outdir: out.path });
  if (!r.success) throw new Error(r.logs.map(String).join("\n"));
  chunks = new Map(r.outputs.map((o) => [o.path.slice(out.path.length + 1), readFileSync(o.path, "utf8")]));
});

/** Bundled modules (the bundler's "// path" markers) and builtins linked by the chunk holding `source`, transitively. */
function closure(source: string): { modules: string[]; builtins: string[] } {
  const marker = new RegExp(`^// ${source.replace(/[.]/g, "\\.")}$`, "m");
  const start = [...chunks].find(([, code]) => marker.test(code));
  if (!start) throw new Error(`no chunk holds ${source}`);
  const modules = new Set<string>();
  const builtins = new Set<string>();
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const code = chunks.get(name)!;
    for (const m of code.matchAll(/^\/\/ (src\/\S+\.ts|\S*node_modules\/\S+\.[cm]?js)$/gm)) modules.add(m[1]!);
    for (const spec of staticImports(code)) {
      if (spec.startsWith("./")) visit(join(name, "..", spec));
      else builtins.add(spec);
    }
  };
  visit(start[0]);
  return { modules: [...modules].sort(), builtins: [...builtins].sort() };
}

test("the binary's start links only main's own few modules and bun:ffi: no option table, no node: builtin", () => {
  const { modules, builtins } = closure("src/main.ts");
  expect(builtins).toEqual(["bun:ffi"]);
  expect(modules).toEqual(["src/cli/environment.ts", "src/errors.ts", "src/main.ts", "src/net/libc.ts", "src/ui/stdio.ts", "src/version.ts"]);
});

test("a download links neither node:net, node:tls, node:crypto, node:zlib, node:util, node:os, node:dns, node:fs, node:fs/promises, node:path nor picocolors (each loaded at first use)", () => {
  const { modules, builtins } = closure("src/cli/run.ts");
  expect(modules).toContain("src/net/dialer.ts"); // the scan does follow the download's chunks
  for (const heavy of ["net", "node:net", "tls", "node:tls", "crypto", "node:crypto", "zlib", "node:zlib"]) expect(builtins).not.toContain(heavy);
  // Nor what a plain download from an IP literal does not use: node:util (0.7 ms of CPU), node:fs/promises
  // with node:events (0.6), node:dns (0.4; only for a host name), node:os (0.2; interfaces, errno numbers).
  // Nor node:path (0.15 ms; -F, -T, --output-dir, --create-dirs, --capath, --netrc). Nor node:fs (about
  // 1.1 ms loaded and first run): a lone download's lookups and small commit go through libc (src/node-fs.ts).
  for (const unused of ["fs", "node:fs", "util", "node:util", "fs/promises", "node:fs/promises", "dns", "dns/promises", "node:dns", "node:dns/promises", "os", "node:os", "events", "node:events", "path", "node:path"])
    expect(builtins).not.toContain(unused);
  // picocolors reads process.stdout.isTTY when imported (~5-10 ms): only for a terminal that shows colour.
  expect(modules.filter((m) => m.includes("picocolors"))).toEqual([]);
  // None of them is linked by any chunk at all: only a no_proxy list, https to an IP, --cacert or a
  // --compressed body loads them.
  const anywhere = [...chunks.values()].flatMap(staticImports);
  for (const heavy of ["net", "tls", "crypto", "zlib"]) expect(anywhere).not.toContain(heavy);
});
