// The one typed options object the CLI produces (curl's OperationConfig). Everything below src/cli reads
// this, never argv.

export type ProgressMode = "bar" | "plain" | "none";

export interface Options {
  urls: string[];

  // connection
  mptcp: boolean;
  family?: 4 | 6;
  connectTimeoutMs: number;
  insecure: boolean;
  cacert?: string;
  resolve: Map<string, string[]>;
  connectTo: { from: string; to: string }[];
  interface?: string;
  localAddress?: string;
  proxy?: string;
  noproxy?: string;
  proxytunnel: boolean;

  // request
  method?: string;
  headers: [string, string][];
  userAgent: string;
  referer?: string;
  user?: string;
  compressed: boolean;
  head: boolean;
  followRedirects: boolean;
  maxRedirs: number;

  // output
  output?: string;
  remoteName: boolean;
  remoteHeaderName: boolean;
  outputDir?: string;
  createDirs: boolean;
  includeHeaders: boolean;

  // behaviour
  fail: boolean;
  maxTimeMs: number;
  silent: boolean;
  showError: boolean;
  verbose: boolean;
  writeOut?: string;
  progress: ProgressMode;
}

