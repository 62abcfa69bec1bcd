// Proxy choice (curl's rules), no_proxy matching, proxy URL parsing, --connect-to rules and URL lists:
// the pure parts behind the proxy, connect-to and many-URL end-to-end tests.
import { describe, expect, test } from "bun:test";
import { UrlList, urlBounds } from "../../src/cli/urls.ts";
import { connectTarget, parseConnectTo } from "../../src/net/connect-to.ts";
import { AF_INET6, inetPton } from "../../src/net/libc.ts";
import { bypassesProxy, forwardSpec, parseProxy, proxyEnvFrom, routeFor, routeKey } from "../../src/net/proxy.ts";
import { Challenges } from "../../src/http/digest.ts";

const https = { host: "example.com", secure: true };
const http = { host: "example.com", secure: false };

describe("which proxy", () => {
  test("environment: scheme-specific first, then all_proxy; lower case wins; HTTP_PROXY is never read (curl 7.88)", () => {
    expect(proxyEnvFrom({ http_proxy: "a", HTTP_PROXY: "b" }).http).toBe("a");
    expect(proxyEnvFrom({ HTTP_PROXY: "b" }).http).toBeUndefined();
    expect(proxyEnvFrom({ HTTP_PROXY: "b", REQUEST_METHOD: "GET" }).http).toBeUndefined();
    expect(proxyEnvFrom({ http_proxy: "a", REQUEST_METHOD: "GET" }).http).toBe("a");
    expect(proxyEnvFrom({ https_proxy: "s", HTTPS_PROXY: "S", ALL_PROXY: "A", NO_PROXY: "n" })).toEqual({ http: undefined, https: "s", all: "A", no: "n" });
    const env = proxyEnvFrom({ http_proxy: "h:1", all_proxy: "all:2" });
    expect(routeFor(http, { proxytunnel: false, env })!.proxy).toEqual({ kind: "http", host: "h", port: 1 });
    expect(routeFor(https, { proxytunnel: false, env })!.proxy).toEqual({ kind: "http", host: "all", port: 2 });
  });

  test("-x wins over the environment; -x '' turns proxies off; --noproxy wins over no_proxy", () => {
    const env = proxyEnvFrom({ http_proxy: "envproxy:1", no_proxy: "example.com" });
    expect(routeFor(http, { proxy: "cli:9", proxytunnel: false, env })).toBeNull(); // no_proxy still applies
    expect(routeFor(http, { proxy: "cli:9", noproxy: "other.org", proxytunnel: false, env })!.proxy.host).toBe("cli");
    expect(routeFor(http, { proxy: "", proxytunnel: false, env: proxyEnvFrom({ http_proxy: "p:1" }) })).toBeNull();
  });

  test("mode: forward for http, tunnel for https and with -p; a SOCKS proxy always tunnels", () => {
    const s = { proxy: "p:3128", proxytunnel: false, env: {} };
    expect(routeFor(http, s)!.mode).toBe("forward");
    expect(routeFor(https, s)!.mode).toBe("tunnel");
    expect(routeFor(http, { ...s, proxytunnel: true })!.mode).toBe("tunnel");
    expect(routeFor(http, { ...s, proxy: "socks5h://p:1080" })!.mode).toBe("tunnel");
  });

  test("proxy URLs: default port 1080, explicit :80, credentials decoded and winning over --proxy-user; http and SOCKS", () => {
    expect(parseProxy("proxy.lan")).toEqual({ kind: "http", host: "proxy.lan", port: 1080 });
    expect(parseProxy("http://proxy.lan:80")).toEqual({ kind: "http", host: "proxy.lan", port: 80 });
    expect(parseProxy("http://u%40x:p%3Aw@[::1]:3128/")).toEqual({ kind: "http", host: "::1", port: 3128, auth: "u@x:p:w" });
    expect(parseProxy("http://u:p@h:1", "other:pw").auth).toBe("u:p");
    expect(parseProxy("http://h:1", "other:pw").auth).toBe("other:pw");
    expect([parseProxy("http://u@h:1", "o:pw").auth, parseProxy("http://h:1", "o").auth]).toEqual(["u:", "o:"]);
    for (const kind of ["socks4", "socks4a", "socks5", "socks5h"] as const) expect(parseProxy(`${kind}://h`)).toEqual({ kind, host: "h", port: 1080 });
    expect(parseProxy("SOCKS5H://u:p@h:9050")).toEqual({ kind: "socks5h", host: "h", port: 9050, auth: "u:p" });
    expect(() => parseProxy("https://h:443")).toThrow(/not supported/);
    expect(() => parseProxy("socks6://h")).toThrow(/not supported/);
  });

  test("SOCKS5 IPv6 addresses as 16 bytes: compressed, full, with an IPv4 tail", () => {
    const hex = (t: string) => Buffer.from(inetPton(AF_INET6, t)!).toString("hex");
    expect(hex("::1")).toBe("00000000000000000000000000000001");
    expect(hex("2001:db8::8:1")).toBe("20010db8000000000000000000080001");
    expect(hex("2001:db8:1:2:3:4:5:6")).toBe("20010db8000100020003000400050006");
    expect(hex("fe80::")).toBe("fe800000000000000000000000000000");
    expect(hex("::ffff:192.0.2.1")).toBe("00000000000000000000ffffc0000201");
  });

  test("no_proxy: *, names and subdomains, leading dots, IPs, CIDRs, IPv6", () => {
    expect(bypassesProxy("anything", "*")).toBe(true);
    expect(bypassesProxy("example.com", "example.com")).toBe(true);
    expect(bypassesProxy("www.example.com", "example.com")).toBe(true);
    expect(bypassesProxy("www.example.com", ".example.com")).toBe(true);
    expect(bypassesProxy("badexample.com", "example.com")).toBe(false);
    expect(bypassesProxy("Example.COM.", "example.com")).toBe(true);
    expect(bypassesProxy("10.1.2.3", "10.0.0.0/8")).toBe(true);
    expect(bypassesProxy("11.1.2.3", "10.0.0.0/8")).toBe(false);
    expect(bypassesProxy("192.0.2.7", "192.0.2.7")).toBe(true);
    expect(bypassesProxy("2001:db8::5", "2001:db8::5")).toBe(true);
    expect(bypassesProxy("example.com", "a.org, example.com:443")).toBe(false); // a port: matches nothing, as curl
    expect(bypassesProxy("example.com", undefined)).toBe(false);
    // IPv4 addresses compare as numbers. An IPv6 host compares as a name, as curl 7.88 compares it (fetchx
    // compared numbers): "::1" and ".::1" match it, "[::1]", "0:0::1", ranges and IPv4 rules do not.
    expect([bypassesProxy("::1", "::1"), bypassesProxy("[::1]", ".::1"), bypassesProxy("::1", "foo ::1.")]).toEqual([true, true, true]);
    expect([bypassesProxy("::1", "[::1]"), bypassesProxy("::1", "0:0::1"), bypassesProxy("[::1]", "::1/128")]).toEqual([false, false, false]);
    expect([bypassesProxy("2001:db8::5", "2001:db8::/32"), bypassesProxy("::ffff:10.0.0.1", "::ffff:10.0.0.0/120"), bypassesProxy("::ffff:10.1.2.3", "10.0.0.0/8")]).toEqual([false, false, false]);
    expect(bypassesProxy("10.1.2.3", "2001:db8::/32")).toBe(false);
    expect(bypassesProxy("2001:db8::1", "10.0.0.0/8")).toBe(false);
    expect(bypassesProxy("192.0.2.7", "192.0.2.7:8080")).toBe(false);
    expect([bypassesProxy("anything", "foo,*"), bypassesProxy("anything", " *")]).toEqual([false, false]); // "*" alone only
    expect([bypassesProxy("10.1.2.3", "10.0.0.0/0"), bypassesProxy("10.1.2.3", "10.1.2.3/x"), bypassesProxy("10.1.2.3", "10.0.0.0/8x")]).toEqual([false, true, true]); // atoi; 0 is the address alone
    expect(bypassesProxy("192.0.2.7", "192.0.2.0/33, 192.0.2.0/x")).toBe(false);
    expect(bypassesProxy("10.example.com", "10.0.0.0/8")).toBe(false);
    expect(bypassesProxy("192.0.2.7", "example.com, .0.2.7")).toBe(false);
    expect(bypassesProxy("example.com", "")).toBe(false);
  });

  test("forwarding: absolute-form target with the query, no fragment; proxy credentials added once", () => {
    const route = { proxy: { kind: "http" as const, host: "p", port: 1, auth: "u:pw" }, mode: "forward" as const };
    const spec = forwardSpec({ method: "GET", target: "/a/b?c=1", host: "h:8080", headers: [["Accept", "*/*"]] as [string, string][] }, new URL("http://h:8080/a/b?c=1#frag"), route, new Challenges("basic"));
    expect(spec.target).toBe("http://h:8080/a/b?c=1");
    expect(spec.headers).toContainEqual(["Proxy-Authorization", `Basic ${btoa("u:pw")}`]);
    expect(routeKey(route, "http://a:80")).toBe(routeKey(route, "http://b:80")); // one proxy connection serves all
    expect(routeKey({ ...route, mode: "tunnel" }, "https://a:443")).not.toBe(routeKey({ ...route, mode: "tunnel" }, "https://b:443"));
  });
});

