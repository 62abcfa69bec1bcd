#!/usr/bin/env bun
// The lab's HTTP server: the tests' one server (test/servers/http.ts) run inside the server namespace,
// serving generated content at /file.bin on two listeners, one IPPROTO_MPTCP and one plain TCP (for the
// fallback case). startLabServer() launches this file there (`ip netns exec NS bun serve.ts --size N
// --seed S`); run as a script it prints one JSON line {"mptcp": port, "tcp": port} once both listen.
import { generatedBody, startServer } from "../servers/http.ts";
import type { Lab } from "./lab.ts";

export const LAB_PATH = "/file.bin";

export interface LabServer {
  mptcpPort: number;
  tcpPort: number;
  /** URL on the server's path-a address; `kind` picks the MPTCP or the TCP-only listener. */
  url(kind: "mptcp" | "tcp", path?: string): string;
  /** The same on the server's path-a IPv6 address. */
  url6(kind: "mptcp" | "tcp", path?: string): string;
}

/** Serve generatedBody(size, seed) at /file.bin inside the lab's server namespace; resolves once it listens. */
export async function startLabServer(lab: Lab, body: { size: number; seed: number }): Promise<LabServer> {
  const script = import.meta.path;
  const proc = lab.spawn("server", [process.execPath, script, "--size", String(body.size), "--seed", String(body.seed)], {
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  const deadline = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  clearTimeout(deadline);
  reader.releaseLock();
  if (!text.includes("\n")) throw new Error(`lab server exited before listening (exit ${await proc.exited})`);
  const ports = JSON.parse(text.split("\n")[0]!) as { mptcp: number; tcp: number };
  const port = (kind: "mptcp" | "tcp") => (kind === "mptcp" ? ports.mptcp : ports.tcp);
  return {
    mptcpPort: ports.mptcp,
    tcpPort: ports.tcp,
    url: (kind, path = LAB_PATH) => `http://${lab.paths.a.server}:${port(kind)}${path}`,
    url6: (kind, path = LAB_PATH) => `http://[${lab.paths.a.server6}]:${port(kind)}${path}`,
  };
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : NaN;
  };
  const [size, seed] = [arg("--size"), arg("--seed")];
  if (!Number.isSafeInteger(size) || !Number.isSafeInteger(seed)) {
    console.error("usage: serve.ts --size BYTES --seed N");
    process.exit(2);
  }
  const routes = { [LAB_PATH]: { body: generatedBody(size, seed) } };
  // "::" listens on IPv4 too (IPV6_V6ONLY is off by default); MP_JOINs to any address find it.
  const mptcp = await startServer({ host: "::", mptcp: true, routes });
  const tcp = await startServer({ host: "::", mptcp: false, routes });
  console.log(JSON.stringify({ mptcp: mptcp.port, tcp: tcp.port }));
}
