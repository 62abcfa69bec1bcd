// At most MAX_PER_HOST connections to one host from this process, however many transfers run at once
// (-Z with --connections): a download manager should not be mistaken for a flood (aria2 caps at 16 too).
// Transfers reserve their parallel connections here when they start and give them back when they end.

export const MAX_PER_HOST = 16;

const inUse = new Map<string, number>();

/** Reserves up to `wanted` connections to `host` (at least 1); returns how many were granted. */
export function reserveConnections(host: string, wanted: number): number {
  const used = inUse.get(host) ?? 0;
  const granted = Math.max(1, Math.min(wanted, MAX_PER_HOST - used));
  inUse.set(host, used + granted);
  return granted;
}

export function releaseConnections(host: string, granted: number): void {
  const left = (inUse.get(host) ?? 0) - granted;
  if (left > 0) inUse.set(host, left);
  else inUse.delete(host);
}
