import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { canonicalHash, canonicalJson } from "../src/canonical.js";

describe("canonicalJson / canonicalHash", () => {
  it("sorts keys at every depth and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(canonicalHash({ a: 1, b: [1, 2] })).toBe(canonicalHash({ b: [1, 2], a: 1 }));
  });
  it("is sha256 of the canonical text", () => {
    expect(canonicalHash({ x: "é" })).toBe(createHash("sha256").update('{"x":"é"}').digest("hex"));
  });
  it("writes -0 as 0 and undefined array items as null, like JSON", () => {
    expect(canonicalJson([-0, 0, undefined])).toBe("[0,0,null]");
    expect(canonicalHash({ v: -0 })).toBe(canonicalHash({ v: 0 }));
  });
  it("distinguishes different values", () => {
    expect(canonicalHash({ a: 1 })).not.toBe(canonicalHash({ a: "1" }));
    expect(canonicalHash([1, 2])).not.toBe(canonicalHash([2, 1]));
  });
  it("honours toJSON (dates)", () => {
    expect(canonicalJson({ d: new Date(0) })).toBe('{"d":"1970-01-01T00:00:00.000Z"}');
  });
  it.each([
    [{ a: Number.NaN }, /NaN at a/],
    [{ a: [1, Infinity] }, /Infinity at a\.1/],
    [{ f: () => 1 }, /a function at f/],
    [{ s: Symbol("x") }, /a symbol at s/],
    [{ n: 1n }, /a bigint at n/],
    [{ t: new Float64Array(2) }, /typed array .*at t/],
  ])("rejects %o with a clear error naming the path", (value, re) => {
    expect(() => canonicalHash(value)).toThrow(re);
    try {
      canonicalHash(value);
    } catch (e) {
      expect((e as { code?: string }).code).toBe("INPUT_INVALID");
    }
  });
  it("rejects cycles", () => {
    const a: Record<string, unknown> = {};
    a["self"] = a;
    expect(() => canonicalJson(a)).toThrow(/circular reference at self/);
  });
  it("allows the same object twice (not a cycle)", () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
