// A real Squid (Debian's /usr/sbin/squid) on a free loopback port, in the foreground (-N), with a temp
// config: every request needs proxy credentials, offered as Digest (digest_file_auth) and Basic
// (basic_ncsa_auth, an htpasswd file made by openssl), both for the same user; nothing is cached.
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, untilAccepting } from "./daemon.ts";
import { tempDir } from "./harness.ts";

export const SQUID = "/usr/sbin/squid";

export interface SquidServer {
  port: number;
  /** "http://127.0.0.1:PORT" */
  url: string;
  stop(): Promise<void>;
}

/** `user` and `password` are what the proxy accepts; `schemes` the challenges it sends, in that order. */
export async function startSquid(user: string, password: string, schemes: ("digest" | "basic")[] = ["digest", "basic"]): Promise<SquidServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(user, password, schemes, freePort());
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

async function startOnce(user: string, password: string, schemes: ("digest" | "basic")[], port: number): Promise<SquidServer> {
  const dir = tempDir("fetchx-squid-");
  // Squid drops root for its own user ("proxy"): its helpers read the password files, it writes its pid.
  chmodSync(dir.path, 0o777);
  const file = (name: string, text: string) => {
    writeFileSync(join(dir.path, name), text);
    chmodSync(join(dir.path, name), 0o644);
    return join(dir.path, name);
  };
  const digestFile = file("digest-users", `${user}:${password}\n`);
  const hash = Bun.spawnSync(["openssl", "passwd", "-apr1", password]).stdout.toString().trim();
  const basicFile = file("basic-users", `${user}:${hash}\n`);
  const auth = {
    digest: [`auth_param digest program /usr/lib/squid/digest_file_auth ${digestFile}`, "auth_param digest realm fetchx-test", "auth_param digest children 2 startup=1"],
    basic: [`auth_param basic program /usr/lib/squid/basic_ncsa_auth ${basicFile}`, "auth_param basic realm fetchx-basic", "auth_param basic children 2 startup=1"],
  };
  const conf = file(
    "squid.conf",
    [
      `http_port 127.0.0.1:${port}`,
      ...schemes.flatMap((s) => auth[s]),
      "acl authed proxy_auth REQUIRED",
      "http_access allow authed",
      "http_access deny all",
      "cache deny all",
      `pid_filename ${join(dir.path, "squid.pid")}`,
      `cache_log ${join(dir.path, "cache.log")}`,
      "access_log none",
      `coredump_dir ${dir.path}`,
      "shutdown_lifetime 0 seconds",
    ].join("\n") + "\n",
  );
  const proc = Bun.spawn([SQUID, "-N", "-f", conf], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  await untilAccepting(proc, "127.0.0.1", port, "squid", () => new Response(proc.stderr).text(), dir.cleanup, 15_000);
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      proc.kill("SIGKILL");
      await proc.exited;
      dir.cleanup();
    },
  };
}
