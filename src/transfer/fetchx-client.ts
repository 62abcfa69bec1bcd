// The library's handle on the engine: a client (a connection pool with its options) that runs downloads.
// Downloads run through one client share its keep-alive connections and its --limit-rate bucket.
import { HttpClient } from "./client.ts";
import { runDownload } from "./download.ts";
import { clientSettings, type ClientOptions, type DownloadOptions } from "./options.ts";
import type { DownloadResult } from "./stats.ts";

/**
 * A connection pool with its options, for several downloads (keep-alive reuse, one rate limit):
 * ```ts
 * await using client = new FetchxClient({ mptcp: true });
 * const a = await client.download(urlA, { output: "a.bin" });
 * ```
 */
export class FetchxClient {
  readonly pool: HttpClient;

  constructor(options: ClientOptions = {}) {
    this.pool = new HttpClient(clientSettings(options));
  }

  /** Downloads one URL; resolves with what happened, rejects with a FetchxError carrying `result`. */
  download(url: string, options: DownloadOptions): Promise<DownloadResult> {
    return runDownload(this.pool, url, options);
  }

  close(): void {
    this.pool.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}
