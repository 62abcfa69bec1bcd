// Range connections spread over several network paths (net/paths.ts finds them), and what happens when a
// path dies or comes back. Each worker has a home path (worker i on path i mod P). A connection on a path
// that fails to connect, or stops delivering while another path delivers (the monitor notices), takes the
// path down: the worker hands its range back and carries on over a path still up, and no retry is counted
// (the download did not fail; one of its paths did). A down path is probed every `pathTimeoutMs` with a
// connection (parked in the pool for the worker that returns); once one connects the path is up again and
// its workers move back. Only when every path is down does a failure reach the download's retry loop.
import type { FetchxError } from "../errors.ts";
import type { NetPath, PathBinding } from "../net/paths.ts";
import type { RequestHooks } from "./client.ts";

/** Per path, what the progress snapshot shows. */
export interface PathView {
  name: string;
  /** The local address connections on it are bound to ("" for the kernel's choice). */
  local: string;
  up: boolean;
  /** Body bytes carried so far. */
  bytes: number;
  /** Bytes per second over the last monitor interval. */
  rate: number;
}

export interface PathState {
  readonly index: number;
  readonly path: NetPath;
  readonly binding: PathBinding;
  /** The request hook that binds connections to this path. */
  readonly hook: NonNullable<RequestHooks["path"]>;
  up: boolean;
  bytes: number;
  rate: number;
  lastBytes: number;
}

/** What a path set needs from its download. */
export interface PathHost {
  trace(line: string): void;
  /** Connects on `path` (and parks the connection); rejects when it cannot. */
  probe(path: PathState): Promise<void>;
  /** `path` is up again: workers whose home it is should come back. */
  back(path: PathState): void;
}

/** Failures that say something about the path rather than the server's answer. */
const PATH_FAILURES = new Set(["CONNECT", "INTERFACE", "TIMEOUT", "RECV", "SEND", "EMPTY_REPLY"]);

export class PathSet {
  readonly paths: PathState[];
  private probing?: ReturnType<typeof setInterval>;
  private probeInFlight = new Set<PathState>();
  private stopped = false;

  constructor(
    list: { path: NetPath; binding: PathBinding }[],
    readonly host: PathHost,
    private readonly timeoutMs: number,
  ) {
    this.paths = list.map(({ path, binding }, index) => ({
      index,
      path,
      binding,
      hook: { key: index === 0 && !binding.localAddress && !binding.interface ? "" : `${path.name} ${binding.localAddress ?? ""} ${binding.interface ?? ""}`, ...binding, connectTimeoutMs: timeoutMs },
      up: true,
      bytes: 0,
      rate: 0,
      lastBytes: 0,
    }));
  }

  get size(): number {
    return this.paths.length;
  }

  label(p: PathState): string {
    return p.binding.localAddress && p.binding.localAddress !== p.path.name ? `${p.path.name} (${p.binding.localAddress})` : p.path.name;
  }

  /** Where a worker at home on `home` works now: its home while up, else the up path with the fewest `load`. */
  choose(home: number, load: (p: PathState) => number): PathState {
    const own = this.paths[home % this.paths.length]!;
    if (own.up) return own;
    let best: PathState | undefined;
    for (const p of this.paths) if (p.up && (!best || load(p) < load(best))) best = p;
    return best ?? own;
  }

  /**
   * A connection on `p` failed with `err`. True when the failure is the path's and another path is up:
   * `p` is (or already was) down and the worker goes on elsewhere without a retry. False: a failure for
   * the download's retry loop.
   */
  failover(p: PathState, err: FetchxError): boolean {
    if (this.stopped || !err.retryable || !PATH_FAILURES.has(err.code)) return false;
    if (!this.paths.some((o) => o !== p && o.up)) return false;
    if (p.up) {
      p.up = false;
      this.host.trace(`path ${this.label(p)} is down (${err.message}): its ranges go to the other paths; trying it again every ${this.timeoutMs / 1000} s`);
      this.startProbing();
    }
    return true;
  }

  private startProbing(): void {
    this.probing ??= setInterval(() => {
      const down = this.paths.filter((p) => !p.up);
      if (down.length === 0) {
        clearInterval(this.probing);
        this.probing = undefined;
        return;
      }
      for (const p of down) {
        if (this.probeInFlight.has(p)) continue;
        this.probeInFlight.add(p);
        this.host
          .probe(p)
          .then(
            () => {
              if (this.stopped || p.up) return;
              p.up = true;
              this.host.trace(`path ${this.label(p)} is back: using it again`);
              this.host.back(p);
            },
            () => {},
          )
          .finally(() => this.probeInFlight.delete(p));
      }
    }, this.timeoutMs);
  }

  /** Once per monitor interval: each path's rate since the last call. */
  sample(intervalS: number): void {
    for (const p of this.paths) {
      p.rate = (p.bytes - p.lastBytes) / intervalS;
      p.lastBytes = p.bytes;
    }
  }

  views(): PathView[] {
    return this.paths.map((p) => ({ name: p.path.name, local: p.binding.localAddress ?? "", up: p.up, bytes: p.bytes, rate: p.rate }));
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.probing);
  }
}
