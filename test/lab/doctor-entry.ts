#!/usr/bin/env bun
// Runs `fetchx doctor` through its citty definition, for tests that need it in another network
// namespace (`ip netns exec NS bun test/lab/doctor-entry.ts [--json]`) independently of src/main.ts.
import { runCommand } from "citty";
import { doctorCommand } from "../../src/cli/doctor.ts";

const { result } = await runCommand(doctorCommand, { rawArgs: process.argv.slice(2) });
process.exit(typeof result === "number" ? result : 1);
