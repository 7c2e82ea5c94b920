import { describe, expect, it } from "vitest";
import { workerNodeArgsFor } from "../src/sbatch-script.js";

const TSX = ["--import", "file:///opt/app/node_modules/tsx/dist/loader.mjs"];

describe("per-job worker node arguments", () => {
  it("keeps the tsx loader for TypeScript job modules (and unknown modules)", () => {
    expect(workerNodeArgsFor("/home/u/jobs/relax.ts", TSX)).toEqual(TSX);
    expect(workerNodeArgsFor("/home/u/jobs/relax.mts", TSX)).toEqual(TSX);
    expect(workerNodeArgsFor(undefined, TSX)).toEqual(TSX);
  });

  it("leaves tsx out for plain JavaScript job modules, keeping other arguments", () => {
    expect(workerNodeArgsFor("/home/u/dist/relax.js", [...TSX, "--max-old-space-size=4096"])).toEqual(["--max-old-space-size=4096"]);
    expect(workerNodeArgsFor("/home/u/dist/relax.mjs", ["--import=tsx/esm", "--enable-source-maps"])).toEqual(["--enable-source-maps"]);
    expect(workerNodeArgsFor("/home/u/dist/relax.cjs", ["--loader", "tsx"])).toEqual([]);
  });

  it("never touches node arguments the user configured", () => {
    expect(workerNodeArgsFor("/home/u/dist/relax.js", TSX, TSX)).toEqual(TSX);
  });
});
