// ~/.netrc (curl -n, --netrc-file, --netrc-optional): "machine HOST login USER password PASS" entries,
// "default" for any other host, "macdef" bodies skipped; tokens may be "quoted".
export interface NetrcEntry {
  login?: string;
  password?: string;
}

function tokens(text: string): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const re = /"((?:\\.|[^"])*)"|(\S+)/g;
    for (let m = re.exec(lines[i]!); m; m = re.exec(lines[i]!)) {
      const t = m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]!;
      if (m[2]?.startsWith("#")) break; // a comment to the end of the line
      if (t === "macdef") {
        // The macro's name and body are not credentials.
        while (i + 1 < lines.length && lines[i + 1]!.trim() !== "") i++; // the macro body ends at a blank line
        break;
      }
      out.push(t);
    }
  }
  return out;
}

/** The credentials for `host` (its machine entry, else default), or null. */
export function netrcLookup(text: string, host: string): NetrcEntry | null {
  const t = tokens(text);
  let current: NetrcEntry | null = null;
  let found: NetrcEntry | null = null;
  let fallback: NetrcEntry | null = null;
  for (let i = 0; i < t.length; i++) {
    const w = t[i]!;
    if (w === "machine" || w === "default") {
      if (found) break;
      current = {};
      if (w === "default") fallback ??= current;
      else if (t[++i]?.toLowerCase() === host.toLowerCase()) found = current;
    } else if (w === "login" && current) current.login = t[++i];
    else if (w === "password" && current) current.password = t[++i];
    else if (w === "account") i++;
  }
  return found ?? fallback;
}
