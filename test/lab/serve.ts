// Starts the lab's HTTP server (server.ts) inside the server namespace and waits for its ports.
import type { Lab } from "./lab.ts";

export interface LabServer {
  mptcpPort: number;
  tcpPort: number;
  /** URL on the server's path-a address; `kind` picks the MPTCP or the TCP-only listener. */
  url(kind: "mptcp" | "tcp", path?: string): string;
  /** The same on the server's path-a IPv6 address. */
  url6(kind: "mptcp" | "tcp", path?: string): string;
}

export async function startLabServer(lab: Lab, file: string): Promise<LabServer> {
  const script = new URL("./server.ts", import.meta.url).pathname;
  const proc = lab.spawn("server", [process.execPath, script, "--file", file], { stdout: "pipe", stderr: "inherit" });
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
    url: (kind, path = "/file.bin") => `http://${lab.paths.a.server}:${port(kind)}${path}`,
    url6: (kind, path = "/file.bin") => `http://[${lab.paths.a.server6}]:${port(kind)}${path}`,
  };
}
