// "host:port" as text, with an IPv6 literal in brackets ("[::1]:443"). One function, so every trace line,
// CONNECT target and connection key writes it the same way.

/** "example.com:80", "192.0.2.1:80", "[2001:db8::1]:443"; a host already in brackets is kept as it is. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
