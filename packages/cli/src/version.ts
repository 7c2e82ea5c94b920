import { readFileSync } from "node:fs";

/** Version of this package (read from its package.json, beside dist/ and src/). */
export const CLI_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();
