import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LatticeworkError } from "@latticework/core";
import { Atoms } from "../src/atoms/atoms.js";
import { bulk } from "../src/build/bulk.js";
import { molecule } from "../src/build/molecule.js";
import { fcc111 } from "../src/build/surfaces.js";
import { encodeAseAtoms, formatAseJson, parseAseJson } from "../src/io/ase-json.js";
import { formatCif, parseCif } from "../src/io/cif.js";
import { StructureFormatError } from "../src/io/errors.js";
import { formatExtxyz, parseExtxyz, type StructureResults } from "../src/io/extxyz.js";
import { formatPoscar, parsePoscar } from "../src/io/poscar.js";
import { detectFormat, readFrames, readStructure, writeStructure } from "../src/io/structure-io.js";
import { maxDiff, requireOracle, runPyOracle, toOracle, type OracleAtoms } from "./io-oracle.js";

const runOracle = requireOracle("io");
/** Seed of the random structures (fresh per run; set LW_TEST_SEED to replay one). */
const seed = Number(process.env.LW_TEST_SEED ?? Date.now() % 1_000_000);
const dir = mkdtempSync(join(tmpdir(), "lw-io-"));
afterAll(() => {
  /* temp files are left for inspection; the OS cleans tmp */
});

function expectSameAtoms(a: Atoms, b: Atoms, what: string, opts: { tol?: number; fixed?: boolean; pbc?: boolean } = {}): void {
  const tol = opts.tol ?? 1e-6;
  expect(Array.from(a.numbers), `${what} numbers`).toEqual(Array.from(b.numbers));
  expect(maxDiff(a.positions, b.positions), `${what} positions`).toBeLessThanOrEqual(tol);
  expect(maxDiff(a.cell, b.cell), `${what} cell`).toBeLessThanOrEqual(tol);
  // POSCAR carries no pbc (always periodic); other formats do
  if (opts.pbc ?? true) expect([...a.pbc], `${what} pbc`).toEqual([...b.pbc]);
  if (opts.fixed ?? true) expect(a.fixed, `${what} fixed`).toEqual(b.fixed);
}

/** Catch the error of fn and check file, line and message. */
function parseError(fn: () => unknown, line: number | undefined, re: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, "expected an error").toBeInstanceOf(StructureFormatError);
  expect(err).toBeInstanceOf(LatticeworkError);
  const e = err as StructureFormatError;
  expect(e.line).toBe(line);
  expect(e.message).toMatch(re);
  expect(e.message.startsWith(`${e.file}${line !== undefined ? `:${line}` : ""}: `)).toBe(true);
}

function randomTriclinic(seed: number): Atoms {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const cell = [[4 + rand(), 0.3 * rand(), 0.2 * rand()], [0.5 * rand(), 5 + rand(), 0.1 * rand()], [0.4 * rand(), 0.3 * rand(), 6 + rand()]];
  const zs = [29, 79, 13, 8, 1, 28];
  const n = 7;
  const numbers = Array.from({ length: n }, (_, i) => zs[i % zs.length]!);
  const a = new Atoms({ numbers, positions: new Float64Array(3 * n), cell, pbc: true, fixed: [1, 4] });
  a.setScaledPositions(Array.from({ length: 3 * n }, rand));
  return a;
}

const slab = (): Atoms => {
  const s = fcc111("Cu", [2, 2, 3], { vacuum: 7 });
  s.fixed = [0, 1, 2, 3];
  return s;
};

