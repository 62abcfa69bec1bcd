#!/usr/bin/env bun
// Entry point (being written): runs the CLI and maps every error to its exit code.
import { VERSION, COMMIT } from "./version.ts";

if (process.argv.includes("--version") || process.argv.includes("-V")) {
  console.log(`fetchx ${VERSION} (${COMMIT}) bun ${Bun.version}`);
  process.exit(0);
}
