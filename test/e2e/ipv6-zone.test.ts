// RFC 6874 zone ids in URLs ("http://[fe80::1%25veth0]:PORT/"): a real link-local address on a veth
// between two network namespaces this test creates, the test server in one, fetchx and Debian's curl 7.88
// side by side in the other. Guards the bytes, the request (line and Host, which carries no zone, as
// curl's), -w %{url_effective} and -O with the zone, redirects keeping it, range connections, --connect-to
// and a proxy on a zoned address, and the exit codes of the failures next to curl's (unknown interface 7,
// empty zone 3, zone on an IPv4 literal or a name 6).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { REPO_ROOT, randomBytes, runCli, runCommand, sha256, tempDir, type CliResult } from "../servers/harness.ts";
import { createNetns, netnsUnavailable, type Netns } from "../servers/netns.ts";

const curl = Bun.which("curl");
const skip = netnsUnavailable ?? (curl ? null : "curl is not installed");
if (skip) console.warn(`[ipv6-zone] skipped: ${skip}`);

const SIZE = 300 * 1024 + 7;
const SEED = 61;
const data = randomBytes(SIZE, SEED);
const tmp = tempDir("fetchx-zone-");
const DEV = "zcli0"; // the client's end of the veth, in the client namespace

let srv: Netns;
let cli: Netns;
let server: Bun.Subprocess<"ignore", "pipe", "inherit">;
let port = 0;
let ifindex = "";
/** Request heads the server received, in order, as it printed them. */
const heads: string[] = [];
let waiting: (() => void) | null = null;

/** The head of the next request the server receives (waits for its line, no timer). */
async function nextHead(seen: number): Promise<string> {
  while (heads.length <= seen) await new Promise<void>((r) => (waiting = r));
  return heads[seen]!;
}

// The server: the tests' one server (test/servers/http.ts) on "::", printing each request head as a line.
const serverScript = `
import { startServer } from ${JSON.stringify(`${REPO_ROOT}/test/servers/http.ts`)};
import { randomBytes } from ${JSON.stringify(`${REPO_ROOT}/test/servers/harness.ts`)};
const body = randomBytes(${SIZE}, ${SEED});
const seen = (route) => (ctx) => { console.log(JSON.stringify(ctx.req.raw)); return route; };
const s = await startServer({ host: "::", routes: {
  "/file.bin": seen({ body }),
  "/moved": seen({ redirect: { to: "/file.bin", status: 302 } }),
  // The absolute-form target a forwarding proxy is asked for (this server plays the proxy).
  "http://files.test/file.bin": seen({ body }),
} });
console.log(JSON.stringify({ port: s.port }));
`;

beforeAll(async () => {
  if (skip) return;
  srv = createNetns("fxzs");
  cli = createNetns("fxzc");
  // The pair is made inside the server namespace with its peer moved straight into the client's, so its
  // names never meet the host's interfaces. nodad: the addresses are usable at once.
  srv.sh("ip", "link", "add", "zsrv0", "type", "veth", "peer", "name", DEV, "netns", cli.name);
  srv.sh("ip", "addr", "add", "fe80::1/64", "dev", "zsrv0", "nodad");
  cli.sh("ip", "addr", "add", "fe80::2/64", "dev", DEV, "nodad");
  srv.sh("ip", "link", "set", "zsrv0", "up");
  cli.sh("ip", "link", "set", DEV, "up");
  ifindex = cli.sh("cat", `/sys/class/net/${DEV}/ifindex`).trim();
  server = Bun.spawn(["ip", "netns", "exec", srv.name, process.execPath, "-e", serverScript], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const lines = (async () => {
    let text = "";
    for await (const chunk of server.stdout) {
      text += new TextDecoder().decode(chunk);
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n")) {
        const line = JSON.parse(text.slice(0, nl));
        text = text.slice(nl + 1);
        if (typeof line === "object") port = line.port;
        else heads.push(line);
        waiting?.();
        waiting = null;
      }
    }
  })();
  while (port === 0) {
    await Promise.race([new Promise<void>((r) => (waiting = r)), lines]);
    if (port === 0 && server.exitCode !== null) throw new Error(`zone test server exited (${server.exitCode})`);
  }
});

afterAll(() => {
  server?.kill("SIGKILL");
  srv?.destroy();
  cli?.destroy();
  tmp.cleanup();
});

