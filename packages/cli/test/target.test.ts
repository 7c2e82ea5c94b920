import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { lookupExport, parseTarget, resolveTarget } from "../src/target.js";

const fixtures = fileURLToPath(new URL("./fixtures/flows.ts", import.meta.url));

describe("parseTarget", () => {
  it("splits module and dotted export path", () => {
    expect(parseTarget("@latticework/recipes#emt.static")).toEqual({ module: "@latticework/recipes", exportPath: "emt.static" });
    expect(parseTarget("examples/01-serial.ts#relaxThenStatic")).toEqual({ module: "examples/01-serial.ts", exportPath: "relaxThenStatic" });
  });

  it("looks bare names up in the config's flows", () => {
    expect(parseTarget("relax", { relax: "/abs/flows.ts#relaxFlow" })).toEqual({ module: "/abs/flows.ts", exportPath: "relaxFlow" });
  });

  it("explains what is wrong with a bad target", () => {
    expect(() => parseTarget("relax", { other: "./x.ts#y" })).toThrow(/no "#<export>" part and is not a flow named in the config \(known flows: other\)/);
    expect(() => parseTarget("#x")).toThrow(/names no file or package/);
    expect(() => parseTarget("a.ts#1bad")).toThrow(/not a dotted export path/);
    expect(() => parseTarget("a.ts#x..y")).toThrow(/not a dotted export path/);
    expect(() => parseTarget("  ")).toThrow(/Empty target/);
  });
});

describe("resolveTarget", () => {
  it("imports a .ts file and walks dotted exports", async () => {
    const t = await resolveTarget({ module: fixtures, exportPath: "group.inner.echo" });
    expect(t.kind).toBe("job");
    expect(t.value.name).toBe("test.echo");
    expect(t.target).toEqual({ module: fixtures, exportPath: "group.inner.echo" });
  });

  it("reports a missing file, a missing export (with what exists) and a non-job export", async () => {
    await expect(resolveTarget({ module: "./nope/missing.ts", exportPath: "x" }, tmpdir())).rejects.toThrow(/Cannot find target file .*missing\.ts/);
    await expect(resolveTarget({ module: fixtures, exportPath: "echoo" })).rejects.toThrow(/has no export "echoo"; it has: chain, echo, failUnless, flaky, group, mark, strict/);
    await expect(resolveTarget({ module: fixtures, exportPath: "group.inner.nope" })).rejects.toThrow(/no export "group\.inner\.nope"; "group\.inner" has: echo/);
    await expect(resolveTarget({ module: fixtures, exportPath: "notAJob" })).rejects.toThrow(/is not a job or flow/);
  });

  it("reports a missing package with the install command", async () => {
    await expect(resolveTarget({ module: "@latticework/does-not-exist", exportPath: "x" }, tmpdir())).rejects.toThrow(
      /Cannot find package "@latticework\/does-not-exist".*npm install @latticework\/does-not-exist/,
    );
  });

  it("reports a file that fails to load", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-target-"));
    writeFileSync(join(dir, "broken.mjs"), "throw new Error('boom at import');\n");
    await expect(resolveTarget({ module: "./broken.mjs", exportPath: "x" }, dir)).rejects.toThrow(/Loading target .*broken\.mjs failed: boom at import/);
  });

  it("falls back to the default export", () => {
    const job = { kind: "job", name: "j" };
    expect(lookupExport({ default: { j: job } }, "j", "mod")).toBe(job);
  });
});
