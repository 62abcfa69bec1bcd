// curl's --trace FILE and --trace-ascii FILE: every byte sent and received, and the -v lines, in curl's
// format ("== Info:", "=> Send header, N bytes (0xN)", then the bytes: 16 a line in hex and text, or 64 a
// line as text with CRLF ending a line), so a trace reads as curl's does. "-" is standard output, "%"
// standard error. --trace-time puts the wall-clock time (HH:MM:SS.uuuuuu) before each entry, as it does
// before -v's lines. The body's bytes come as the engine has them (chunked framing taken off).
import { nodeFs } from "../node-fs.ts";
import type { WireKind } from "../transfer/options.ts";

const LABEL: Record<WireKind, string> = {
  "send-header": "=> Send header",
  "send-data": "=> Send data",
  "recv-header": "<= Recv header",
  "recv-data": "<= Recv data",
};

/** curl's timestamp: local wall-clock time with microseconds, and a space. */
export function traceTime(now = performance.timeOrigin + performance.now()): string {
  const d = new Date(now);
  const two = (n: number) => String(n).padStart(2, "0");
  const micros = Math.floor((now % 1000) * 1000);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(micros).padStart(6, "0")} `;
}

/** The dump of `bytes` as curl's --trace (hex) or --trace-ascii writes it, without its heading line. */
export function dumpBytes(bytes: Uint8Array, ascii: boolean): string {
  const width = ascii ? 0x40 : 0x10;
  const printable = (b: number) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".");
  let out = "";
  for (let i = 0; i < bytes.length; i += width) {
    out += `${i.toString(16).padStart(4, "0")}: `;
    if (!ascii) for (let c = 0; c < width; c++) out += i + c < bytes.length ? `${bytes[i + c]!.toString(16).padStart(2, "0")} ` : "   ";
    for (let c = 0; c < width && i + c < bytes.length; c++) {
      // --trace-ascii: CRLF ends the output line, and the next starts after it.
      if (ascii && i + c + 1 < bytes.length && bytes[i + c] === 0x0d && bytes[i + c + 1] === 0x0a) {
        i += c + 2 - width;
        break;
      }
      out += printable(bytes[i + c]!);
      if (ascii && i + c + 2 < bytes.length && bytes[i + c + 1] === 0x0d && bytes[i + c + 2] === 0x0a) {
        i += c + 3 - width;
        break;
      }
    }
    out += "\n";
  }
  return out;
}

export interface TraceWriter {
  info(line: string): void;
  wire(kind: WireKind, bytes: Uint8Array): void;
}

/**
 * Opens the trace's destination (truncating a file) and writes each entry as it comes, synchronously. A
 * file that cannot be opened is said in `warn`, and the trace goes to standard error, as curl does.
 */
export function openTrace(path: string, ascii: boolean, withTime: boolean, warn: (message: string) => void): TraceWriter {
  let fd = path === "-" ? 1 : 2;
  if (path !== "-" && path !== "%") {
    try {
      fd = nodeFs().openSync(path, "w");
    } catch (err) {
      warn(`cannot open the trace file ${path} (${(err as { code?: string }).code ?? err}): the trace goes to standard error`);
    }
  }
  const write = (text: string) => void nodeFs().writeSync(fd, text);
  const stamp = () => (withTime ? traceTime() : "");
  return {
    info: (line) => write(`${stamp()}== Info: ${line}\n`),
    wire: (kind, bytes) => write(`${stamp()}${LABEL[kind]}, ${bytes.byteLength} bytes (0x${bytes.byteLength.toString(16)})\n${dumpBytes(bytes, ascii)}`),
  };
}