const text = (r: CliResult) => new TextDecoder().decode(r.stdout);
const fetchx = (args: string[], cwd = tmp.path) => runCli(args, { netns: cli.name, cwd });
const curl788 = (args: string[], cwd = tmp.path) => runCommand([curl!, ...args], { netns: cli.name, cwd });
const requestLineAndHost = (head: string) => head.split("\r\n").filter((l) => /^(GET |host:)/i.test(l));

describe.skipIf(skip !== null)("IPv6 zone ids in URLs", () => {
  test("by interface name: the bytes, the request line and Host as curl's, the URL with its zone in -w", async () => {
    const url = `http://[fe80::1%25${DEV}]:${port}/file.bin`;
    const seen = heads.length;
    const r = await fetchx([url, "-o", tmp.file("name.bin"), "-sS", "-w", "%{url_effective}"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(tmp.file("name.bin"))).toBe(await sha256(data));
    expect(text(r)).toBe(url);
    const ours = await nextHead(seen);

    const c = await curl788([url, "-o", tmp.file("curl.bin"), "-sS", "-w", "%{url_effective}"]);
    expect(c.code).toBe(0);
    expect(await sha256(tmp.file("curl.bin"))).toBe(await sha256(data));
    expect(text(c)).toBe(url);
    const theirs = await nextHead(seen + 1);
    expect(requestLineAndHost(ours)).toEqual([`GET /file.bin HTTP/1.1`, `Host: [fe80::1]:${port}`]);
    expect(requestLineAndHost(ours)).toEqual(requestLineAndHost(theirs));
  });

  test("by interface number, and the older bare '%' form", async () => {
    for (const zone of [`%25${ifindex}`, `%${DEV}`]) {
      const r = await fetchx([`http://[fe80::1${zone}]:${port}/file.bin`, "-o", tmp.file("num.bin"), "-sS", "-w", "%{url_effective}"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(await sha256(tmp.file("num.bin"))).toBe(await sha256(data));
      const c = await curl788([`http://[fe80::1${zone}]:${port}/file.bin`, "-o", "/dev/null", "-sS", "-w", "%{url_effective}"]);
      expect(c.code).toBe(0);
      expect(text(r)).toBe(text(c));
    }
  });

  test("-O names the file from the path only; a relative redirect keeps the zone (-L)", async () => {
    using dir = tempDir("fetchx-zone-O-");
    const r = await fetchx([`http://[fe80::1%25${DEV}]:${port}/file.bin`, "-O", "-sS"], dir.path);
    expect(r.code).toBe(0);
    expect(Array.from(new Bun.Glob("*").scanSync({ cwd: dir.path, dot: true }))).toEqual(["file.bin"]);
    expect(await sha256(dir.file("file.bin"))).toBe(await sha256(data));

    const moved = [`http://[fe80::1%25${DEV}]:${port}/moved`, "-L", "-o", tmp.file("moved.bin"), "-sS", "-w", "%{url_effective} %{num_redirects}"];
    const m = await fetchx(moved);
    expect(m.stderr).toBe("");
    expect(m.code).toBe(0);
    expect(await sha256(tmp.file("moved.bin"))).toBe(await sha256(data));
    expect(text(m)).toBe(`http://[fe80::1%25${DEV}]:${port}/file.bin 1`);
    expect(text(await curl788(moved))).toBe(text(m));
  });

  test("--connections 4: every range connection reaches the zoned address", async () => {
    const seen = heads.length;
    const r = await fetchx([`http://[fe80::1%25${DEV}]:${port}/file.bin`, "--connections", "4", "-o", tmp.file("seg.bin"), "-sS", "-w", "%{num_connects}"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(tmp.file("seg.bin"))).toBe(await sha256(data));
    expect(Number(text(r))).toBeGreaterThan(1);
    const ranged = heads.slice(seen).filter((h) => /^range:/im.test(h));
    expect(ranged.length).toBeGreaterThan(1);
    for (const h of ranged) expect(h).toContain(`Host: [fe80::1]:${port}\r\n`);
  });

  test("--connect-to a zoned address (getaddrinfo's form, as curl): the URL's Host is sent", async () => {
    const seen = heads.length;
    const r = await fetchx([`http://files.test:${port}/file.bin`, "--connect-to", `files.test:${port}:[fe80::1%${DEV}]:${port}`, "-o", tmp.file("ct.bin"), "-sS"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(tmp.file("ct.bin"))).toBe(await sha256(data));
    expect(requestLineAndHost(await nextHead(seen))).toEqual([`GET /file.bin HTTP/1.1`, `Host: files.test:${port}`]);
  });

  test("a proxy on a zoned address (-x http://[fe80::1%25dev]:PORT, as curl): absolute-form request to it", async () => {
    const proxy = `http://[fe80::1%25${DEV}]:${port}`;
    const seen = heads.length;
    const r = await fetchx(["http://files.test/file.bin", "-x", proxy, "-o", tmp.file("proxy.bin"), "-sS"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(tmp.file("proxy.bin"))).toBe(await sha256(data));
    const ours = requestLineAndHost(await nextHead(seen));
    expect((await curl788(["http://files.test/file.bin", "-x", proxy, "-o", "/dev/null", "-sS"])).code).toBe(0);
    expect(ours).toEqual(["GET http://files.test/file.bin HTTP/1.1", "Host: files.test"]);
    expect(requestLineAndHost(await nextHead(seen + 1))).toEqual(ours);
  });

  // [what, URL or extra arguments, curl 7.88's exit code there, what fetchx's one line must name]
  const failures: [string, () => string[], number, string][] = [
    ["unknown interface", () => [`http://[fe80::1%25nosuch0]:${port}/file.bin`], 7, 'no network interface "nosuch0"'],
    ["no zone on a link-local address", () => [`http://[fe80::1]:${port}/file.bin`], 7, "fe80::1"],
    ["empty zone", () => [`http://[fe80::1%]:${port}/file.bin`], 3, "zone id"],
    ["zone on an IPv4 literal", () => [`http://192.0.2.1%25${DEV}:${port}/file.bin`], 6, "in brackets"],
    ["zone on an IPv4 literal in brackets (curl: a bad range, [ starting a glob)", () => [`http://[192.0.2.1%25${DEV}]:${port}/file.bin`], 3, "bad range"],
    ["zone on a host name", () => [`http://files.test%25${DEV}:${port}/file.bin`], 6, "in brackets"],
    ["a proxy's zone naming no interface", () => ["-x", `http://[fe80::1%25nosuch0]:${port}`, "http://files.test/file.bin"], 7, 'no network interface "nosuch0"'],
    ["--connect-to a zone naming no interface", () => ["--connect-to", `files.test:${port}:[fe80::1%nosuch0]:${port}`, `http://files.test:${port}/`], 6, 'no network interface "nosuch0"'],
  ];
  test.each(failures)("%s: curl's exit code, one line", async (_what, args, code, names) => {
    expect((await curl788([...args(), "-sS", "-o", "/dev/null"])).code).toBe(code);
    const r = await fetchx([...args(), "-sS", "-o", "/dev/null", "--retry", "0"]);
    expect(r.code).toBe(code);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(names);
  });

  test("--resolve and --interface take no zone (curl 7.88 refuses both: its 49 and 45; fetchx 49 and its usage error 2)", async () => {
    expect((await curl788(["--resolve", `files.test:${port}:fe80::1%${DEV}`, `http://files.test:${port}/`, "-sS", "-o", "/dev/null"])).code).toBe(49);
    const r = await fetchx(["--resolve", `files.test:${port}:fe80::1%${DEV}`, `http://files.test:${port}/`, "-sS", "-o", "/dev/null"]);
    expect(r.code).toBe(49);
    expect(r.stderr).toContain("without a zone id");
    expect((await curl788(["--interface", `fe80::2%${DEV}`, `http://[fe80::1%25${DEV}]:${port}/file.bin`, "-sS", "-o", "/dev/null"])).code).toBe(45);
    const i = await fetchx(["--interface", `fe80::2%${DEV}`, `http://[fe80::1%25${DEV}]:${port}/file.bin`, "-sS", "-o", "/dev/null"]);
    expect(i.code).toBe(2);
    expect(i.stderr).toContain("without a zone id");
    // The device itself is how to choose it, with the zone in the URL.
    const d = await fetchx(["--interface", DEV, `http://[fe80::1%25${DEV}]:${port}/file.bin`, "-sS", "-o", tmp.file("dev.bin")]);
    expect(d.code).toBe(0);
    expect(await sha256(tmp.file("dev.bin"))).toBe(await sha256(data));
  });
});
