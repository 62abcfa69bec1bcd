// The layers of a small download, each compiled as fetchx is (build.ts's compileConfig), for
// bench/small-files.ts --layers: how much of 400 x 32 KiB each layer of fetchx costs on its own.
//   exchange: fetchx's connection pool, request and response parser (HttpClient.request), 8 lanes, each
//             body read and dropped: no download machinery, no file.
//   engine:   the library's FetchxClient.download(url, { output: "/dev/null" }), 8 lanes: retries,
//             redirects, validators, the transfer's workers; no CLI and no file.
//   files:    the exchange, each body held by fetchx's FileSink and committed as -O commits small files
//             (NAME.part written, one syncfs per batch, renamed): the file layer without the engine.
//   warm:     the exchange, its URLs in batches of 400 one after another in one process: each batch's CPU
//             (bench/warm.ts): the first batch runs cold code, the later ones the same code once it ran.
// The CLI's own rows (-o /dev/null for each URL, and -O) and the floor (bench/floor.ts) make up the rest.
// Usage of a built probe: `PROBE URL...`.
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compileConfig, hostTarget } from "../build.ts";

const SRC = resolve(import.meta.dir, "../src");

const EXCHANGE_IMPORTS = `import { HttpClient } from "${SRC}/transfer/client.ts";
import { clientSettings } from "${SRC}/transfer/options.ts";
import { parseUrl } from "${SRC}/http/url.ts";
`;

// One request through fetchx's pool and parser, its body read and dropped (the exchange and warm probes).
const EXCHANGE_GET = `const client = new HttpClient(clientSettings({}));
const get = async (s) => {
  const u = parseUrl(s);
  const ex = await client.request(u, { method: "GET", target: u.target, host: u.url.host, headers: [["User-Agent", "probe"], ["Accept", "*/*"]] });
  await ex.body(() => {});
  ex.release();
};
`;

const LANES = `
const urls = process.argv.slice(2);
let next = 0;
async function lane(get) {
  while (next < urls.length) await get(urls[next++]);
}
`;

const EXCHANGE = `${EXCHANGE_IMPORTS}${LANES}${EXCHANGE_GET}await Promise.all(Array.from({ length: Math.min(8, urls.length) }, () => lane(get)));
client.close();
process.exit(0);
`;

const FILES = `import { HttpClient } from "${SRC}/transfer/client.ts";
import { clientSettings } from "${SRC}/transfer/options.ts";
import { parseUrl } from "${SRC}/http/url.ts";
import { FileSink } from "${SRC}/sink/file.ts";
${LANES}
const client = new HttpClient(clientSettings({}));
const commits = [];
const get = async (s) => {
  const u = parseUrl(s);
  const ex = await client.request(u, { method: "GET", target: u.target, host: u.url.host, headers: [["User-Agent", "probe"], ["Accept", "*/*"]] });
  const sink = await FileSink.open(s.slice(s.lastIndexOf("/") + 1), { createDirs: false, holdBytes: 64 * 1024, batchSync: true, alone: () => false, stat: null });
  await ex.body((b) => sink.write(b));
  ex.release();
  commits.push(sink.commit());
};
await Promise.all(Array.from({ length: Math.min(8, urls.length) }, () => lane(get)));
await Promise.all(commits);
client.close();
process.exit(0);
`;

// The exchange again, its URLs in batches of 400 one after another in one process, each batch's CPU time
// printed ("user system" in ms, a line each): what the same code costs the first time and once it ran.
const WARM = `${EXCHANGE_IMPORTS}const all = process.argv.slice(2);
${EXCHANGE_GET}const lines = [];
for (let at = 0; at < all.length; at += 400) {
  const urls = all.slice(at, at + 400);
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(Array.from({ length: 8 }, async () => { while (next < urls.length) await get(urls[next++]); }));
  const used = process.cpuUsage(before);
  lines.push(\`\${used.user / 1000} \${used.system / 1000}\`);
}
console.log(lines.join("\\n"));
client.close();
process.exit(0);
`;

const ENGINE = `import { FetchxClient } from "${SRC}/transfer/fetchx-client.ts";
${LANES}
const client = new FetchxClient({});
const get = (u) => client.download(u, { output: "/dev/null", ownsEventLoop: true });
await Promise.all(Array.from({ length: Math.min(8, urls.length) }, () => lane(get)));
client.close();
process.exit(0);
`;

/** Compiles the probes into `dir`; returns their paths. */
export async function buildLayerProbes(dir: string): Promise<{ exchange: string; files: string; engine: string; warm: string }> {
  const out: Record<string, string> = {};
  for (const [name, source] of [["exchange", EXCHANGE], ["files", FILES], ["engine", ENGINE], ["warm", WARM]] as const) {
    const src = join(dir, `${name}-probe.ts`);
    writeFileSync(src, source);
    const exe = join(dir, `${name}-probe`);
    const built = await Bun.build(compileConfig(src, hostTarget().bun, exe));
    if (!built.success) throw new Error(built.logs.map(String).join("\n"));
    out[name] = exe;
  }
  return { exchange: out.exchange!, files: out.files!, engine: out.engine!, warm: out.warm! };
}
