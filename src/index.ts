// fetchx as a library for Bun programs: the transfer engine without the command line.
//
//   import { download } from "fetchx";
//   const r = await download("http://127.0.0.1:8080/f.bin", { output: "f.bin", mptcp: true, connections: 4 });
//   r.mptcp; // "active" | "fallback" | "off"
//
// `download` runs one URL on a client of its own; `FetchxClient` keeps connections (and a --limit-rate
// bucket) across downloads. Failures reject with a FetchxError whose `exitCode` is curl's and whose
// `result` says what happened up to the failure. The library never reads process.env or argv, and
// touches standard output only when given `output: { fd: 1 }`.
import { FetchxClient } from "./transfer/fetchx-client.ts";
import type { ClientOptions, DownloadOptions } from "./transfer/options.ts";
import type { DownloadResult } from "./transfer/stats.ts";

export { FetchxClient } from "./transfer/fetchx-client.ts";
export { FetchxError, EXIT_CODES, type ErrorCode } from "./errors.ts";
export type {
  ClientOptions,
  DownloadEvents,
  DownloadOptions,
  Output,
  OutputDecision,
  ResumeInfo,
  RetryInfo,
} from "./transfer/options.ts";
export type { ConnectionReport, DownloadResult } from "./transfer/stats.ts";
export type { ProgressSnapshot, ProgressSource, SegmentView } from "./transfer/progress.ts";
export type { ResponseHead, HeaderList } from "./http/types.ts";
export type { MptcpState } from "./net/types.ts";
export { parseChecksum, type ChecksumSpec } from "./transfer/checksum.ts";
export { VERSION } from "./version.ts";

/** Downloads one URL with a client of its own (closed afterwards): client and download options in one object. */
export async function download(url: string, options: DownloadOptions & ClientOptions): Promise<DownloadResult> {
  const client = new FetchxClient(options);
  try {
    return await client.download(url, options);
  } finally {
    client.close();
  }
}