describe("POSCAR", () => {
  const text = `Cu O test
 1.0
  3.0 0.0 0.0
  0.0 3.0 0.0
  0.0 0.0 4.0
 Cu O
 1 2
Selective dynamics
Direct
  0.0 0.0 0.0 F F F
  0.5 0.5 0.25 T T T
  0.5 0.0 0.5 T F T
`;
  it("parses VASP 5 with selective dynamics and direct coordinates", () => {
    const a = parsePoscar(text, "POSCAR");
    expect(a.symbols).toEqual(["Cu", "O", "O"]);
    expect(a.getPositions()).toEqual([[0, 0, 0], [1.5, 1.5, 1], [1.5, 0, 2]]);
    expect(a.fixed).toEqual([0]);
    expect(a.info.selectiveDynamics).toEqual([[false, false, false], [true, true, true], [true, false, true]]);
    expect(a.pbc).toEqual([true, true, true]);
  });

  it("parses VASP 4 (species from the comment), scale factors and negative volumes, Cartesian", () => {
    const v4 = `Al\n 2.0\n 1 0 0\n 0 1 0\n 0 0 1\n 1\nCartesian\n 0.5 0.5 0.5\n`;
    const a = parsePoscar(v4);
    expect(a.symbols).toEqual(["Al"]);
    expect(a.getCell()).toEqual([[2, 0, 0], [0, 2, 0], [0, 0, 2]]);
    expect(a.getPositions()).toEqual([[1, 1, 1]]);
    const vol = parsePoscar(`x\n -27\n 1 0 0\n 0 1 0\n 0 0 1\n Cu\n 1\nDirect\n 0 0 0\n`);
    expect(vol.volume()).toBeCloseTo(27, 10);
    const three = parsePoscar(`x\n 1 2 3\n 1 0 0\n 0 1 0\n 0 0 1\n Cu\n 1\nCartesian\n 1 1 1\n`);
    expect(three.getCell()).toEqual([[1, 0, 0], [0, 2, 0], [0, 0, 3]]);
    expect(three.getPositions()).toEqual([[1, 2, 3]]);
  });

  it("round-trips exactly through formatPoscar (Cartesian and Direct)", () => {
    for (const a of [bulk("Cu"), slab(), randomTriclinic(3), bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64, cubic: true })]) {
      expectSameAtoms(parsePoscar(formatPoscar(a)), a, "cartesian", { tol: 1e-13, pbc: false });
      expectSameAtoms(parsePoscar(formatPoscar(a, { direct: true })), a, "direct", { tol: 1e-12, pbc: false });
    }
    expect(formatPoscar(bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64, cubic: true }))).toMatch(/Na Cl Na Cl Na Cl Na Cl/);
  });

  it("malformed files name the file, line and what was expected", () => {
    parseError(() => parsePoscar("", "POSCAR"), 1, /expected a POSCAR comment line/);
    parseError(() => parsePoscar(text.replace(" 1.0\n", " one\n"), "POSCAR"), 2, /expected the scale factor \(a number\), got "one"/);
    parseError(() => parsePoscar(text.replace("  0.0 3.0 0.0\n", "  0.0 3.0\n"), "POSCAR"), 4, /component 3 of lattice vector 2/);
    parseError(() => parsePoscar(text.replace(" 1 2\n", " 1 x\n"), "POSCAR"), 7, /atom count of O/);
    parseError(() => parsePoscar(text.replace(" 1 2\n", " 1\n"), "POSCAR"), 7, /expected 2 atom counts/);
    parseError(() => parsePoscar(text.replace("Direct\n", "Fractional\n"), "POSCAR"), 9, /expected 'Direct' or 'Cartesian'/);
    parseError(() => parsePoscar(text.replace("T T T\n", "T T\n"), "POSCAR"), 11, /three selective-dynamics flags/);
    parseError(() => parsePoscar(text.split("\n").slice(0, 11).join("\n"), "POSCAR"), 11, /expected coordinates of atom 3 of 3/);
    parseError(() => parsePoscar(text.replace(" Cu O\n", " Cu Qq\n"), "POSCAR"), 6, /element symbols/);
    expect(() => formatPoscar(molecule("N2"))).toThrow(/POSCAR needs a 3-D cell/);
  });
});

