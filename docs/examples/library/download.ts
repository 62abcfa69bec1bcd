// fetchx as a library: run with `bun download.ts URL FILE` after `bun install` (or `bun add /path/to/fetchx`).
// 1. downloads URL into FILE over Multipath TCP with 4 connections, printing progress and retries;
// 2. streams the same URL into a WritableStream that hashes it (no file), through a client kept open,
//    with an AbortSignal that would stop it after 60 s;
// 3. prints one JSON line with what happened.
import { download, FetchxClient, FetchxError } from "fetchx";

const [url, file] = Bun.argv.slice(2);
if (!url || !file) {
  console.error("usage: bun download.ts URL FILE");
  process.exit(2);
}

try {
  const r = await download(url, {
    output: file,
    mptcp: true,
    connections: 4,
    onProgress: (p) => console.error(`${p.done}/${p.total ?? "?"} bytes, ${p.connections} connections, MPTCP ${p.mptcp}`),
    onRetry: ({ error, delayMs }) => console.error(`retrying in ${delayMs} ms: ${error.message}`),
  });

  await using client = new FetchxClient({ mptcp: true });
  const hasher = new Bun.CryptoHasher("sha256");
  const sink = new WritableStream<Uint8Array>({ write: (chunk) => void hasher.update(chunk) });
  const streamed = await client.download(url, { output: sink, signal: AbortSignal.timeout(60_000) });

  console.log(
    JSON.stringify({
      file: r.filenameEffective,
      httpCode: r.httpCode,
      sizeDownload: r.sizeDownload,
      mptcp: r.mptcp,
      connections: r.connections.length,
      streamedBytes: streamed.sizeDownload,
      streamedSha256: hasher.digest("hex"),
    }),
  );
} catch (err) {
  if (!(err instanceof FetchxError)) throw err;
  console.error(`fetchx: (${err.exitCode}) ${err.message}`);
  process.exit(err.exitCode);
}
