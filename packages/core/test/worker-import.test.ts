// How the worker finds a job module given as a package specifier, from the user's project.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importModule, moduleUrl, resolvePackageFrom } from "../src/worker/import-module.js";
import { collectJobs } from "../src/worker/resolve-job.js";

const project = mkdtempSync(join(tmpdir(), "lw-import-"));
const pkg = join(project, "node_modules", "@chem", "jobs");
beforeAll(() => {
  mkdirSync(join(pkg, "dist", "emt"), { recursive: true });
  symlinkSync(dirname(fileURLToPath(import.meta.resolve("zod/package.json"))), join(project, "node_modules", "zod"));
  writeFileSync(
    join(pkg, "package.json"),
    JSON.stringify({ name: "@chem/jobs", type: "module", exports: { ".": { types: "./dist/index.d.ts", import: "./dist/index.js" }, "./emt/*": { import: "./dist/emt/*.js" } } }),
  );
  const job = (name: string) => `{ kind: "job", name: ${JSON.stringify(name)}, input: z.object({}), output: z.object({}), run: () => ({}) }`;
  writeFileSync(join(pkg, "dist", "index.js"), `import { z } from "zod";\nexport const emt = { static: ${job("chem.emt.static")}, relax: ${job("chem.emt.relax")} };\n`);
  writeFileSync(join(pkg, "dist", "emt", "slab.js"), `import { z } from "zod";\nexport const slab = ${job("chem.emt.slab")};\n`);
  mkdirSync(join(project, "src", "deep"), { recursive: true });
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("job module resolution", () => {
  it("resolves package specifiers (exports map, subpath patterns) from the project, searching upwards", () => {
    expect(resolvePackageFrom("@chem/jobs", join(project, "src", "deep"))).toBe(join(pkg, "dist", "index.js"));
    expect(resolvePackageFrom("@chem/jobs/emt/slab", project)).toBe(join(pkg, "dist", "emt", "slab.js"));
    expect(resolvePackageFrom("@chem/jobs/private", project)).toBeUndefined();
    expect(resolvePackageFrom("not-installed", project)).toBeUndefined();
  });

  it("imports a package the worker's own node_modules does not have", async () => {
    const jobs = collectJobs(await importModule("@chem/jobs", join(project, "src")));
    expect(jobs.map((j) => j.name).sort()).toEqual(["chem.emt.relax", "chem.emt.static"]);
    const slab = collectJobs(await importModule("@chem/jobs/emt/slab", project));
    expect(slab.map((j) => j.name)).toEqual(["chem.emt.slab"]);
  });

  it("turns paths into file URLs (relative paths from the given cwd)", () => {
    expect(moduleUrl("/a/b.ts")).toBe("file:///a/b.ts");
    expect(moduleUrl("./jobs.ts", "/home/me")).toBe("file:///home/me/jobs.ts");
    expect(moduleUrl("file:///x.js")).toBe("file:///x.js");
    expect(moduleUrl("@latticework/recipes")).toBe("@latticework/recipes");
  });
});