describe("extended XYZ", () => {
  const spec = `1
Lattice="0.0 1.805 1.805 1.805 0.0 1.805 1.805 1.805 0.0" Properties=species:S:1:pos:R:3:forces:R:3:energies:R:1 energy=-0.005681511358588409 stress="0.013619265229934093 0.0 0.0 0.0 0.013619265229934093 0.0 0.0 0.0 0.013619265229935172" free_energy=-0.005681511358588409 pbc="T T T" test=hello
Cu 0.0 0.0 0.0 0.0 0.0 0.0 -0.005681511358588409
`;
  it("parses SPEC's ASE example: cell, pbc, results (stress to Voigt), info", () => {
    const [a] = parseExtxyz(spec, "cu.xyz");
    expect(a!.getCell()).toEqual([[0, 1.805, 1.805], [1.805, 0, 1.805], [1.805, 1.805, 0]]);
    expect(a!.pbc).toEqual([true, true, true]);
    const r = a!.info.results as StructureResults;
    expect(r.energy).toBe(-0.005681511358588409);
    expect(r.stress).toEqual([0.013619265229934093, 0.013619265229934093, 0.013619265229935172, 0, 0, 0]);
    expect(r.forces).toEqual([[0, 0, 0]]);
    expect(a!.info.test).toBe("hello");
  });

  it("reads multiple frames, plain xyz, move_mask and round-trips exactly", () => {
    const frames = [slab(), molecule("H2O"), randomTriclinic(5)];
    frames[1]!.info.name = "water molecule";
    frames[1]!.info.step = 3;
    const back = parseExtxyz(formatExtxyz(frames));
    expect(back.length).toBe(3);
    back.forEach((b, i) => expectSameAtoms(b, frames[i]!, `frame ${i}`, { tol: 0 }));
    expect(back[0]!.info.tags).toEqual(frames[0]!.info.tags);
    expect(back[1]!.info.name).toBe("water molecule");
    expect(back[1]!.info.step).toBe(3);
    const plain = parseExtxyz("2\nwater dimer fragment\nO 0 0 0\nH 0 0 0.96\n");
    expect(plain[0]!.symbols).toEqual(["O", "H"]);
    expect(plain[0]!.pbc).toEqual([false, false, false]);
  });

  it("writes results as ASE does (3x3 stress, forces and energies columns)", () => {
    const a = bulk("Cu");
    const txt = formatExtxyz(a, { results: [{ energy: -0.1, forces: [[0, 0, 1]], energies: [-0.1], stress: [1, 2, 3, 4, 5, 6] }] });
    expect(txt).toMatch(/Properties=species:S:1:pos:R:3:forces:R:3:energies:R:1/);
    expect(txt).toMatch(/stress="1.0 6.0 5.0 6.0 2.0 4.0 5.0 4.0 3.0"/);
    const r = parseExtxyz(txt)[0]!.info.results as StructureResults;
    expect(r.stress).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("malformed files name the line and what was expected", () => {
    parseError(() => parseExtxyz("two\nx\n", "a.xyz"), 1, /number of atoms of a frame/);
    parseError(() => parseExtxyz("2\nProperties=species:S:1:pos:R:3\nCu 0 0 0\n", "a.xyz"), 4, /expected atom line 2 of 2, got an empty line/);
    parseError(() => parseExtxyz("2\nProperties=species:S:1:pos:R:3\nCu 0 0 0", "a.xyz"), 4, /expected atom line 2 of 2, got end of file/);
    parseError(() => parseExtxyz("1\nProperties=species:S:1:pos:R:3\nCu 0 0\n", "a.xyz"), 3, /expected 3 value\(s\) for pos/);
    parseError(() => parseExtxyz('1\nLattice="1 0 0 0 1 0" Properties=species:S:1:pos:R:3\nCu 0 0 0\n', "a.xyz"), 2, /Lattice must hold 9 numbers/);
    parseError(() => parseExtxyz("1\nProperties=species:S:1:pos:R:3\nQq 0 0 0\n", "a.xyz"), 3, /expected an element symbol, got "Qq"/);
    parseError(() => parseExtxyz('1\nLattice="1 0 0 0 1 0 0 0 1 Properties=species:S:1:pos:R:3\nCu 0 0 0\n', "a.xyz"), 2, /unterminated double quote/);
    parseError(() => parseExtxyz("1\nProperties=species:S:1:pos:R:3\nCu 0 0 x\n", "a.xyz"), 3, /coordinate 3 of atom 1/);
  });
});

describe("CIF", () => {
  const rutile = `data_rutile
_cell_length_a 4.594(1)
_cell_length_b 4.594
_cell_length_c 2.959
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 42/m n m'
loop_
_symmetry_equiv_pos_as_xyz
'x, y, z'
'-x, -y, z'
'-y+1/2, x+1/2, z+1/2'
'y+1/2, -x+1/2, z+1/2'
'-x+1/2, y+1/2, -z+1/2'
'x+1/2, -y+1/2, -z+1/2'
'y, x, -z'
'-y, -x, -z'
'-x, -y, -z'
'x, y, -z'
'y+1/2, -x+1/2, -z+1/2'
'-y+1/2, x+1/2, -z+1/2'
'x+1/2, -y+1/2, z+1/2'
'-x+1/2, y+1/2, z+1/2'
'-y, -x, z'
'y, x, z'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
Ti1 Ti 0 0 0 1.0
O1 O 0.3048 0.3048 0 1.0
`;
  it("expands symmetry operations (rutile: 2 sites -> Ti2O4)", () => {
    const a = parseCif(rutile, "rutile.cif");
    expect(a.length).toBe(6);
    expect(a.formula()).toBe("O4Ti2");
    expect(a.getCell()[0]![0]).toBe(4.594);
  });

  it("P1 round trip through formatCif keeps fractional coordinates and lattice parameters", () => {
    for (const a of [bulk("Cu", { cubic: true }), randomTriclinic(11), slab()]) {
      const b = parseCif(formatCif(a));
      expect(Array.from(b.numbers)).toEqual(Array.from(a.numbers));
      expect(maxDiff(b.cellParameters(), a.cellParameters())).toBeLessThan(1e-10);
      const fa = a.getScaledPositions(false).flat(), fb = b.getScaledPositions(false).flat();
      expect(maxDiff(fa, fb)).toBeLessThan(1e-10);
    }
  });

  it("malformed files name the line and what was expected", () => {
    parseError(() => parseCif("_cell_length_a 3\n", "x.cif"), 1, /expected a data_ block header/);
    parseError(() => parseCif(rutile.replace("_cell_length_c 2.959\n", ""), "x.cif"), 1, /missing _cell_length_c/);
    parseError(() => parseCif(rutile.replace("_cell_length_b 4.594", "_cell_length_b abc"), "x.cif"), 3, /expected _cell_length_b \(a number\), got "abc"/);
    parseError(() => parseCif(rutile.replace("'y, x, z'\n", "'y, x, q'\n"), "x.cif"), 26, /cannot parse "q"/);
    parseError(() => parseCif(rutile.replace("O1 O 0.3048 0.3048 0 1.0", "O1 O 0.3048 0.3048 0 0.5"), "x.cif"), 35, /partially occupied/);
    parseError(() => parseCif(rutile.replace("O1 O 0.3048 0.3048 0 1.0", "O1 O 0.3048 0.3048 0"), "x.cif"), 35, /not a multiple of its 6 columns/);
    const noOps = rutile.replace(/loop_\n_symmetry_equiv_pos_as_xyz\n('[^\n]*'\n)+/, "");
    parseError(() => parseCif(noOps, "x.cif"), 8, /space group P42\/mnm is given without its symmetry operations/);
    parseError(() => parseCif("data_x\n_cell_length_a 'abc\n", "x.cif"), 2, /unterminated '-quoted string/);
    expect(() => formatCif(molecule("N2"))).toThrow(/CIF needs a 3-D cell/);
  });
});

describe("ASE JSON", () => {
  it("encodeAseAtoms equals SPEC's jsonio example for bulk('Cu')", () => {
    expect(encodeAseAtoms(bulk("Cu"))).toEqual({
      numbers: { __ndarray__: [[1], "int64", [29]] },
      positions: { __ndarray__: [[1, 3], "float64", [0, 0, 0]] },
      cell: { __ndarray__: [[3, 3], "float64", [0, 1.805, 1.805, 1.805, 0, 1.805, 1.805, 1.805, 0]] },
      pbc: { __ndarray__: [[3], "bool", [true, true, true]] },
      __ase_objtype__: "atoms",
    });
  });
  it("database JSON round-trips exactly, with constraints and results; an encoded atoms object parses too", () => {
    const a = slab();
    a.info.results = { energy: 1.5, forces: a.getPositions().map(() => [0, 0, 0.1]) };
    const [b] = parseAseJson(formatAseJson(a));
    expectSameAtoms(b!, a, "json", { tol: 0 });
    expect((b!.info.results as StructureResults).energy).toBe(1.5);
    const [c] = parseAseJson(JSON.stringify(encodeAseAtoms(a)));
    expectSameAtoms(c!, a, "jsonio", { tol: 0 });
  });
  it("invalid JSON names the line", () => {
    parseError(() => parseAseJson('{\n"1": {\n"numbers": [29],,\n}', "a.json"), 3, /invalid JSON/);
    parseError(() => parseAseJson("[1, 2]", "a.json"), 1, /expected a JSON object/);
    parseError(() => parseAseJson('{"ids": []}', "a.json"), 1, /no structures/);
  });
});

describe("readStructure / writeStructure", () => {
  it("detects formats from names and content", () => {
    expect(detectFormat("POSCAR")).toBe("vasp");
    expect(detectFormat("run/CONTCAR")).toBe("vasp");
    expect(detectFormat("Cu.vasp")).toBe("vasp");
    expect(detectFormat("traj.extxyz")).toBe("extxyz");
    expect(detectFormat("a.xyz")).toBe("extxyz");
    expect(detectFormat("Cu.cif")).toBe("cif");
    expect(detectFormat("Cu.json")).toBe("json");
    expect(detectFormat("structure", formatCif(bulk("Cu")))).toBe("cif");
    expect(detectFormat("structure", formatPoscar(bulk("Cu")))).toBe("vasp");
    expect(detectFormat("structure", formatExtxyz(bulk("Cu")))).toBe("extxyz");
    expect(detectFormat("structure", formatAseJson(bulk("Cu")))).toBe("json");
    expect(detectFormat("structure", "hello")).toBeUndefined();
  });

  it("writes files 0600 and reads them back (last frame by default, or by index)", () => {
    const frames = [bulk("Cu"), bulk("Al"), bulk("Au")];
    const p = join(dir, "frames.extxyz");
    writeStructure(p, frames);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readStructure(p).symbols).toEqual(["Au"]);
    expect(readStructure(p, undefined, { index: 0 }).symbols).toEqual(["Cu"]);
    expect(readFrames(p).length).toBe(3);
    const q = join(dir, "structure-without-extension");
    writeFileSync(q, formatPoscar(slab()));
    expectSameAtoms(readStructure(q), slab(), "detected POSCAR", { tol: 1e-13, pbc: false });
  });

  it("clear errors for unknown formats, missing files and impossible writes", () => {
    expect(() => readStructure(join(dir, "nope.cif"))).toThrow(/cannot read the file \(ENOENT\)/);
    expect(() => writeStructure(join(dir, "x.pdb"), bulk("Cu"))).toThrow(/cannot tell the file format/);
    expect(() => writeStructure(join(dir, "x"), bulk("Cu"), "pdb")).toThrow(/unknown structure format "pdb"/);
    expect(() => writeStructure(join(dir, "POSCAR"), [bulk("Cu"), bulk("Al")])).toThrow(/POSCAR holds one structure, got 2/);
    writeFileSync(join(dir, "bad"), "hello\n");
    expect(() => readStructure(join(dir, "bad"))).toThrow(/cannot tell the file format/);
    expect(() => readStructure(join(dir, "frames.extxyz"), undefined, { index: 7 })).toThrow(/frame 7 does not exist/);
  });
});

describe.runIf(runOracle)("round trips through ASE 3.22.1 (oracle)", () => {
  const structures: [string, () => Atoms, boolean][] = [
    ["bulk Cu", () => bulk("Cu"), true],
    ["cubic NaCl", () => bulk("NaCl", { crystalstructure: "rocksalt", a: 5.64, cubic: true }), true],
    ["fcc111 slab with fixed atoms", slab, true],
    [`random triclinic alloy (LW_TEST_SEED=${seed})`, () => randomTriclinic(seed), true],
    [`random triclinic alloy (LW_TEST_SEED=${seed + 1})`, () => randomTriclinic(seed + 1), true],
    ["N2 molecule", () => molecule("N2"), false],
  ];
  const formats: { fmt: string; ext: string; aseFmt: string; periodicOnly: boolean; constraints: boolean }[] = [
    { fmt: "vasp", ext: "vasp", aseFmt: "vasp", periodicOnly: true, constraints: true },
    { fmt: "extxyz", ext: "xyz", aseFmt: "extxyz", periodicOnly: false, constraints: true },
    { fmt: "cif", ext: "cif", aseFmt: "cif", periodicOnly: true, constraints: false },
    { fmt: "json", ext: "json", aseFmt: "json", periodicOnly: false, constraints: true },
  ];

  it("files we write are read by ASE as the same structure", async () => {
    const tasks: unknown[] = [];
    const expected: { what: string; atoms: Atoms; f: (typeof formats)[number] }[] = [];
    structures.forEach(([name, make, periodic], i) => {
      for (const f of formats) {
        if (f.periodicOnly && !periodic) continue;
        const atoms = make();
        const path = join(dir, `ours-${i}.${f.ext}`);
        writeStructure(path, atoms);
        tasks.push({ kind: "read", path, format: f.aseFmt });
        expected.push({ what: `${name} as ${f.fmt}`, atoms, f });
      }
    });
    const res = await runPyOracle<OracleAtoms>("io_oracle.py", tasks);
    expected.forEach(({ what, atoms, f }, k) => {
      const r = res[k]!;
      expect(r.error, what).toBeUndefined();
      const ase = new Atoms({ numbers: r.numbers, positions: r.positions, cell: r.cell, pbc: r.pbc as [boolean, boolean, boolean], fixed: r.fixed });
      if (f.fmt === "cif") {
        // CIF holds lattice parameters: ASE rebuilds its standard orientation, so compare parameters and fractional coordinates
        expect(Array.from(ase.numbers), what).toEqual(Array.from(atoms.numbers));
        expect(maxDiff(ase.cellParameters(), atoms.cellParameters()), what).toBeLessThan(1e-6);
        // ASE wraps CIF sites into the cell: compare fractional coordinates modulo 1
        const d = ase.getScaledPositions(false).flat().map((x, q) => { const y = x - atoms.getScaledPositions(false).flat()[q]!; return Math.abs(y - Math.round(y)); });
        expect(Math.max(...d), what).toBeLessThan(1e-6);
      } else {
        expectSameAtoms(ase, atoms, what, { fixed: f.constraints, pbc: f.fmt !== "vasp" });
      }
    });
  });

  it("surface tags travel as ASE per-atom tags through extxyz and json, both ways", async () => {
    const s = fcc111("Cu", [2, 2, 3], { vacuum: 6 });
    const tasks: unknown[] = [];
    for (const ext of ["xyz", "json"]) {
      const ours = join(dir, `tags-ours.${ext}`);
      writeStructure(ours, s);
      tasks.push({ kind: "read", path: ours, format: ext === "xyz" ? "extxyz" : "json" });
      tasks.push({ kind: "write", path: join(dir, `tags-ase.${ext}`), format: ext === "xyz" ? "extxyz" : "json", atoms: toOracle(s), results: null });
    }
    tasks.push({ kind: "build", expr: "fcc111('Cu', (2,2,3), vacuum=6)" });
    const res = await runPyOracle<OracleAtoms>("io_oracle.py", tasks);
    expect(res[0]!.tags).toEqual(s.info.tags);
    expect(res[2]!.tags).toEqual(s.info.tags);
    expect(res[4]!.tags).toEqual(s.info.tags);
    expect(readStructure(join(dir, "tags-ase.xyz")).info.tags).toEqual(s.info.tags);
    expect(readStructure(join(dir, "tags-ase.json")).info.tags).toEqual(s.info.tags);
  });

  it("files ASE writes are read by us as the same structure (with results for extxyz and json)", async () => {
    const tasks: unknown[] = [];
    const expected: { what: string; atoms: Atoms; f: (typeof formats)[number]; path: string; results?: StructureResults }[] = [];
    structures.forEach(([name, make, periodic], i) => {
      for (const f of formats) {
        if (f.periodicOnly && !periodic) continue;
        const atoms = make();
        const path = join(dir, `ase-${i}.${f.ext}`);
        const results: StructureResults | undefined = f.fmt === "extxyz" || f.fmt === "json"
          ? { energy: -1.25 - i, forces: atoms.getPositions().map((p, k) => [0.1 * k, -p[0]! / 10, 0.5]), ...(periodic ? { stress: [0.1, 0.2, 0.3, 0.01, 0.02, 0.03] } : {}) }
          : undefined;
        tasks.push({ kind: "write", path, format: f.aseFmt, atoms: toOracle(atoms), results: results ?? null });
        expected.push({ what: `${name} as ${f.fmt}`, atoms, f, path, ...(results ? { results } : {}) });
      }
    });
    const res = await runPyOracle<{ ok?: boolean; error?: string }>("io_oracle.py", tasks);
    expected.forEach(({ what, atoms, f, path, results }, k) => {
      expect(res[k]!.error, what).toBeUndefined();
      const ours = readStructure(path);
      if (f.fmt === "cif") {
        // ASE 3.22.1 writes CIF coordinates with 5 decimals and lattice parameters with 5 decimals
        expect(Array.from(ours.numbers), what).toEqual(Array.from(atoms.numbers));
        expect(maxDiff(ours.cellParameters(), atoms.cellParameters()), what).toBeLessThan(1e-4);
        const fa = atoms.getScaledPositions(true).flat(), fo = ours.getScaledPositions(true).flat();
        expect(maxDiff(fa.map((x) => (x > 1 - 5e-6 ? 0 : x)), fo.map((x) => (x > 1 - 5e-6 ? 0 : x))), what).toBeLessThan(1e-5);
      } else if (f.fmt === "extxyz") {
        // ASE writes extxyz positions with 8 decimals
        expectSameAtoms(ours, atoms, what, { tol: 1e-7, fixed: false });
      } else {
        expectSameAtoms(ours, atoms, what, { fixed: f.constraints, pbc: f.fmt !== "vasp" });
      }
      if (results) {
        const r = ours.info.results as StructureResults;
        expect(r.energy, what).toBeCloseTo(results.energy!, 10);
        expect(maxDiff(r.forces!.flat(), results.forces!.flat()), what).toBeLessThan(1e-7);
        if (results.stress) expect(maxDiff(r.stress!, results.stress), what).toBeLessThan(1e-10);
      }
    });
  });

  it("ASE reads our extxyz move_mask as FixAtoms and our CIF with symmetry the way we do", async () => {
    const p = join(dir, "fixed.extxyz");
    writeStructure(p, slab());
    const q = join(dir, "rutile.cif");
    writeFileSync(q, readFileSync(new URL(import.meta.url), "utf8").split("const rutile = `")[1]!.split("`;")[0]!);
    const [r1, r2] = await runPyOracle<OracleAtoms>("io_oracle.py", [{ kind: "read", path: p, format: "extxyz" }, { kind: "read", path: q, format: "cif" }]);
    expect(r1!.fixed).toEqual([0, 1, 2, 3]);
    const ours = readStructure(q);
    expect(ours.length).toBe(r2!.numbers.length);
    // same set of sites (ASE orders them differently)
    const key = (a: number[][], z: number[]): string[] => a.map((p, i) => `${z[i]}:${p.map((x) => (Math.abs(x) < 5e-7 ? 0 : x).toFixed(6)).join(",")}`).sort();
    expect(key(ours.getPositions(), Array.from(ours.numbers))).toEqual(key(r2!.positions, r2!.numbers));
  });
});
