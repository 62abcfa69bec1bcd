// A real nginx (Debian's /usr/sbin/nginx) serving a directory on a free loopback port, as a child process
// in the foreground (daemon off) with everything it writes inside a temp prefix. With mptcp it runs under
// `mptcpize run`, which turns its TCP sockets into MPTCP ones.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { freePort, untilAccepting } from "./daemon.ts";
import { tempDir } from "./harness.ts";

export interface NginxOptions {
  /** Directory to serve. */
  root: string;
  /** nginx limit_rate per connection, e.g. "10m" (bytes/s, nginx syntax). */
  limitRate?: string;
  /** nginx limit_conn per client address: connections with a request in progress beyond it get 503. */
  limitConn?: number;
  mptcp?: boolean;
  /** nginx gzip_static: NAME.gz is sent (Content-Encoding: gzip) for NAME to a client that accepts gzip. */
  gzipStatic?: boolean;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * Pass every request to this upstream ("http://127.0.0.1:PORT") instead of serving `root`: nginx as the
   * reverse proxy in front of an application server. Unbuffered, HTTP/1.1 to the upstream; Range is passed
   * on and the upstream's 206 passed back (nginx's own range filter needs a known length).
   */
  proxy?: string;
  /**
   * Expect HAProxy's PROXY protocol line on every connection (listen ... proxy_protocol); /proxy-protocol
   * answers "$proxy_protocol_addr $proxy_protocol_port $proxy_protocol_server_addr $proxy_protocol_server_port".
   */
  proxyProtocol?: boolean;
  /** Serve HTTPS with this certificate chain and key (PEM files, e.g. test/servers/tls.ts's makeCert). */
  tls?: { certPath: string; keyPath: string };
}

export interface NginxServer {
  port: number;
  url(path?: string): string;
  pid: number;
  stop(): Promise<void>;
}

export const NGINX = "/usr/sbin/nginx";

/** Start nginx and resolve once its port accepts connections. */
// nginx servers not stopped yet: a script that throws before its stop() (a bench whose contender failed)
// must not leave nginx and its directory behind. Told to stop (SIGTERM: the master takes its workers
// with it; SIGKILL would leave them running) and its directory removed as the process exits.
const unstopped = new Set<{ proc: Subprocess; cleanup: () => void }>();
process.on("exit", () => {
  for (const n of unstopped) {
    n.proc.kill("SIGTERM");
    n.cleanup();
  }
});

export async function startNginx(opts: NginxOptions): Promise<NginxServer> {
  // The port is probed free then handed to nginx; if another process takes it meanwhile, nginx exits
  // and we try again with a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, freePort(opts.host ?? "127.0.0.1"));
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

async function startOnce(opts: NginxOptions, port: number): Promise<NginxServer> {
  const host = opts.host ?? "127.0.0.1";
  const prefix = tempDir("fetchx-nginx-");
  for (const d of ["logs", "tmp"]) mkdirSync(join(prefix.path, d));
  const listen = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const conf = `
${process.getuid?.() === 0 ? "user root;" : ""}
worker_processes 1;
daemon off;
pid ${prefix.path}/nginx.pid;
error_log stderr warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  client_body_temp_path ${prefix.path}/tmp/body;
  proxy_temp_path ${prefix.path}/tmp/proxy;
  fastcgi_temp_path ${prefix.path}/tmp/fastcgi;
  uwsgi_temp_path ${prefix.path}/tmp/uwsgi;
  scgi_temp_path ${prefix.path}/tmp/scgi;
  ${opts.limitConn ? "limit_conn_zone $binary_remote_addr zone=perclient:1m;" : ""}
  server {
    listen ${listen}${opts.tls ? " ssl" : ""}${opts.proxyProtocol ? " proxy_protocol" : ""};
    ${opts.proxyProtocol ? 'location = /proxy-protocol { default_type text/plain; return 200 "$proxy_protocol_addr $proxy_protocol_port $proxy_protocol_server_addr $proxy_protocol_server_port\\n"; }' : ""}
    ${opts.tls ? `ssl_certificate ${opts.tls.certPath}; ssl_certificate_key ${opts.tls.keyPath};` : ""}
    ${opts.limitConn ? `limit_conn perclient ${opts.limitConn};` : ""}
    root ${opts.root};
    ${opts.proxy ? `location / { proxy_pass ${opts.proxy}; proxy_http_version 1.1; proxy_buffering off; }` : ""}
    ${opts.limitRate ? `limit_rate ${opts.limitRate};` : ""}
    ${opts.gzipStatic ? "gzip_static on;" : ""}
  }
}
`;
  const confPath = join(prefix.path, "nginx.conf");
  writeFileSync(confPath, conf);
  const cmd = [NGINX, "-p", prefix.path, "-c", confPath, "-e", "stderr"];
  const proc: Subprocess<"ignore", "ignore", "pipe"> = Bun.spawn(opts.mptcp ? ["mptcpize", "run", ...cmd] : cmd, {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  const stderr = new Response(proc.stderr).text();
  await untilAccepting(proc, host, port, "nginx", () => stderr, prefix.cleanup);
  const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  const live = { proc, cleanup: prefix.cleanup };
  unstopped.add(live);
  return {
    port,
    pid: proc.pid,
    url: (path = "/") => `${opts.tls ? "https" : "http"}://${authority}${path}`,
    async stop() {
      // SIGTERM is nginx's fast shutdown; the master waits for its worker before exiting.
      unstopped.delete(live);
      proc.kill("SIGTERM");
      await proc.exited;
      prefix.cleanup();
    },
  };
}

/** Write `content` to root/name (convenience for tests serving files through nginx). */
export function writeFile(root: string, name: string, content: Uint8Array | string): string {
  const path = join(root, name);
  writeFileSync(path, content);
  return path;
}
