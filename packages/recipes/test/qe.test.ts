import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Atoms } from "../src/atoms/atoms.js";
import { bulk } from "../src/build/bulk.js";
import { parsePwOutput, pwInput, resolvePseudopotentials, Rydberg } from "../src/engines/index.js";
import { requireOracle } from "./oracle/oracle.js";
import { maxAbsDiff, py, requireProgram, runEngineJob } from "./engines-helpers.js";

function rattledSi(): Atoms {
  const si = bulk("Si", { a: 5.43 });
  const p = si.positions.slice();
  p[3] = p[3]! + 0.05;
  p[5] = p[5]! - 0.03;
  si.setPositions(p);
  return si;
}

const params = { ecutwfc: 18, kpts: [2, 2, 2] as [number, number, number], smearing: null };

describe("pw.x input and output (pure)", () => {
  it("writes an ibrav=0 input with species, cell, positions and k-points", () => {
    const si = rattledSi();
    si.fixed = [0];
    const text = pwInput(si, {
      calculation: "relax",
      ecutwfc: 18,
      kpts: [4, 4, 4],
      kptShift: [0, 0, 0],
      smearing: { kind: "mv", degauss: 0.02 },
      convThr: 1e-8,
      mixingBeta: 0.7,
      pseudoDir: "/usr/share/espresso/pseudo",
      pseudopotentials: { Si: "Si.pz-vbc.UPF" },
      fmax: 0.01,
      nstep: 50,
    });
    expect(text).toMatch(/calculation = 'relax'/);
    expect(text).toMatch(/ibrav = 0\n  nat = 2\n  ntyp = 1\n  ecutwfc = 18/);
    expect(text).toMatch(/occupations = 'smearing'\n  smearing = 'mv'\n  degauss = 0.02/);
    expect(text).toMatch(/ATOMIC_SPECIES\nSi 28\.085\d* Si\.pz-vbc\.UPF/);
    expect(text).toMatch(/&IONS\n\//);
    expect(text).toMatch(/ATOMIC_POSITIONS angstrom\nSi 0\.0+ 0\.0+ 0\.0+ 0 0 0\n/);
    expect(text).toMatch(/K_POINTS automatic\n4 4 4 0 0 0\n$/);
    // forc_conv_thr is in Ry/Bohr
    expect(text).toMatch(/forc_conv_thr = 0\.000388/);
  });

  it("needs a 3-D cell", () => {
    expect(() => pwInput(new Atoms({ numbers: [1, 1], positions: [[0, 0, 0], [0, 0, 0.74]] }), {} as never)).toThrow(/\[qe\] pw.x needs a 3-D cell/);
  });

  it("finds pseudopotentials, and names the element and directories when one is missing", () => {
    expect(resolvePseudopotentials(["Si"], { pseudopotentials: {} })).toEqual({ dir: "/usr/share/espresso/pseudo", files: { Si: "Si.pz-vbc.UPF" } });
    expect(() => resolvePseudopotentials(["Si"], { pseudopotentials: {}, pseudoDirs: ["/tmp/none-here"] })).toThrow(/\[qe\] No pseudopotential for Si: no Si\.\*\.UPF \/ Si_\*\.UPF in \/tmp\/none-here/);
    expect(() => resolvePseudopotentials(["Si"], { pseudopotentials: { Si: "Si.missing.UPF" } })).toThrow(/Pseudopotential for Si file "Si.missing.UPF" not found; looked at: \/usr\/share\/espresso\/pseudo\/Si.missing.UPF/);
  });

  it("output without a total energy is a PARSE_ERROR quoting the tail", () => {
    expect(() => parsePwOutput("Program PWSCF v.6.7 starts\n  something odd\n", 2)).toThrow(/No "! total energy" in the pw.x output. Last lines:\n[\s\S]*something odd/);
  });
});

const havePw = requireProgram("pw.x", "qe", "bash testbed/install.sh (apt-get install quantum-espresso quantum-espresso-data)");
const haveAse = havePw && requireOracle("qe");

describe.skipIf(!havePw)("qe.static / qe.relax with a real pw.x", () => {
  it.skipIf(!haveAse)("Si scf on 2 MPI ranks: energy, forces and stress match ASE's espresso-out reader", { timeout: 240_000 }, async () => {
    const si = rattledSi();
    const r = await runEngineJob("qe", "qe.static", { atoms: si.toJSON(), ...params }, { ranks: 2 });
    expect(r.outcome.state, JSON.stringify(r.outcome).slice(0, 2000)).toBe("completed");
    const out = readFileSync(join(r.workdir, "pw.out"), "utf8");
    expect(out).toMatch(/running on\s+2 processors/);
    const ase = py<{ energy: number; forces: number[][]; stress: number[] }>(
      `import json
from ase.io import read
a=read('${join(r.workdir, "pw.out")}',format='espresso-out')
print(json.dumps({'energy':a.get_potential_energy(),'forces':a.get_forces().tolist(),'stress':a.get_stress().tolist()}))`,
    );
    expect(r.output.results.energy).toBeCloseTo(ase.energy, 8);
    expect(maxAbsDiff(r.output.results.forces.flat(), ase.forces.flat())).toBeLessThan(1e-8);
    expect(maxAbsDiff(r.output.results.stress!, ase.stress)).toBeLessThan(1e-9);
    // a rattled Si has forces; Newton's third law holds for 2 atoms
    expect(Math.abs(r.output.results.forces[1]![0])).toBeGreaterThan(0.01);
    expect(r.output.results.forces[0]![0] + r.output.results.forces[1]![0]).toBeCloseTo(0, 4);
    expect(r.output.results.energy / Rydberg).toBeLessThan(-15); // about -15.8 Ry for Si2 (pz-vbc)
  });

  it("qe.relax relaxes rattled Si back towards the diamond positions", { timeout: 300_000 }, async () => {
    const r = await runEngineJob("qe", "qe.relax", { atoms: rattledSi().toJSON(), ...params, fmax: 0.02 }, { ranks: 2 });
    expect(r.outcome.state, JSON.stringify(r.outcome).slice(0, 2000)).toBe("completed");
    expect(r.output.converged).toBe(true);
    expect(Math.max(...r.output.results.forces.map((f) => Math.hypot(...f)))).toBeLessThan(0.02);
    expect(r.output.trajectory!.energies.at(-1)!).toBeLessThan(r.output.trajectory!.energies[0]!);
    const p = r.output.atoms.positions;
    const d = [p[1]![0] - p[0]![0], p[1]![1] - p[0]![1], p[1]![2] - p[0]![2]];
    expect(Math.hypot(...d)).toBeCloseTo((5.43 * Math.sqrt(3)) / 4, 1);
  });

  it("a program with no parsable output fails with the tail of its output", { timeout: 60_000 }, async () => {
    const r = await runEngineJob("qe", "qe.static", { atoms: rattledSi().toJSON(), ...params, pwx: "/bin/true" });
    expect(r.outcome.state).toBe("failed");
    if (r.outcome.state !== "completed") expect(r.outcome.error.message).toMatch(/No "! total energy" in the pw.x output/);
  });
});
