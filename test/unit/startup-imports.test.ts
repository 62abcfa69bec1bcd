// What every start of the binary loads before main() runs: the entry chunk and the chunks it imports
// statically, bundled as build.ts bundles them (splitting on). ES imports are linked before the first line
// runs, so a module or a node: builtin in this closure costs every `fetchx --version` (node:fs about 0.8 ms,
// node:util 0.7, node:net 1.9, node:tls 2.2 of CPU; bench/startup.ts). Anything else belongs behind an
// `await import()` or an `import.meta.require` at first use.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileConfig, ENTRY, hostTarget } from "../../build.ts";
import { tempDir } from "../servers/harness.ts";

/** Source files and builtins in the static import closure of the bundled entry. */
async function startupClosure(): Promise<{ sources: string[]; builtins: string[]; anywhere: string[] }> {
  using out = tempDir("fetchx-bundle-");
  const { compile: _, ...config } = compileConfig(ENTRY, hostTarget().bun, "unused");
  const r = await Bun.build({ ...config, target: "bun", bytecode: false, outdir: out.path });
  if (!r.success) throw new Error(r.logs.map(String).join("\n"));
  const entry = r.outputs.find((o) => o.kind === "entry-point")!.path;
  const staticImports = (code: string) => [...code.matchAll(/^(?:import\b[^;(]*?from\s*|import\s*)"([^"]+)"/gm)].map((m) => m[1]!);
  const anywhere = new Set(r.outputs.flatMap((o) => staticImports(readFileSync(o.path, "utf8")).filter((s) => !s.startsWith("./"))));
  const sources = new Set<string>();
  const builtins = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, "utf8");
    for (const m of code.matchAll(/^\/\/ (src\/\S+\.ts)$/gm)) sources.add(m[1]!);
    // Static imports only: `import ... from "x"` and `import "x"` at the start of a line (dynamic ones are `import(`).
    for (const spec of staticImports(code)) {
      if (spec.startsWith("./")) visit(join(file, "..", spec));
      else builtins.add(spec);
    }
  };
  visit(entry);
  return { sources: [...sources].sort(), builtins: [...builtins].sort(), anywhere: [...anywhere].sort() };
}

test("the binary's start links only main's own few modules and bun:ffi: no option table, no node: builtin", async () => {
  const { sources, builtins } = await startupClosure();
  expect(builtins).toEqual(["bun:ffi"]);
  expect(sources).toEqual(["src/cli/environment.ts", "src/errors.ts", "src/main.ts", "src/net/libc.ts", "src/ui/stdio.ts", "src/version.ts"]);
});

test("no chunk links node:net, node:tls or node:crypto: a download loads them only for a no_proxy list, https to an IP, --cacert", async () => {
  const { anywhere } = await startupClosure();
  expect(anywhere).toContain("fs"); // the scan does see the download's chunks
  for (const heavy of ["net", "node:net", "tls", "node:tls", "crypto", "node:crypto"]) expect(anywhere).not.toContain(heavy);
});
