// Version and commit are embedded by build.ts through `define`; from sources they come from package.json.
import pkg from "../package.json" with { type: "json" };

declare const FETCHX_VERSION: string | undefined;
declare const FETCHX_COMMIT: string | undefined;

export const VERSION: string = typeof FETCHX_VERSION === "string" ? FETCHX_VERSION : pkg.version;
export const COMMIT: string = typeof FETCHX_COMMIT === "string" ? FETCHX_COMMIT : "source";
export const USER_AGENT = `fetchx/${VERSION}`;
