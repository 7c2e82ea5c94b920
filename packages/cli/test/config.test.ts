import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkConfig, findConfigFile, loadConfig } from "../src/config.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "lw-config-"));
}

const FAKE_ADAPTER = `
import { z } from "zod";
export const adapter = {
  name: "fake",
  optionsSchema: z.strictObject({ partition: z.string(), walltime: z.number().int().positive().default(60) }),
  create(options, context) { return { name: context.name, options, capabilities: {}, async start() {}, async submit() { throw new Error("no"); }, async cancel() {}, async dispose() {} }; },
};
`;

describe("config", () => {
  it("without a file: local executor, store in ./.latticework", async () => {
    const dir = tmp();
    const c = await loadConfig({ cwd: dir, adapters: true });
    expect(c.file).toBeUndefined();
    expect(c.storeDir).toBe(join(dir, ".latticework"));
    expect(Object.keys(c.adapters ?? {})).toEqual(["local"]);
  });

  it("is found from a sub-directory and resolves paths from the file's directory", async () => {
    const dir = tmp();
    mkdirSync(join(dir, "a", "b"), { recursive: true });
    writeFileSync(join(dir, "latticework.config.json"), JSON.stringify({ store: { dir: "runs" }, flows: { relax: "./flows.ts#relax", pkg: "@x/y#z" } }));
    expect(findConfigFile(join(dir, "a", "b"))).toBe(join(dir, "latticework.config.json"));
    const c = await loadConfig({ cwd: join(dir, "a", "b") });
    expect(c.storeDir).toBe(join(dir, "runs"));
    expect(c.flows).toEqual({ relax: `${join(dir, "flows.ts")}#relax`, pkg: "@x/y#z" });
    const over = await loadConfig({ cwd: join(dir, "a"), storeDir: "elsewhere" });
    expect(over.storeDir).toBe(join(dir, "a", "elsewhere"));
  });

  it("reports every mistake at once, with paths, naming the file", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "fake-adapter.mjs"), FAKE_ADAPTER);
    const file = join(dir, "latticework.config.json");
    writeFileSync(
      file,
      JSON.stringify({
        exectors: {},
        store: { dir: "" },
        executors: {
          hpc: { adapter: "./fake-adapter.mjs", options: { walltime: -5 } },
          gone: { adapter: "@latticework/no-such-adapter" },
          local: { adapter: "@latticework/adapter-local", options: { workers: -1, colour: "red" } },
        },
        defaultExecutor: "missing",
        rules: [{ executor: "nowhere" }, { job: "emt.*", executor: "hpc" }],
        flows: { relax: "./flows.ts" },
      }),
    );
    let error: unknown;
    try {
      await loadConfig({ cwd: dir, adapters: true });
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).toBe("CONFIG_INVALID");
    const message = (error as Error).message;
    expect(message).toContain(file);
    const paths = ((error as { issues: { path: string }[] }).issues ?? []).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "", // unrecognised key "exectors"
        "store.dir",
        "executors.hpc.options.partition",
        "executors.hpc.options.walltime",
        "executors.gone.adapter",
        "executors.local.options.workers",
        "executors.local.options",
        "defaultExecutor",
        "rules.0",
        "rules.0.executor",
        "flows.relax",
      ]),
    );
    expect(message).toMatch(/exectors/);
    expect(message).toMatch(/executors\.gone\.adapter: Cannot find package "@latticework\/no-such-adapter"/);
    expect(message).toMatch(/rules\.0\.executor: unknown executor "nowhere"/);
  });

  it("loads .mjs and .ts configs (default export, function allowed)", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "fake-adapter.mjs"), FAKE_ADAPTER);
    writeFileSync(
      join(dir, "latticework.config.ts"),
      `const config: { executors: Record<string, { adapter: string; options: Record<string, unknown> }>; defaultExecutor: string } = {
  executors: { hpc: { adapter: "./fake-adapter.mjs", options: { partition: "debug" } } },
  defaultExecutor: "hpc",
};
export default () => config;
`,
    );
    const c = await loadConfig({ cwd: dir, adapters: true });
    expect(c.defaultExecutor).toBe("hpc");
    expect(c.adapters?.hpc?.options).toEqual({ partition: "debug", walltime: 60 });
    const dir2 = tmp();
    writeFileSync(join(dir2, "latticework.config.mjs"), "export const nothing = 1;\n");
    await expect(loadConfig({ cwd: dir2 })).rejects.toThrow(/has no default export/);
  });

  it("names the file when JSON does not parse or --config is missing", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "latticework.config.json"), "{ oops");
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(/latticework\.config\.json is not valid JSON/);
    await expect(loadConfig({ cwd: dir, configPath: "other.json" })).rejects.toThrow(/--config .*other\.json does not exist/);
  });

  it("checkConfig accepts a good config", () => {
    const { issues } = checkConfig({ executors: { hpc: { adapter: "x" } }, rules: [{ tag: "mpi", executor: "hpc" }], defaultExecutor: "local" });
    expect(issues).toEqual([]);
  });
});
