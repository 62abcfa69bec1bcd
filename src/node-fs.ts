// node:fs, loaded at its first use rather than linked by every module that names it. Loading it and running
// its functions' JavaScript once cost about 1.1 ms of a small download (a compiled binary, timestamped: the
// output lookups, create, write, fsync and rename through node:fs against the same calls through libc).
// So a lone download's lookups and small-file commit go through libc (net/libc.ts, sink/file.ts), and
// everything else (resumes, journals, big files, FIFOs, -Z's thread pool, config and body files) loads it
// when it gets there. test/unit/startup-imports.test.ts keeps node:fs out of a download's static imports.
let fs: typeof import("node:fs") | undefined;

export const nodeFs = (): typeof import("node:fs") => (fs ??= import.meta.require("node:fs") as typeof import("node:fs"));

// node:path likewise (its import costs about 0.15 ms of CPU, and a plain download does not need it), kept
// once loaded: `import.meta.require` is a call into the module loader every time (a -Z run of 400 files
// spent 3 % of its JavaScript in it, asking for node:path once per URL).
let path: typeof import("node:path") | undefined;

export const nodePath = (): typeof import("node:path") => (path ??= import.meta.require("node:path") as typeof import("node:path"));
