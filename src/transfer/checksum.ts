// --checksum ALGO=HEX: the expected digest, and a hasher fed while streaming when the bytes arrive in order.
import { FetchxError, usageError } from "../errors.ts";

const LENGTHS: Record<string, number> = { sha256: 64, sha512: 128, sha1: 40, md5: 32 };

export interface ChecksumSpec {
  algo: "sha256" | "sha512" | "sha1" | "md5";
  hex: string;
}

export function parseChecksum(text: string): ChecksumSpec {
  const m = text.trim().match(/^([a-z0-9-]+)[=:]([0-9a-fA-F]+)$/);
  const algo = m?.[1]?.replace("-", "").toLowerCase();
  if (!m || !algo || !(algo in LENGTHS)) throw usageError(`--checksum wants sha256=HEX (also sha512, sha1, md5), got "${text}"`);
  if (m[2]!.length !== LENGTHS[algo]) throw usageError(`--checksum ${algo} wants ${LENGTHS[algo]} hex digits, got ${m[2]!.length}`);
  return { algo: algo as ChecksumSpec["algo"], hex: m[2]!.toLowerCase() };
}

export const newHasher = (spec: ChecksumSpec) => new Bun.CryptoHasher(spec.algo);

export class ChecksumMismatch extends FetchxError {
  constructor(spec: ChecksumSpec, actual: string, kept: string) {
    super("CHECKSUM", `${spec.algo} mismatch: expected ${spec.hex}, got ${actual}; the data is kept in ${kept}`, { retryable: false });
  }
}
