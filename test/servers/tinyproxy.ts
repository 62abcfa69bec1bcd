// A real tinyproxy (Debian's /usr/bin/tinyproxy) on a free loopback port, in the foreground (-d), with a
// temp config: only 127.0.0.1 may use it, CONNECT only to the given ports, optional Basic auth. Its log
// (LogLevel Connect) is kept, so a test can see the request line the proxy received.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, untilAccepting } from "./daemon.ts";
import { tempDir } from "./harness.ts";

export interface TinyproxyOptions {
  /** Ports CONNECT may reach (tinyproxy refuses the others with 403). */
  connectPorts: number[];
  /** "user:password" required from clients (407 otherwise). */
  basicAuth?: string;
  /** Run under `mptcpize run`, so the proxy accepts Multipath TCP. */
  mptcp?: boolean;
}

export interface TinyproxyServer {
  port: number;
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** Everything tinyproxy logged so far. */
  log(): string;
  stop(): Promise<void>;
}

export const TINYPROXY = "/usr/bin/tinyproxy";

export async function startTinyproxy(opts: TinyproxyOptions): Promise<TinyproxyServer> {
  // The port is probed free and handed over; if it was taken meanwhile tinyproxy exits and we retry.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, freePort());
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

async function startOnce(opts: TinyproxyOptions, port: number): Promise<TinyproxyServer> {
  const dir = tempDir("fetchx-tinyproxy-");
  const conf = [
    `Port ${port}`,
    "Listen 127.0.0.1",
    "Timeout 30",
    "Allow 127.0.0.1",
    "MaxClients 50",
    "LogLevel Connect",
    "DisableViaHeader Yes",
    ...opts.connectPorts.map((p) => `ConnectPort ${p}`),
    ...(opts.basicAuth ? [`BasicAuth ${opts.basicAuth.replace(":", " ")}`] : []),
  ].join("\n");
  const confPath = join(dir.path, "tinyproxy.conf");
  writeFileSync(confPath, conf + "\n");
  const cmd = [TINYPROXY, "-d", "-c", confPath];
  const proc = Bun.spawn(opts.mptcp ? ["mptcpize", "run", ...cmd] : cmd, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let log = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) log += new TextDecoder().decode(chunk);
  };
  void collect(proc.stdout);
  void collect(proc.stderr);
  await untilAccepting(proc, "127.0.0.1", port, "tinyproxy", () => log, dir.cleanup);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log: () => log,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      dir.cleanup();
    },
  };
}
