// Output directories listed once for a run of several URLs. A download looks up NAME, NAME.part and
// NAME.fetchx before it asks for a byte (a journal to resume, a planted link to refuse, a directory or a
// device at NAME); in -Z runs those were three thread-pool tasks a file, about a seventh of the CPU of 400
// small files. With a listing taken at the run's first file, a download whose three names were not there
// is told so (DownloadOptions.outputAbsent) and skips them; one whose names were there looks them up as
// before.
import { nodeFs, nodePath } from "../node-fs.ts";

/** A directory with more entries than this is not listed: each download looks its own names up. */
export const LISTING_MAX = 50_000;

/** `absent(file)`: whether none of FILE, FILE.part and FILE.fetchx was in its directory's listing. */
export function outputListing(): (file: string) => boolean {
  const dirs = new Map<string, Set<string> | null>();
  const { basename, dirname } = nodePath();
  return (file) => {
    const dir = dirname(file);
    let names = dirs.get(dir);
    if (names === undefined) dirs.set(dir, (names = list(dir)));
    if (names === null) return false;
    const base = basename(file);
    return !names.has(base) && !names.has(`${base}.part`) && !names.has(`${base}.fetchx`);
  };
}

/** The names in `dir` (empty when it does not exist yet: --create-dirs), or null when they are unknown. */
function list(dir: string): Set<string> | null {
  let handle: import("node:fs").Dir;
  try {
    handle = nodeFs().opendirSync(dir);
  } catch (err) {
    return (err as { code?: string }).code === "ENOENT" ? new Set() : null;
  }
  const names = new Set<string>();
  try {
    for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
      if (names.size >= LISTING_MAX) return null;
      names.add(entry.name);
    }
    return names;
  } catch {
    return null;
  } finally {
    handle.closeSync();
  }
}
