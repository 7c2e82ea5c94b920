#!/usr/bin/env node
import { main } from "./main.js";

// `latticework show <id> | head`: a closed pipe is not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

const code = await main(process.argv.slice(2));
// Let stdout drain, then exit even if an adapter left a handle open.
process.stdout.write("", () => process.exit(code));
