// AWS Signature Version 4 (curl --aws-sigv4) against published signatures: AWS's own test suite
// (get-vanilla, get-vanilla-query-order-key-case) and curl's test cases 439 (a query to canonicalize),
// 1970 (an S3 upload of 0 bytes) and 1974 (an S3 GET), which curl runs at time 0.
import { describe, expect, test } from "bun:test";
import { parseSigV4, signV4, type SigV4Request } from "../../src/http/sigv4.ts";

const AWS_KEY = "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const sign = (option: string, r: Partial<SigV4Request> & { host: string; target: string }) =>
  signV4(parseSigV4(option, r.host.replace(/:\d+$/, "")), { method: "GET", headers: [], credentials: "xxx", now: 0, ...r });
const signature = (headers: [string, string][]) => /Signature=([0-9a-f]{64})$/.exec(headers[0]![1])![1];

describe("AWS Signature Version 4", () => {
  test("AWS's test suite: get-vanilla and get-vanilla-query-order-key-case (the request's own X-Amz-Date)", () => {
    const date: [string, string] = ["X-Amz-Date", "20150830T123600Z"];
    const vanilla = sign("aws:amz:us-east-1:service", { host: "example.amazonaws.com", target: "/", headers: [date], credentials: AWS_KEY });
    expect(vanilla).toEqual([
      ["Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"],
    ]);
    const ordered = sign("aws:amz:us-east-1:service", { host: "example.amazonaws.com", target: "/?Param2=value2&Param1=value1", headers: [date], credentials: AWS_KEY });
    expect(signature(ordered)).toBe("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  });

  test("curl's test 439: the query decoded, encoded again and sorted; empty pieces dropped", () => {
    const h = sign("aws:amz:us-east-2:es", { host: "fake.fake.fake:8000", target: "/439/?name=me&noval&aim=b%aad&&&weirdo=*.//-", credentials: "user:secret" });
    expect(h).toEqual([
      ["Authorization", "AWS4-HMAC-SHA256 Credential=user/19700101/us-east-2/es/aws4_request, SignedHeaders=host;x-amz-date, Signature=9dd8592929306832a6673d10063491391e486e5f50de4647ea7c2c797277e0a6"],
      ["X-Amz-Date", "19700101T000000Z"],
    ]);
  });

  test("curl's tests 1974 and 1970: S3 sends and signs x-amz-content-sha256 (a GET's empty payload, an upload of 0 bytes)", () => {
    const empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    const get = sign("aws:amz:us-east-1:s3", { host: "exam.ple.com:9000", target: "/aws_sigv4/testapi/test" });
    expect(get).toEqual([
      ["Authorization", "AWS4-HMAC-SHA256 Credential=xxx/19700101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=e6270423932feafe9b00ca5d60c9ed566be649f9ca9676144288273945153021"],
      ["X-Amz-Date", "19700101T000000Z"],
      ["x-amz-content-sha256", empty],
    ]);
    const put = sign("aws:amz:us-east-1:s3", { host: "exam.ple.com:9000", target: "/aws_sigv4/testapi/test", method: "PUT", headers: [["Content-Type", "application/json"]], body: new Uint8Array(0) });
    expect(signature(put)).toBe("a028756f42a859122e9609c1f90cae4b272d6b03bf60d9fd354138176dfa2260");
    // A body streamed from a file is not hashed beforehand: S3's UNSIGNED-PAYLOAD, as curl's test 1972.
    expect(sign("aws:amz:us-east-1:s3", { host: "h", target: "/k", method: "PUT", body: "stream" }).at(-1)).toEqual(["x-amz-content-sha256", "UNSIGNED-PAYLOAD"]);
  });

  test("each request signs at its own time; the caller's headers are signed, a removal ('Name:' empty) is not", () => {
    const a = sign("aws:amz:r:svc", { host: "h", target: "/", now: 1_700_000_000 });
    const b = sign("aws:amz:r:svc", { host: "h", target: "/", now: 1_700_000_001 });
    expect(a[1]).toEqual(["X-Amz-Date", "20231114T221320Z"]);
    expect(signature(a)).not.toBe(signature(b));
    const h = sign("aws:amz:r:svc", { host: "h", target: "/", headers: [["X-Foo", "  a   b "], ["x-foo", "c"], ["Accept", ""]] });
    expect(h[0]![1]).toContain("SignedHeaders=host;x-amz-date;x-foo,");
  });

  test("the provider, region and service: given, or the service and region from the host name", () => {
    expect(parseSigV4("aws:amz:eu-west-1:s3", "any")).toEqual({ provider0: "aws", provider1: "amz", region: "eu-west-1", service: "s3" });
    expect(parseSigV4("aws", "s3.eu-central-1.amazonaws.com")).toEqual({ provider0: "aws", provider1: "aws", region: "eu-central-1", service: "s3" });
    expect(parseSigV4("osc:osc:eu-west-2", "api.eu-west-2.outscale.com")).toEqual({ provider0: "osc", provider1: "osc", region: "eu-west-2", service: "api" });
    expect(() => parseSigV4("aws:amz", "localhost")).toThrow("no service");
    expect(() => parseSigV4(":amz", "a.b.c")).toThrow("cannot be empty");
    const osc = sign("osc:osc:eu-west-2:api", { host: "h", target: "/k%20x" });
    expect(osc.map(([k]) => k)).toEqual(["Authorization", "X-Osc-Date"]);
    expect(osc[0]![1]).toStartWith("OSC4-HMAC-SHA256 Credential=xxx/19700101/eu-west-2/api/osc4_request,");
  });
});
