// The host's network paths for spreading connections: the MPTCP `subflow` endpoints (the addresses the
// kernel's path manager would open extra subflows from), or paths the user names (addresses or interface
// names). A path binds a socket's local side before connect (attempt.ts): its address for the server's
// family, and for a named interface also the device (SO_BINDTODEVICE), so traffic leaves through it even
// without source-based policy routing. Endpoints bind only the address, as the kernel's subflows do: they
// rely on the same policy routing (docs/MPTCP.md).
import { isIP } from "./libc.ts";
import { readPathManager } from "./mptcp-pm.ts";

// node:os at first use: only paths, MPTCP and connection reports that are read need it, not every download.
const networkInterfaces = () => (import.meta.require("node:os") as typeof import("node:os")).networkInterfaces();

export interface NetPath {
  /** What -v and the progress line call it: the interface name, else the address; "default" for the kernel's choice. */
  name: string;
  /** Local addresses to bind, one per family at most used (empty: no address binding). */
  addresses: string[];
  /** Interface to bind the socket to (SO_BINDTODEVICE); only for interfaces named by the user. */
  device?: string;
}

/** How one connection on a path binds its local side, for a server of `family`. */
export interface PathBinding {
  localAddress?: string;
  interface?: string;
}

/** The path the kernel picks by itself (the main routing table): no binding. */
export const DEFAULT_PATH: NetPath = { name: "default", addresses: [] };

const familyOf = (ip: string): 4 | 6 => (ip.includes(":") ? 6 : 4);
const usable = (addr: { address: string; internal: boolean; family: string }) =>
  !addr.internal && !(addr.family === "IPv6" && /^fe80:/i.test(addr.address));

/** The binding of `path` for a server of `family`, or null when the path has no address of that family. */
export function bindingFor(path: NetPath, family: 4 | 6): PathBinding | null {
  if (path.addresses.length === 0) return path.device ? { interface: path.device } : {};
  const localAddress = path.addresses.find((a) => familyOf(a) === family);
  if (!localAddress) return null;
  return path.device ? { localAddress, interface: path.device } : { localAddress };
}

/** The interface that holds `address` in this namespace (os.networkInterfaces), if any. */
export function interfaceOf(address: string): string | undefined {
  const bare = address.replace(/^::ffff:/i, "");
  for (const [name, addrs] of Object.entries(networkInterfaces()))
    if (addrs?.some((a) => a.address === bare || a.address === address)) return name;
  return undefined;
}

/**
 * Paths from the user's list: IP literals (bound as they are) and interface names (their addresses,
 * plus the device itself). Throws a plain Error naming an entry that is neither.
 */
export function namedPaths(list: string[]): NetPath[] {
  const ifaces = networkInterfaces();
  return list.map((entry) => {
    const addr = entry.replace(/^\[(.*)\]$/, "$1");
    if (isIP(addr)) return { name: interfaceOf(addr) ?? addr, addresses: [addr] };
    const addrs = ifaces[entry];
    if (!addrs) throw new Error(`no interface or address "${entry}" on this host`);
    return { name: entry, addresses: addrs.filter(usable).map((a) => a.address), device: entry };
  });
}

/**
 * The kernel's own choice first, then one path per `subflow` endpoint (not `backup`: those are for when
 * the others fail). Empty when MPTCP's path manager cannot be read (no MPTCP, netlink refused).
 */
export function endpointPaths(): { paths: NetPath[]; why?: string } {
  let pm;
  try {
    pm = readPathManager();
  } catch (err) {
    return { paths: [], why: `cannot read the MPTCP endpoints: ${(err as Error).message}` };
  }
  if (!pm) return { paths: [], why: "this kernel has no MPTCP path manager" };
  const subflow = pm.endpoints.filter((e) => e.flags.includes("subflow") && !e.flags.includes("backup"));
  return { paths: [DEFAULT_PATH, ...subflow.map((e) => ({ name: e.dev ?? interfaceOf(e.address) ?? e.address, addresses: [e.address] }))] };
}
