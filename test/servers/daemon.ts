// What the tests' real daemons (nginx, tinyproxy, Squid) share: a port to hand them, and the wait until one
// accepts connections there, after which a start that failed is cleaned up.
import type { Subprocess } from "bun";
import { waitFor } from "./harness.ts";

/** A port free a moment ago on `host`: handed to a daemon, whose start is tried again should it be taken meanwhile. */
export function freePort(host = "127.0.0.1"): number {
  const l = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

/** Whether something accepts a connection at host:port. */
export async function accepts(host: string, port: number): Promise<boolean> {
  try {
    const s = await Bun.connect({ hostname: host, port, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until `proc` accepts connections at host:port. When it exits first, or `ms` pass, it is killed,
 * `cleanup` runs and the error says why, with what `output` gives (the daemon's own words).
 */
export async function untilAccepting(proc: Subprocess, host: string, port: number, what: string, output: () => string | Promise<string>, cleanup: () => void, ms = 5000): Promise<void> {
  try {
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`${what} exited ${proc.exitCode}: ${await output()}`);
      return accepts(host, port);
    }, ms, `${what} accepting on ${host}:${port}`);
  } catch (e) {
    proc.kill("SIGKILL");
    await proc.exited;
    cleanup();
    throw e;
  }
}
