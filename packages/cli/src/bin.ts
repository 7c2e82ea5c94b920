#!/usr/bin/env node
import { main } from "./main.js";

const code = await main(process.argv.slice(2));
// Let stdout drain, then exit even if an adapter left a handle open.
process.stdout.write("", () => process.exit(code));
