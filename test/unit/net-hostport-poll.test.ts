// Guards the two small helpers every net/ caller shares: host:port text (IPv6 in brackets) and the
// event-loop-friendly wait on one fd (ready fd at once, abort while nothing happens, the loop still served).

import { describe, expect, test } from "bun:test";
import { closeSync, constants, openSync } from "node:fs";
import { join } from "node:path";
import { formatHostPort } from "../../src/net/hostport.ts";
import { POLLIN, POLLOUT } from "../../src/net/libc.ts";
import { waitFd } from "../../src/net/poll.ts";
import { tempDir } from "../servers/harness.ts";

describe("formatHostPort", () => {
  test("names and IPv4 bare, IPv6 in brackets once", () => {
    expect(formatHostPort("example.com", 80)).toBe("example.com:80");
    expect(formatHostPort("192.0.2.1", 8080)).toBe("192.0.2.1:8080");
    expect(formatHostPort("2001:db8::1", 443)).toBe("[2001:db8::1]:443");
    expect(formatHostPort("::ffff:192.0.2.1", 443)).toBe("[::ffff:192.0.2.1]:443");
    expect(formatHostPort("[::1]", 443)).toBe("[::1]:443");
  });
});

describe("waitFd", () => {
  test("a ready fd answers at once with its revents", async () => {
    using dir = tempDir();
    const fd = openSync(join(dir.path, "f"), "w");
    try {
      expect((await waitFd(fd, POLLOUT)) & POLLOUT).toBe(POLLOUT);
    } finally {
      closeSync(fd);
    }
  });

  test("waits without blocking the loop, and ends with the signal's reason", async () => {
    using dir = tempDir();
    const fifo = join(dir.path, "fifo");
    Bun.spawnSync(["mkfifo", fifo]);
    // Read-write keeps a writer, so there is no POLLHUP: nothing ever becomes readable.
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const started = performance.now();
      const err = await waitFd(fd, POLLIN, { signal: AbortSignal.timeout(150) }).catch((e) => e);
      clearInterval(timer);
      expect((err as Error).name).toBe("TimeoutError");
      expect(performance.now() - started).toBeLessThan(1000);
      expect(ticks, "timers ran while waiting").toBeGreaterThan(5);
    } finally {
      closeSync(fd);
    }
  });
});
