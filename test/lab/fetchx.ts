// Runs fetchx (bun src/main.ts) inside the lab's client namespace and reads its %{json} write-out.
import type { Lab } from "./lab.ts";

export interface FetchxResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The %{json} write-out (the last stdout line that parses as a JSON object), if any. */
  json: Record<string, unknown> | null;
}

export interface FetchxRun {
  /** Resolves when fetchx exits. */
  done: Promise<FetchxResult>;
  kill(): void;
}

const main = new URL("../../src/main.ts", import.meta.url).pathname;

/** `fetchx ARGS -w '%{json}\n'` in the client namespace; stdout carries only the write-out (use -o). */
export function spawnFetchx(lab: Lab, args: string[]): FetchxRun {
  const proc = lab.spawn("client", [process.execPath, main, "-sS", ...args, "-w", "%{json}\n"], { stdout: "pipe", stderr: "pipe" });
  const done = (async () => {
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout as ReadableStream).text(),
      new Response(proc.stderr as ReadableStream).text(),
      proc.exited,
    ]);
    return { code, stdout, stderr, json: lastJson(stdout) };
  })();
  return { done, kill: () => proc.kill("SIGKILL") };
}

export const runFetchx = (lab: Lab, args: string[]) => spawnFetchx(lab, args).done;

function lastJson(text: string): Record<string, unknown> | null {
  for (const line of text.trim().split("\n").reverse()) {
    try {
      const v = JSON.parse(line);
      if (v && typeof v === "object") return v as Record<string, unknown>;
    } catch {}
  }
  return null;
}

/** Whether this fetchx knows an option yet (other issues add some), judged by its --help. */
export async function fetchxHasOption(option: string): Promise<boolean> {
  const proc = Bun.spawn([process.execPath, main, "--help"], { stdout: "pipe", stderr: "ignore" });
  const help = await new Response(proc.stdout).text();
  await proc.exited;
  return new RegExp(`(^|[\\s,])${option}([\\s=]|$)`, "m").test(help);
}
