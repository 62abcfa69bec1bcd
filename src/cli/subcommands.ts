// `fetchx help [TOPIC]` and `fetchx completions SHELL`: text on stdout, no network stack loaded.
import { usageError } from "../errors.ts";
import { stdout } from "../ui/stdio.ts";
import { completionScript } from "./completions.ts";
import { helpColumns } from "./environment.ts";
import { helpFor, wrapText } from "./help.ts";
import { TOPICS, topicText } from "./topics.ts";

export function helpCommand(argv: string[]): number {
  const [command, arg, ...rest] = argv;
  if (rest.length) throw usageError(`fetchx ${command} takes one argument`);
  if (command === "completions") {
    stdout.write(completionScript(arg));
    return 0;
  }
  // `fetchx help all` and `fetchx help GROUP` are --help's; the topics are wrapped to the terminal too.
  const columns = helpColumns();
  const text = arg === undefined ? wrapText(topicText(undefined)!, columns) : helpFor(arg, columns);
  if (text === undefined) throw usageError(`no help topic "${arg}"; topics: ${Object.keys(TOPICS).join(", ")} (or all, or an option group)`);
  stdout.write(text);
  return 0;
}
