import { describe, expect, it } from "vitest";
import { Atoms, parseSymbols } from "../src/atoms/atoms.js";
import { AtomsSchema } from "../src/atoms/atoms-schema.js";
import { atomicMasses, atomicNumber, chemicalSymbol } from "../src/atoms/elements.js";
import { fccCubic, fccPrimitive } from "./oracle/structures.js";

describe("elements", () => {
  it("maps symbols and numbers both ways, with ASE masses", () => {
    expect(atomicNumber("Cu")).toBe(29);
    expect(chemicalSymbol(79)).toBe("Au");
    expect(atomicMasses[29]).toBe(63.546);
    expect(atomicMasses[1]).toBe(1.008);
    expect(chemicalSymbol(118)).toBe("Og");
    expect(() => atomicNumber("Xx")).toThrow(/unknown chemical symbol "Xx"/);
    expect(() => chemicalSymbol(200)).toThrow(/no element with atomic number 200/);
  });
  it("parses formulas like ASE's Atoms('...')", () => {
    expect(parseSymbols("Cu2O")).toEqual(["Cu", "Cu", "O"]);
    expect(parseSymbols("CH4")).toEqual(["C", "H", "H", "H", "H"]);
    expect(() => parseSymbols("Cu2o")).toThrow(/cannot parse formula "Cu2o" at position 3/);
  });
});

describe("Atoms", () => {
  it("round-trips through JSON and validates with AtomsSchema", () => {
    const a = fccCubic("Cu", 3.61);
    a.fixed = [1, 2];
    a.info = { tag: "x", nested: { n: 1 } };
    const j = a.toJSON();
    expect(AtomsSchema.parse(j)).toEqual(j);
    const b = Atoms.fromJSON(JSON.parse(JSON.stringify(j)));
    expect(b.toJSON()).toEqual(j);
    expect(() => Atoms.fromJSON({ numbers: [29], positions: [] })).toThrow(/positions/);
    expect(() => Atoms.fromJSON({ numbers: [29], positions: [[0, 0, 0]], fixed: [3] })).toThrow(/out of range/);
  });
  it("validates constructor input", () => {
    expect(() => new Atoms({ numbers: [29], positions: [[0, 0]] })).toThrow(/positions\[0\] must have 3 components/);
    expect(() => new Atoms({ numbers: [29], positions: [[0, 0, NaN]] })).toThrow(/non-finite/);
    expect(() => new Atoms({ numbers: [300] })).toThrow(/not an atomic number/);
    expect(() => new Atoms({ numbers: [29], fixed: [1] })).toThrow(/fixed index 1 out of range/);
  });
  it("repeat follows ASE's order and multiplies cell and constraints", () => {
    const a = fccPrimitive("Cu", 3.61);
    a.fixed = [0];
    const s = a.repeat([2, 1, 3]);
    expect(s.length).toBe(6);
    // block order: i0 outermost, then i1, then i2
    expect(s.getPositions()[1]).toEqual(a.getCell()[2]);
    expect(s.getPositions()[3]).toEqual(a.getCell()[0]);
    expect(s.fixed).toEqual([0, 1, 2, 3, 4, 5]);
    expect(s.volume()).toBeCloseTo(6 * a.volume(), 10);
    expect(() => a.repeat([0, 1, 1])).toThrow(/positive integers/);
  });
  it("formula in ASE's hill, reduce, all and metal modes", () => {
    const m = Atoms.fromSymbols("OCH2CuH2", Array(7).fill([0, 0, 0]) as number[][]);
    expect(m.formula()).toBe("CH4CuO");
    expect(m.formula("reduce")).toBe("OCH2CuH2");
    expect(m.formula("all")).toBe("OCHHCuHH");
    expect(m.formula("metal")).toBe("CuCH4O");
    expect(Atoms.fromSymbols("H2O", [[0, 0, 0], [1, 0, 0], [0, 1, 0]]).formula()).toBe("H2O");
    expect(fccCubic("Cu", 3.6).formula()).toBe("Cu4");
    expect(Atoms.fromSymbols("CuH", [[0, 0, 0], [1, 0, 0]]).formula()).toBe("HCu"); // ASE's hill puts H first even without C
  });
  it("minimum-image distances, scaled positions and wrap", () => {
    const a = fccCubic("Cu", 4);
    a.positions[0] = -0.1;
    expect(a.distance(0, 3, false)).toBeCloseTo(Math.hypot(2.1, 2), 12);
    a.positions[9] = 3.9; // atom 3: (2, 2, 0) -> (3.9, 2, 0); its nearest image of atom 0 is 2 A away
    expect(a.distance(0, 3, true)).toBeCloseTo(2, 12);
    const s = a.getScaledPositions();
    expect(s[0]![0]).toBeCloseTo(0.975, 12);
    expect(a.getScaledPositions(false)[0]![0]).toBeCloseTo(-0.025, 12);
    const b = a.clone();
    b.wrap();
    expect(b.positions[0]).toBeCloseTo(3.9, 12);
    b.setScaledPositions(s);
    expect(b.positions[0]).toBeCloseTo(3.9, 12);
  });
  it("center with vacuum along one axis or all (ASE semantics)", () => {
    const m = Atoms.fromSymbols("N2", [[0, 0, 0.56499], [0, 0, -0.56499]]);
    m.center(5);
    expect(m.getCell()).toEqual([[10, 0, 0], [0, 10, 0], [0, 0, 10 + 2 * 0.56499]]);
    expect(m.positions[2]).toBeCloseTo(5 + 2 * 0.56499, 12);
    const slab = fccCubic("Cu", 3.61).repeat([1, 1, 2]);
    slab.center(7, 2);
    expect(slab.cell[8]).toBeCloseTo(3.61 * 1.5 + 14, 12);
    expect(slab.positions[2]).toBeCloseTo(7, 12);
    expect(() => slab.center(-1)).toThrow(/vacuum must be a non-negative/);
  });
  it("setPositions respects FixAtoms unless told otherwise; translate and extend", () => {
    const a = fccCubic("Cu", 3.61);
    a.fixed = [0];
    a.setPositions(a.getPositions().map((p) => [p[0]! + 1, p[1]!, p[2]!]));
    expect(a.positions[0]).toBe(0);
    expect(a.positions[3]).toBe(1);
    a.setPositions(a.getPositions().map((p) => [p[0]! + 1, p[1]!, p[2]!]), { applyConstraint: false });
    expect(a.positions[0]).toBe(1);
    a.translate([1, 1, 1]);
    expect(a.positions[1]).toBe(1);
    const b = fccCubic("Au", 4);
    b.fixed = [2];
    a.extend(b);
    expect(a.length).toBe(8);
    expect(a.fixed).toEqual([0, 6]);
    expect(a.formula()).toBe("Au4Cu4");
    expect(a.masses()[7]).toBe(196.966569);
  });
  it("cell parameters and rattle", () => {
    const p = fccPrimitive("Cu", 3.61);
    const [la, , , alpha] = p.cellParameters();
    expect(la).toBeCloseTo(3.61 / Math.SQRT2, 12);
    expect(alpha).toBeCloseTo(60, 10);
    const r = fccCubic("Cu", 3.61);
    r.rattle(0.05, 1);
    const r2 = fccCubic("Cu", 3.61);
    r2.rattle(0.05, 1);
    expect(r.toJSON()).toEqual(r2.toJSON());
    expect(r.distance(0, 1)).not.toBeCloseTo(fccCubic("Cu", 3.61).distance(0, 1), 6);
  });
});
