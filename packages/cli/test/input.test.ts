import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { applySets, buildInput, parseSetValue } from "../src/input.js";

describe("--set values", () => {
  it("parses JSON where it parses and keeps strings otherwise", () => {
    expect(parseSetValue("3")).toBe(3);
    expect(parseSetValue("1e-3")).toBe(0.001);
    expect(parseSetValue("true")).toBe(true);
    expect(parseSetValue("null")).toBe(null);
    expect(parseSetValue("[1,2]")).toEqual([1, 2]);
    expect(parseSetValue('{"a":1}')).toEqual({ a: 1 });
    expect(parseSetValue('"007"')).toBe("007");
    expect(parseSetValue("Cu")).toBe("Cu");
    expect(parseSetValue("")).toBe("");
    expect(parseSetValue("a=b")).toBe("a=b");
  });

  it("nests dotted keys, indexes existing arrays and keeps later values", () => {
    const out = applySets({ atoms: { pbc: [false, false, false] }, keep: 1 }, [
      "atoms.pbc.2=true",
      "calc.params.cutoff=6.5",
      "name=Cu",
      "name=Al",
      "eq=a=b",
    ]);
    expect(out).toEqual({ atoms: { pbc: [false, false, true] }, keep: 1, calc: { params: { cutoff: 6.5 } }, name: "Al", eq: "a=b" });
  });

  it("does not modify the base object", () => {
    const base = { a: { b: 1 } };
    applySets(base, ["a.b=2"]);
    expect(base).toEqual({ a: { b: 1 } });
  });

  it("reports every bad assignment at once", () => {
    let message = "";
    try {
      applySets({ n: 1 }, ["noequals", "=x", "a..b=1", "n.deep=2", "__proto__.x=1"]);
    } catch (error) {
      message = (error as Error).message;
      expect((error as { code?: string }).code).toBe("INPUT_INVALID");
    }
    expect(message).toContain('"noequals": expected key=value');
    expect(message).toContain('"=x": expected key=value');
    expect(message).toContain("empty segment");
    expect(message).toContain('"n" is already 1');
    expect(message).toContain('"__proto__" is not allowed');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("refuses --set on a non-object --input", () => {
    expect(() => applySets([1, 2], ["a=1"])).toThrow(/needs the input to be a JSON object/);
  });
});

describe("buildInput", () => {
  const dir = mkdtempSync(join(tmpdir(), "lw-input-"));

  it("reads --input then applies --set", async () => {
    writeFileSync(join(dir, "in.json"), JSON.stringify({ a: 1, b: { c: 2 } }));
    expect(await buildInput({ input: "in.json", set: ["b.d=3"] }, dir)).toEqual({ a: 1, b: { c: 2, d: 3 } });
  });

  it("names the file when --input is missing or not JSON", async () => {
    await expect(buildInput({ input: "missing.json" }, dir)).rejects.toThrow(/Cannot read --input file .*missing\.json/);
    writeFileSync(join(dir, "bad.json"), "{ not json");
    await expect(buildInput({ input: "bad.json" }, dir)).rejects.toThrow(/bad\.json is not valid JSON/);
  });

  it("puts a structure under `atoms` or --structure-key", async () => {
    const load = async (file: string) => ({ from: file });
    expect(await buildInput({ structure: "Cu.cif", set: ["fmax=0.1"] }, dir, load)).toEqual({ fmax: 0.1, atoms: { from: join(dir, "Cu.cif") } });
    expect(await buildInput({ structure: "Cu.cif", structureKey: "bulk.atoms" }, dir, load)).toEqual({ bulk: { atoms: { from: join(dir, "Cu.cif") } } });
    await expect(buildInput({ structureKey: "x" }, dir, load)).rejects.toThrow(/only makes sense together with --structure/);
  });
});
