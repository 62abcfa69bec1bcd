// Which file a download goes to: -o, -O (URL's last segment), -J (Content-Disposition), --output-dir.
// Names that come from the server are sanitised: no path separators, no "..", nothing hidden.
import type { OutputSlot } from "./glob.ts";
import type { Options } from "./options.ts";
import { FetchxError } from "../errors.ts";
import { parseContentDisposition } from "../http/headers.ts";
import type { ResponseHead } from "../http/types.ts";
import { fileNameFromUrl, sanitizeFileName } from "../http/url.ts";
// node:path at first use (src/node-fs.ts): its import costs about 0.15 ms of CPU (timestamped in a compiled
// binary), and a plain download does not need it.
import { nodePath } from "../node-fs.ts";

/**
 * The output path, or null for standard output. `output`: the URL's slot (Options.outputs): -o's FILE,
 * null for -O, undefined when none names it (then -O or --remote-name-all, if given, name it).
 */
export function outputPath(opts: Options, urlOf: () => URL, head: ResponseHead | undefined, output: OutputSlot | undefined): string | null {
  let name: string | null = null;
  if (typeof output === "string") {
    if (output === "-") return null;
    name = output;
  } else if (output === null || opts.remoteName) {
    if (opts.remoteHeaderName && head) {
      const cd = head.headers.get("content-disposition");
      const fromHeader = cd ? parseContentDisposition(cd) : null;
      name = fromHeader ? sanitizeFileName(fromHeader) : null;
    }
    const url = urlOf();
    name ??= sanitizeFileName(fileNameFromUrl(url) ?? "");
    if (!name) throw new FetchxError("WRITE", `no file name in ${url.href} for -O: use -o FILE`);
  } else return null;
  if (opts.outputDir && !nodePath().isAbsolute(name)) name = nodePath().join(opts.outputDir, name);
  return name;
}
