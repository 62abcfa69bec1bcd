// Test payloads: N random bytes on disk with their sha256, so tests compare bytes, not sizes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Payload {
  path: string;
  size: number;
  sha256: string;
}

export function sha256Hex(data: Uint8Array): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}

export async function sha256File(path: string): Promise<string> {
  const file = Bun.file(path);
  if (!(await file.exists())) return "(missing)";
  return sha256Hex(await file.bytes());
}

export async function writePayload(dir: string, name: string, size: number): Promise<Payload> {
  const data = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB per call.
  for (let off = 0; off < size; off += 65536) crypto.getRandomValues(data.subarray(off, Math.min(size, off + 65536)));
  const path = join(dir, name);
  await Bun.write(path, data);
  return { path, size, sha256: sha256Hex(data) };
}

/** A temp dir that removes itself; `using dir = tempDir("x")` or call dir[Symbol.dispose]() yourself. */
export function tempDir(prefix: string): { path: string; [Symbol.dispose](): void } {
  const path = mkdtempSync(join(tmpdir(), `fetchx-${prefix}-`));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}
