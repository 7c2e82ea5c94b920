import { describe, expect, it } from "vitest";
import { LatticeworkError } from "@latticework/core";
import { bulk } from "../src/build/bulk.js";
import { molecule, moleculeNames } from "../src/build/molecule.js";
import { bcc100, bcc110, fcc100, fcc110, fcc111 } from "../src/build/surfaces.js";
import { surface } from "../src/build/surface.js";
import type { Atoms } from "../src/atoms/atoms.js";
import { maxDiff, requireOracle, runPyOracle, type OracleAtoms } from "./io-oracle.js";

const runOracle = requireOracle("build");

function expectSame(ours: Atoms, ase: OracleAtoms, what: string, tol = 1e-9): void {
  expect(ase.error, what).toBeUndefined();
  expect(Array.from(ours.numbers), `${what} numbers`).toEqual(ase.numbers);
  expect(maxDiff(ours.cell, ase.cell.flat()), `${what} cell`).toBeLessThan(tol);
  expect(maxDiff(ours.positions, ase.positions.flat()), `${what} positions`).toBeLessThan(tol);
  expect([...ours.pbc], `${what} pbc`).toEqual(ase.pbc);
}

describe("bulk (SPEC 3.1 facts)", () => {
  it("fcc Cu primitive: one atom, a = 3.61 reference, 60 degree cell", () => {
    const cu = bulk("Cu");
    expect(cu.length).toBe(1);
    expect(cu.getCell()).toEqual([[0, 1.805, 1.805], [1.805, 0, 1.805], [1.805, 1.805, 0]]);
    expect(cu.volume()).toBeCloseTo(3.61 ** 3 / 4, 12);
    expect(cu.pbc).toEqual([true, true, true]);
  });

  it("cubic and orthorhombic cells", () => {
    expect(bulk("Cu", { cubic: true }).length).toBe(4);
    expect(bulk("Cu", { orthorhombic: true }).length).toBe(2);
    expect(bulk("Fe", { cubic: true }).length).toBe(2);
    expect(bulk("C", { cubic: true }).length).toBe(8);
    expect(bulk("Mg", { orthorhombic: true }).length).toBe(4);
  });

  it("rejects elements without a supported reference state and bad combinations, naming the fix", () => {
    expect(() => bulk("H")).toThrow(/no reference crystal structure for "H".*pass crystalstructure/);
    expect(() => bulk("Mg", { cubic: true })).toThrow(/hcp crystal has no cubic cell/);
    expect(() => bulk("NaCl")).toThrow(/pass crystalstructure/);
    expect(() => bulk("Cu", { crystalstructure: "rocksalt", a: 4 })).toThrow(/rocksalt needs 2 symbols/);
    expect(() => bulk("Xx")).toThrow(/cannot parse "Xx"/);
  });

  it("reports every invalid option at once with the component prefix", () => {
    let err: unknown;
    try {
      bulk("Cu", { a: -1, cubic: "yes", bogus: 1 } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LatticeworkError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/\[bulk\]/);
    expect(msg).toMatch(/a:/);
    expect(msg).toMatch(/cubic:/);
    expect(msg).toMatch(/bogus/);
  });
});

describe("surfaces (SPEC 3.3 facts)", () => {
  it("fcc111('Cu', (2,2,3), vacuum=10) has SPEC's cell and layer heights", () => {
    const s = fcc111("Cu", [2, 2, 3], { vacuum: 10 });
    expect(s.length).toBe(12);
    expect(maxDiff(s.cell, [5.105310960166873, 0, 0, 2.5526554800834367, 4.421328985723636, 0, 0, 0, 24.168468943549097])).toBeLessThan(1e-12);
    const z = [...new Set(s.getPositions().map((p) => p[2]!.toFixed(9)))].map(Number);
    expect(z).toEqual([10, 12.084234472, 14.168468944]);
    expect(s.info.tags).toEqual([3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1]);
    expect(s.pbc).toEqual([true, true, false]);
    // top layer atom at the origin
    expect(maxDiff(s.getPositions()[8]!.slice(0, 2), [0, 0])).toBeLessThan(1e-12);
  });

  it("rejects bad sizes and unknown lattice constants", () => {
    expect(() => fcc111("Cu", [2, 0, 3])).toThrow(/size must be three positive integers/);
    expect(() => fcc111("Fe", [1, 1, 3])).toThrow(/Fe has no fcc reference state: pass a/);
    expect(() => bcc110("Cu", [1, 1, 3], { vacuum: -1, a: 3 })).toThrow(/vacuum must be >= 0/);
  });

  it("general surface() of cubic Cu (111), 3 layers, vacuum 10 gives fcc111's cell and atom set", () => {
    const s = surface(bulk("Cu", { cubic: true }), [1, 1, 1], 3, { vacuum: 10 });
    const f = fcc111("Cu", [2, 2, 3], { vacuum: 10 });
    expect(s.length).toBe(12);
    expect(maxDiff(s.cell, f.cell)).toBeLessThan(1e-9);
    // same structure up to an in-plane lattice translation
    const key = (a: Atoms, shift: number[]): string[] => {
      const t = a.clone();
      t.translate(shift);
      t.wrap();
      return t.getScaledPositions().map((p) => p.map((x) => (Math.abs(x - 1) < 1e-6 ? 0 : x).toFixed(5)).join(",")).sort();
    };
    const p0 = s.getPositions()[0]!, q0 = f.getPositions()[0]!;
    const matches = f.getPositions().filter((q) => Math.abs(q[2]! - q0[2]!) < 1e-6).some((q) => {
      const d = [q[0]! - p0[0]!, q[1]! - p0[1]!, 0];
      return JSON.stringify(key(s, d)) === JSON.stringify(key(f, [0, 0, 0]));
    });
    expect(matches).toBe(true);
  });

  it("surface() rejects bad input", () => {
    expect(() => surface(bulk("Cu", { cubic: true }), [0, 0, 0], 3)).toThrow(/\(0, 0, 0\)/);
    expect(() => surface(bulk("Cu", { cubic: true }), [1, 1, 1], 0)).toThrow(/layers must be a positive integer/);
    expect(() => surface(molecule("N2"), [1, 1, 1], 2)).toThrow(/needs a 3-D cell/);
  });
});

describe("molecule", () => {
  it("N2 has the G2 geometry, no cell, no pbc", () => {
    const n2 = molecule("N2");
    expect(n2.getPositions()).toEqual([[0, 0, 0.56499], [0, 0, -0.56499]]);
    expect(n2.pbc).toEqual([false, false, false]);
    expect(Array.from(n2.cell)).toEqual(new Array(9).fill(0));
  });
  it("unknown names list the available ones", () => {
    expect(() => molecule("C60")).toThrow(/unknown molecule "C60": available are N2, H2, O2, CO, H2O, NH3, CH4/);
  });
});

describe.runIf(runOracle)("builders equal ASE 3.22.1 (oracle)", () => {
  const cases: [string, () => Atoms][] = [
    ["bulk('Cu')", () => bulk("Cu")],
    ["bulk('Cu', cubic=True)", () => bulk("Cu", { cubic: true })],
    ["bulk('Cu', orthorhombic=True)", () => bulk("Cu", { orthorhombic: true })],
    ["bulk('Al', a=4.1)", () => bulk("Al", { a: 4.1 })],
    ["bulk('Au', cubic=True)", () => bulk("Au", { cubic: true })],
    ["bulk('Fe')", () => bulk("Fe")],
    ["bulk('Fe', cubic=True)", () => bulk("Fe", { cubic: true })],
    ["bulk('Fe', orthorhombic=True)", () => bulk("Fe", { orthorhombic: true })],
    ["bulk('Mg')", () => bulk("Mg")],
    ["bulk('Ti', orthorhombic=True)", () => bulk("Ti", { orthorhombic: true })],
    ["bulk('Zn', 'hcp', a=2.7, covera=1.8)", () => bulk("Zn", { crystalstructure: "hcp", a: 2.7, covera: 1.8 })],
    ["bulk('Cu', 'hcp', a=2.5)", () => bulk("Cu", { crystalstructure: "hcp", a: 2.5 })],
    ["bulk('C')", () => bulk("C")],
    ["bulk('Si', cubic=True)", () => bulk("Si", { cubic: true })],
    ["bulk('Ge', orthorhombic=True)", () => bulk("Ge", { orthorhombic: true })],
    ["bulk('Po')", () => bulk("Po")],
    ["bulk('Cu', 'sc', a=2.4)", () => bulk("Cu", { crystalstructure: "sc", a: 2.4 })],
    ["bulk('NaCl', 'rocksalt', a=5.64)", () => bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64 })],
    ["bulk('NaCl', 'rocksalt', a=5.64, cubic=True)", () => bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64, cubic: true })],
    ["bulk('MgO', 'rocksalt', a=4.2, orthorhombic=True)", () => bulk("MgO", { crystalstructure: "rocksalt", a: 4.2, orthorhombic: true })],
    ["bulk('ZnS', 'zincblende', a=5.41)", () => bulk("ZnS", { crystalstructure: "zincblende", a: 5.41 })],
    ["bulk('ZnS', 'zincblende', a=5.41, cubic=True)", () => bulk("ZnS", { crystalstructure: "zincblende", a: 5.41, cubic: true })],
    ["bulk('GaAs', 'zincblende', a=5.65, orthorhombic=True)", () => bulk("GaAs", { crystalstructure: "zincblende", a: 5.65, orthorhombic: true })],
    ["bulk('CsCl', 'cesiumchloride', a=4.1)", () => bulk("CsCl", { crystalstructure: "cesiumchloride", a: 4.1 })],
    ...moleculeNames.map((n): [string, () => Atoms] => [`molecule('${n}')`, () => molecule(n)]),
    ["fcc111('Cu', (2,2,3), vacuum=10)", () => fcc111("Cu", [2, 2, 3], { vacuum: 10 })],
    ["fcc111('Pt', (3,2,5), vacuum=7.5)", () => fcc111("Pt", [3, 2, 5], { vacuum: 7.5 })],
    ["fcc111('Al', (1,1,4))", () => fcc111("Al", [1, 1, 4])],
    ["fcc111('Cu', (2,2,3), periodic=True)", () => fcc111("Cu", [2, 2, 3], { periodic: true })],
    ["fcc100('Cu', (2,3,4), vacuum=5)", () => fcc100("Cu", [2, 3, 4], { vacuum: 5 })],
    ["fcc110('Au', (2,2,5), vacuum=6)", () => fcc110("Au", [2, 2, 5], { vacuum: 6 })],
    ["bcc110('Fe', (2,2,3), vacuum=5)", () => bcc110("Fe", [2, 2, 3], { vacuum: 5 })],
    ["bcc110('Fe', (1,2,4))", () => bcc110("Fe", [1, 2, 4])],
    ["bcc100('W', (2,2,3), vacuum=4)", () => bcc100("W", [2, 2, 3], { vacuum: 4 })],
  ];

  it(`${cases.length} builder calls give ASE's numbers, positions, cell and pbc (1e-9)`, async () => {
    const res = await runPyOracle<OracleAtoms>("io_oracle.py", cases.map(([expr]) => ({ kind: "build", expr })));
    cases.forEach(([expr, make], i) => expectSame(make(), res[i]!, expr));
  });

  it("surface tags equal ASE's layer tags", async () => {
    const res = await runPyOracle<OracleAtoms>("io_oracle.py", [{ kind: "build", expr: "fcc100('Cu', (2,3,4), vacuum=5)" }]);
    expect(fcc100("Cu", [2, 3, 4], { vacuum: 5 }).info.tags).toEqual(res[0]!.tags);
  });

  it("surface() on other planes and lattices: ASE's atom count, c, surface area and layer heights", async () => {
    const cases: [string, () => Atoms][] = [
      ["surface(bulk('Cu', cubic=True), (1,1,0), 4, vacuum=5)", () => surface(bulk("Cu", { cubic: true }), [1, 1, 0], 4, { vacuum: 5 })],
      ["surface(bulk('Cu', cubic=True), (1,0,0), 3, vacuum=5)", () => surface(bulk("Cu", { cubic: true }), [1, 0, 0], 3, { vacuum: 5 })],
      ["surface(bulk('Cu', cubic=True), (2,1,1), 2, vacuum=5)", () => surface(bulk("Cu", { cubic: true }), [2, 1, 1], 2, { vacuum: 5 })],
      ["surface(bulk('Fe', cubic=True), (1,1,0), 3, vacuum=5)", () => surface(bulk("Fe", { cubic: true }), [1, 1, 0], 3, { vacuum: 5 })],
      ["surface(bulk('Fe', cubic=True), (3,2,1), 2, vacuum=5)", () => surface(bulk("Fe", { cubic: true }), [3, 2, 1], 2, { vacuum: 5 })],
      ["surface(bulk('Mg'), (0,0,1), 3, vacuum=5)", () => surface(bulk("Mg"), [0, 0, 1], 3, { vacuum: 5 })],
      ["surface(bulk('Mg', orthorhombic=True), (1,0,0), 2, vacuum=5)", () => surface(bulk("Mg", { orthorhombic: true }), [1, 0, 0], 2, { vacuum: 5 })],
    ];
    const res = await runPyOracle<OracleAtoms>("io_oracle.py", cases.map(([expr]) => ({ kind: "build", expr })));
    cases.forEach(([expr, make], i) => {
      const ours = make();
      const ase = res[i]!;
      expect(ours.length, expr).toBe(ase.numbers.length);
      expect(Math.abs(ours.cell[8]! - ase.cell[2]![2]!), expr).toBeLessThan(1e-9);
      const area = (c: number[][]): number => Math.abs(c[0]![0]! * c[1]![1]! - c[0]![1]! * c[1]![0]!);
      expect(Math.abs(area(ours.getCell()) - area(ase.cell)), expr).toBeLessThan(1e-9);
      const zs = (p: number[][]): number[] => p.map((r) => r[2]!).sort((a, b) => a - b);
      expect(maxDiff(zs(ours.getPositions()), zs(ase.positions)), expr).toBeLessThan(1e-9);
    });
  });

  it("surface(bulk('Cu', cubic=True), (1,1,1), 3, vacuum=10) has ASE's cell", async () => {
    const res = await runPyOracle<OracleAtoms>("io_oracle.py", [{ kind: "build", expr: "surface(bulk('Cu', cubic=True), (1,1,1), 3, vacuum=10)" }]);
    const s = surface(bulk("Cu", { cubic: true }), [1, 1, 1], 3, { vacuum: 10 });
    expect(maxDiff(s.cell, res[0]!.cell.flat())).toBeLessThan(1e-9);
    expect(s.length).toBe(res[0]!.numbers.length);
    const zs = (p: number[][]): string[] => p.map((r) => r[2]!.toFixed(6)).sort();
    expect(zs(s.getPositions())).toEqual(zs(res[0]!.positions));
  });
});