describe("--connect-to", () => {
  test("curl's forms: empty parts match any / keep; first match wins; IPv6 in brackets", () => {
    const rules = parseConnectTo(["example.com:443:127.0.0.1:8443", "::other:", ":80::8080", "[2001:db8::1]:443:[::1]:"]);
    expect(connectTarget("example.com", 443, rules)).toEqual({ host: "127.0.0.1", port: 8443 });
    expect(connectTarget("EXAMPLE.com", 443, rules)).toEqual({ host: "127.0.0.1", port: 8443 });
    expect(connectTarget("a.org", 80, rules)).toEqual({ host: "other", port: 80 });
    expect(connectTarget("2001:db8::1", 443, parseConnectTo(["[2001:db8::1]:443:[::1]:"]))).toEqual({ host: "::1", port: 443 });
    expect(connectTarget("a.org", 80, parseConnectTo([":80::8080"]))).toEqual({ host: "a.org", port: 8080 });
    expect(connectTarget("a.org", 81, parseConnectTo([":80::8080"]))).toEqual({ host: "a.org", port: 81 });
    for (const bad of ["a:b:c:d", "a:1:b", "a:99999:b:1", ""]) expect(() => parseConnectTo([bad])).toThrow(/--connect-to/);
  });
});

test("URL lists: one a line, comments and blank lines skipped, CRLF tolerated", () => {
  const parseUrlList = (text: string) => {
    const list = new UrlList([], text, urlBounds(text));
    return Array.from({ length: list.length }, (_, i) => list.at(i));
  };
  expect(parseUrlList("# list\r\nhttp://a/1\r\n\n   \n  http://b/2  \n#http://c/3\n")).toEqual(["http://a/1", "http://b/2"]);
  // The last line needs no newline; a lone CR is no line end (as before the list was kept as offsets).
  expect(parseUrlList("\t http://a/1\t\nhttp://b/2\rx\n  # not a URL\nhttp://c/3")).toEqual(["http://a/1", "http://b/2\rx", "http://c/3"]);
  expect(parseUrlList("")).toEqual([]);
  expect(parseUrlList("\n\n#\n")).toEqual([]);
});

test("a run's URL list: arguments first, then the file's, each made when asked; --proto-default where no scheme is named", () => {
  const text = "# list\n a.org/1 \nhttps://b.org/2\n";
  const list = new UrlList(["http://x/0"], text, urlBounds(text), "ftp");
  expect(list.length).toBe(3);
  expect([0, 1, 2].map((i) => list.at(i))).toEqual(["http://x/0", "ftp://a.org/1", "https://b.org/2"]);
  expect(new UrlList(["a.org"]).at(0)).toBe("a.org");
  // Past the first 128 URLs the offsets' array is widened as the list is read.
  const many = Array.from({ length: 1000 }, (_, i) => `http://h/${i}`);
  const long = new UrlList([], many.join("\r\n"), urlBounds(many.join("\r\n")));
  expect(long.length).toBe(1000);
  expect(Array.from({ length: 1000 }, (_, i) => long.at(i))).toEqual(many);
});
