// Guards the libc binding: importing it (or anything above it) opens nothing, errno names and messages
// come from node:util with the two Bun lacks filled in, and sockaddr text goes through inet_pton/inet_ntop.

import { describe, expect, test } from "bun:test";
import { REPO_ROOT } from "../servers/harness.ts";
import { isIP as nodeIsIP } from "node:net";
import { closeSync, lstatSync, openSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as libc from "../../src/net/libc.ts";
import { AF_INET, AF_INET6, errnoMessage, errnoName, inetNtop, inetPton, interfaceIndex, isIP } from "../../src/net/libc.ts";
import { tempDir } from "../servers/harness.ts";
import { parseSockaddr, sockaddr, splitZone, zoneIndex } from "../../src/net/sockaddr.ts";

describe("libc", () => {
  test("import has no side effect: libc is opened on first use, once", () => {
    // A fresh process: in this one another test may already have opened it.
    const script = `
      const libc = await import("./src/net/libc.ts");
      await import("./src/net/dialer.ts");
      await import("./src/sink/file.ts");
      const before = libc.libcLoaded();
      libc.errnoName(111); // node:util, not libc
      const afterName = libc.libcLoaded();
      libc.pollOne(0, 0, 0);
      console.log(JSON.stringify([before, afterName, libc.libcLoaded()]));`;
    const r = Bun.spawnSync([process.execPath, "-e", script], { cwd: REPO_ROOT });
    expect(r.stderr.toString()).toBe("");
    expect(JSON.parse(r.stdout.toString())).toEqual([false, false, true]);
  });

  test("errno names and messages from node:util, with EINPROGRESS and EDQUOT filled in", () => {
    expect(errnoName(111)).toBe("ECONNREFUSED");
    expect(errnoMessage(111)).toBe("connection refused");
    expect(errnoName(113)).toBe("EHOSTUNREACH");
    expect(errnoName(28)).toBe("ENOSPC");
    // Bun 1.4.4's table does not know these two; if it learns them, the fallback is dead code.
    expect([errnoName(115), errnoMessage(115)]).toEqual(["EINPROGRESS", "operation now in progress"]);
    expect([errnoName(122), errnoMessage(122)]).toEqual(["EDQUOT", "disk quota exceeded"]);
    expect(errnoName(9999)).toBe("errno 9999");
    expect(errnoMessage(9999)).toBe("errno 9999");
  });

  test("file calls without node:fs: statx type and size (a link itself or its target), open, fsync, rename, access, readlink", () => {
    using dir = tempDir("fetchx-libc-");
    const file = join(dir.path, "f");
    writeFileSync(file, "x".repeat(12345));
    symlinkSync(file, join(dir.path, "link"));
    symlinkSync(join(dir.path, "nowhere"), join(dir.path, "dangling"));
    const typeOf = (path: string, follow: boolean) => {
      const st = libc.statPath(path, follow);
      return typeof st === "number" ? errnoName(-st) : st;
    };
    // The same answers as node:fs's stat and lstat (type bits of st_mode, size, st_dev as glibc's
    // major()/minor() split it).
    const s = statSync(file);
    const dev = `${(s.dev >> 8) & 0xfff}:${(s.dev & 0xff) | ((s.dev >> 12) & 0xfff00)}`;
    const owner = { perm: s.mode & 0o7777, uid: s.uid, gid: s.gid };
    expect(typeOf(file, true)).toEqual({ mode: s.mode & 0o170000, size: 12345, dev, ino: s.ino, ...owner });
    expect(typeOf(join(dir.path, "link"), true)).toEqual({ mode: libc.S_IFREG, size: 12345, dev, ino: s.ino, ...owner });
    const l = lstatSync(join(dir.path, "link"));
    expect(typeOf(join(dir.path, "link"), false)).toEqual({ mode: libc.S_IFLNK, size: l.size, dev, ino: l.ino, perm: l.mode & 0o7777, uid: l.uid, gid: l.gid });
    expect(typeOf(dir.path, true)).toMatchObject({ mode: libc.S_IFDIR });
    expect(typeOf("/dev/null", true)).toMatchObject({ mode: 0o020000 }); // S_IFCHR
    expect(Bun.spawnSync(["mkfifo", join(dir.path, "fifo")]).exitCode).toBe(0);
    expect(typeOf(join(dir.path, "fifo"), true)).toMatchObject({ mode: libc.S_IFIFO });
    expect(typeOf(join(dir.path, "dangling"), true)).toBe("ENOENT");
    expect(typeOf(join(dir.path, "dangling"), false)).toMatchObject({ mode: libc.S_IFLNK });
    expect(typeOf(join(file, "below"), true)).toBe("ENOTDIR");
    const fd = openSync(file, "r");
    expect(libc.statFd(fd)).toEqual({ mode: libc.S_IFREG, size: 12345, dev, ino: s.ino, ...owner });
    closeSync(fd);

    expect(libc.pathExists(file)).toBe(true);
    expect(libc.pathExists(join(dir.path, "dangling"))).toBe(false); // as existsSync
    expect(libc.readLink(join(dir.path, "link"))).toBe(file);
    expect(libc.readLink(file)).toBeNull();

    const part = join(dir.path, "new.part");
    const flags = libc.O_WRONLY | libc.O_CREAT | libc.O_EXCL | libc.O_NOFOLLOW | libc.O_CLOEXEC;
    const out = libc.openPath(part, flags, 0o644);
    expect(out).toBeGreaterThan(2);
    expect(libc.writeFd(out, new TextEncoder().encode("bytes"), 0)).toBe(5);
    expect(libc.fsync(out)).toBe(0);
    libc.close(out);
    expect(statSync(part).mode & 0o777).toBe(0o644 & ~process.umask());
    expect(errnoName(-libc.openPath(part, flags, 0o644))).toBe("EEXIST"); // O_EXCL
    expect(errnoName(-libc.openPath(join(dir.path, "link"), libc.O_WRONLY | libc.O_NOFOLLOW))).toBe("ELOOP"); // never through a link
    expect(libc.renamePath(part, join(dir.path, "new"))).toBe(0);
    expect(readFileSync(join(dir.path, "new"), "utf8")).toBe("bytes");
    expect(errnoName(-libc.renamePath(part, join(dir.path, "new")))).toBe("ENOENT");
    // A NUL byte would cut the path in C (another file): refused, as node:fs refuses it.
    const cut = `${file}\0.part`;
    expect(errnoName(-libc.openPath(cut, flags, 0o644))).toBe("EINVAL");
    expect(errnoName(-(libc.statPath(cut, true) as number))).toBe("EINVAL");
    expect(errnoName(-libc.renamePath(join(dir.path, "new"), cut))).toBe("EINVAL");
    expect(libc.pathExists(cut)).toBe(false);
    expect(libc.readLink(`${join(dir.path, "link")}\0`)).toBeNull();
    // Longer than PATH_MAX: refused before the call (the C string buffers hold PATH_MAX bytes).
    expect(errnoName(-libc.openPath("/" + "x".repeat(5000), flags, 0o644))).toBe("ENAMETOOLONG");
    // rename's two names use two buffers: neither overwrites the other.
    writeFileSync(join(dir.path, "a-rather-long-first-name"), "A");
    expect(libc.renamePath(join(dir.path, "a-rather-long-first-name"), join(dir.path, "b"))).toBe(0);
    expect(readFileSync(join(dir.path, "b"), "utf8")).toBe("A");
  });

  test("inet_pton / inet_ntop", () => {
    expect(inetPton(AF_INET, "192.0.2.7")).toEqual(new Uint8Array([192, 0, 2, 7]));
    expect(inetPton(AF_INET, "192.0.2")).toBeNull();
    expect(inetPton(AF_INET6, "192.0.2.7")).toBeNull();
    expect(inetPton(AF_INET6, "::ffff:1.2.3.4")).toEqual(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]));
    expect(inetNtop(AF_INET6, inetPton(AF_INET6, "2001:0db8:0:0:1:0:0:1")!)).toBe("2001:db8::1:0:0:1");
  });

  test("isIP answers as node:net's isIP on near-misses of every form (it replaces it: node:net costs start-up)", () => {
    const seeds = [
      "1.2.3.4", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "0.0.0.0", " 1.2.3.4", "1.2.3.4\n", "127.1",
      "0x1.2.3.4", "1.2.3.4%eth0", "1.1.1.1/8", "::", "::1", "1::", "fe80::1%eth0", "fe80::1%", "fe80::1%eth 0", "fe80::1%a%b",
      "fe80::1%25eth0", "fe80::1%eth0.1:2-3", `fe80::1%${"x".repeat(100)}`, "::ffff:1.2.3.4", "::ffff:1.2.3.04", "::FFFF:1.2.3.4",
      "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
      "a:b:c:d:e:f:1.2.3.4", "::1.2.3.4", "1.2.3.4::", "12345::", "g::", "1:::2", "1::2::3", "[::1]", "::/0", "ABCD::EF",
      "abcd:ef01:2345:6789:abcd:ef01:2345:6789", "example.com", "", "%eth0", "0", "1e1.1.1.1", "1.2.3.4\0", "1.2.3.4\0x", "1".repeat(100),
    ];
    const differ = (s: string) => (isIP(s) === nodeIsIP(s) ? [] : [`${JSON.stringify(s)}: ${isIP(s)}, node ${nodeIsIP(s)}`]);
    expect(seeds.flatMap(differ)).toEqual([]);
    // Random edits (insert, delete, replace) of the seeds, from a fixed seed.
    const alphabet = "0123456789abcdefABCDEF:.%g /";
    let state = 7;
    const rnd = (n: number) => ((state = (state * 1103515245 + 12345) & 0x7fffffff), state % n);
    const mutants: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      let s = seeds[rnd(seeds.length)]!;
      for (let k = 1 + rnd(3); k > 0; k--) {
        const at = rnd(s.length + 1);
        const c = alphabet[rnd(alphabet.length)]!;
        s = [s.slice(0, at) + c + s.slice(at), s.slice(0, at) + s.slice(at + 1), s.slice(0, at) + c + s.slice(at + 1)][rnd(3)]!;
      }
      mutants.push(s);
    }
    expect(mutants.flatMap(differ)).toEqual([]);
    expect(mutants.filter((s) => isIP(s) === 4).length).toBeGreaterThan(100); // the corpus does reach both families
    expect(mutants.filter((s) => isIP(s) === 6).length).toBeGreaterThan(100);
  });

  test("sockaddr round-trips IPv4, IPv6 (compressed, mapped, scoped) and the port", () => {
    for (const [ip, text, family] of [
      ["127.0.0.1", "127.0.0.1", 4],
      ["::1", "::1", 6],
      ["2001:db8:0:0:0:0:0:5", "2001:db8::5", 6],
      ["::ffff:10.0.0.1", "::ffff:10.0.0.1", 6],
      ["fe80::1%3", "fe80::1", 6],
      ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", 6],
    ] as const) {
      expect(parseSockaddr(sockaddr(ip, 8443))).toEqual({ ip: text, port: 8443, family });
    }
    expect(new DataView(sockaddr("fe80::1%3", 1).buffer).getUint32(24, true)).toBe(3);
    expect(() => sockaddr("example.com", 80)).toThrow("not an IP address");
    expect(parseSockaddr(new Uint8Array(2))).toBeNull();
  });

  test("IPv6 zones: a number as it is, an interface name through if_nametoindex, the URL's scope over the address's own", () => {
    const scopeOf = (b: Uint8Array) => new DataView(b.buffer).getUint32(24, true);
    // "lo" is interface 1 in every network namespace.
    expect(interfaceIndex("lo")).toBe(1);
    expect(zoneIndex("lo")).toBe(1);
    expect(scopeOf(sockaddr("fe80::1%lo", 80))).toBe(1);
    expect(zoneIndex("7")).toBe(7);
    expect(zoneIndex("nosuch0")).toBeNull();
    expect(zoneIndex("4294967296")).toBeNull();
    // Unknown: scope 0, so connect() fails for a link-local address as curl's does.
    expect(scopeOf(sockaddr("fe80::1%nosuch0", 80))).toBe(0);
    expect(scopeOf(sockaddr("fe80::1%3", 80, 9))).toBe(9);
    expect(scopeOf(sockaddr("fe80::1", 80, 9))).toBe(9);
    expect(splitZone("fe80::1%a%25b")).toEqual({ addr: "fe80::1", zone: "a%25b" });
  });
});
