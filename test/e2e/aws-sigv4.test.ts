// --aws-sigv4 end to end against a server that checks every request's signature as S3 does: the
// Authorization recomputed from the headers it names and the secret, X-Amz-Date within 15 minutes of now,
// x-amz-content-sha256 equal to the body's hash (or UNSIGNED-PAYLOAD). A 403 otherwise. The signing itself
// is checked against published signatures in test/unit/http-sigv4.test.ts; here: that every request of a
// download is signed (each range of --connections, with its own time), uploads and POST bodies, a wrong
// secret, and no credentials for another origin after a redirect.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes, runCli, sha256, tempDir } from "../servers/harness.ts";
import { startServer, type RecordedRequest, type TestServer } from "../servers/http.ts";
import { parseSigV4, signV4 } from "../../src/http/sigv4.ts";

const KEY = "AKIDEXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const big = randomBytes(8 << 20, 71);
const tmp = tempDir("fetchx-sigv4-");
let s3: TestServer;
let other: TestServer;
const verdicts: { path: string; range?: string; ok: boolean; why?: string }[] = [];

const hex256 = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

/** S3's check of one request: "" when it holds, else why not. */
function check(req: RecordedRequest): string {
  const auth = req.headers["authorization"] ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(auth);
  if (!m) return `no SigV4 Authorization: ${JSON.stringify(auth)}`;
  const [, key, , region, service, signedNames] = m;
  if (key !== KEY) return "unknown key";
  const date = req.headers["x-amz-date"] ?? "";
  const when = Date.parse(date.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, "$1-$2-$3T$4:$5:$6Z"));
  if (!(Math.abs(Date.now() - when) < 15 * 60_000)) return `X-Amz-Date ${date} is not now`;
  const claimed = req.headers["x-amz-content-sha256"];
  if (claimed !== "UNSIGNED-PAYLOAD" && claimed !== hex256(req.body)) return "x-amz-content-sha256 is not the body's";
  const names = signedNames!.split(";").filter((n) => n !== "host");
  const expected = signV4(parseSigV4(`aws:amz:${region}:${service}`, "unused"), {
    method: req.method,
    target: req.path,
    host: req.headers["host"]!,
    headers: names.map((n) => [n, req.headers[n] ?? ""]),
    credentials: `${KEY}:${SECRET}`,
    now: 0,
  })[0]![1];
  return expected === auth ? "" : "SignatureDoesNotMatch";
}

const guarded = (body: Uint8Array | ((req: RecordedRequest) => Uint8Array)) => ({ req }: { req: RecordedRequest }) => {
  const why = check(req);
  verdicts.push({ path: req.path, range: req.headers["range"], ok: why === "", why });
  return why ? { status: 403, body: `${why}\n` } : { body: typeof body === "function" ? body(req) : body };
};

beforeAll(async () => {
  other = await startServer({ routes: { "/elsewhere": ({ req }) => ({ body: `${req.headers["authorization"] ?? "none"}|${req.headers["x-amz-date"] ?? "none"}\n` }) } });
  s3 = await startServer({
    routes: {
      "/bucket/big.bin": guarded(big),
      "/bucket/upload": guarded((req) => new TextEncoder().encode(`${req.method} ${req.body.byteLength} ${hex256(req.body)}\n`)),
      "/bucket/moved": { redirect: { to: other.url("/elsewhere") } },
    },
  });
});
afterAll(() => {
  s3?.stop();
  other?.stop();
  tmp.cleanup();
});

const sig = ["--aws-sigv4", "aws:amz:us-east-1:s3", "-u", `${KEY}:${SECRET}`];

describe("--aws-sigv4 against a server that checks signatures", () => {
  test("8 MiB over --connections 4: every range request signed at its own time, the bytes exact", async () => {
    verdicts.length = 0;
    const out = tmp.file("big.bin");
    const r = await runCli([...sig, "-fsS", "--connections", "4", "-o", out, s3.url("/bucket/big.bin")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(await sha256(await Bun.file(out).bytes())).toBe(await sha256(big));
    expect(verdicts.filter((v) => v.range).length).toBeGreaterThanOrEqual(3);
    expect(verdicts.filter((v) => !v.ok)).toEqual([]);
  });

  test("a wrong secret: the server's 403, exit 22 with -f", async () => {
    const r = await runCli(["--aws-sigv4", "aws:amz:us-east-1:s3", "-u", `${KEY}:wrong`, "-fsS", "-o", tmp.file("no.bin"), s3.url("/bucket/big.bin")]);
    expect(r.code).toBe(22);
    expect(verdicts.at(-1)).toMatchObject({ ok: false, why: "SignatureDoesNotMatch" });
  });

  test("an upload streamed from a file is UNSIGNED-PAYLOAD; a POST body is hashed", async () => {
    const file = tmp.file("up.bin");
    await Bun.write(file, randomBytes(300_000, 5));
    const put = await runCli([...sig, "-fsS", "-T", file, s3.url("/bucket/upload")]);
    expect(put.code).toBe(0);
    expect(s3.requests.at(-1)!.headers["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
    expect(new TextDecoder().decode(put.stdout)).toBe(`PUT 300000 ${hex256(randomBytes(300_000, 5))}\n`);
    const post = await runCli([...sig, "-fsS", "-d", "a=1&b=2", s3.url("/bucket/upload")]);
    expect(post.code).toBe(0);
    expect(new TextDecoder().decode(post.stdout)).toBe(`POST 7 ${hex256(new TextEncoder().encode("a=1&b=2"))}\n`);
    expect(verdicts.slice(-2).map((v) => v.ok)).toEqual([true, true]);
  });

  test("a redirect to another origin: nothing signed goes there", async () => {
    const r = await runCli([...sig, "-fsSL", s3.url("/bucket/moved")]);
    expect(r.code).toBe(0);
    expect(new TextDecoder().decode(r.stdout)).toBe("none|none\n");
  });

  test("--aws-sigv4 with --path-as-is is refused (the signature covers the resolved path), as curl refuses it", async () => {
    const r = await runCli([...sig, "--path-as-is", "-sS", s3.url("/bucket/big.bin")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--path-as-is");
  });
});
