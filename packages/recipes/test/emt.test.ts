import { describe, expect, it } from "vitest";
import { Atoms } from "../src/atoms/atoms.js";
import { EMT } from "../src/calculators/emt.js";
import { emtCutoff, emtGammas, emtParameters } from "../src/calculators/emt-parameters.js";
import { fastExp, fastExpUnchecked } from "../src/calculators/fast-exp.js";
import { EmtScratch, emtKernel, type EmtTables } from "../src/calculators/emt-kernel.js";
import { buildNeighborList } from "../src/neighbor/neighbor-list.js";
import { LatticeworkError } from "@latticework/core";
import { fccCubic, fccPrimitive, prng, quaccTestCell, randomStructure, rattledCu32, RUN_SEED } from "./oracle/structures.js";

const close = (a: number, b: number, tol: number): void => {
  expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThanOrEqual(tol);
};

describe("EMT parameters (SPEC 1.2, 1.3)", () => {
  it("reproduces the cut-off table", () => {
    const d = emtCutoff(["Cu"], false);
    close(d.rc, 5.376798323827276, 1e-13);
    close(d.rList, 5.876798323827276, 1e-13);
    close(d.acut, 23.858454772693438, 1e-11);
    const s = emtCutoff(["Cu"], true);
    close(s.rc, 4.769452333760408, 1e-13);
    close(s.rList, 4.984077688779626, 1e-13);
    close(s.acut, 26.896610062100095, 1e-11);
  });
  it("reproduces gamma1/gamma2", () => {
    const cut = emtCutoff(["Cu"], false);
    const g = emtGammas(emtParameters("Cu")!, cut);
    close(g.gamma1, 1.0241586143594834, 1e-14);
    close(g.gamma2, 1.0335943498160205, 1e-14);
    const h = emtGammas(emtParameters("H")!, cut);
    close(h.gamma1, 1.0571075622321386, 1e-14);
    close(h.gamma2, 1.2477588283361014, 1e-14);
    const ga = emtGammas(emtParameters("Cu")!, emtCutoff(["Cu"], true));
    close(ga.gamma1, 1.0241580332818299, 1e-14);
    close(ga.gamma2, 1.0335934054310347, 1e-14);
  });
});

describe("EMT reference numbers (SPEC 2.1)", () => {
  it("bulk metals, energy and stress", () => {
    const cases: [string, number, number, number][] = [
      ["Cu", 3.61, -0.005681511358588409, 0.013619265229934093],
      ["Al", 4.05, -0.001502047586230404, 0.009742192541676704],
      ["Au", 4.08, 0.002606351182310007, 0.018190318952434045],
      ["Pt", 3.92, -0.00012460841212913465, -0.0024027464616639344],
      ["Ni", 3.52, -0.008751800672872179, 0.029484921460506745],
      ["Ag", 4.09, 0.0015843277481568663, 0.011618873612060624],
      ["Pd", 3.89, 0.0003422625372841992, 0.009528286922935053],
    ];
    for (const [el, a, e, s] of cases) {
      const r = new EMT().calculate(fccPrimitive(el, a));
      close(r.energy, e, 1e-9);
      for (let k = 0; k < 3; k++) close(r.stress![k]!, s, 1e-10);
      for (let k = 3; k < 6; k++) close(r.stress![k]!, 0, 1e-12);
      close(r.forces[0]!, 0, 1e-12);
    }
  });
  it("asap mode on bulk Cu", () => {
    const r = new EMT({ asapCutoff: true }).calculate(fccPrimitive("Cu", 3.61));
    close(r.energy, -0.0006011628239335209, 1e-9);
    close(r.stress![0]!, 0.01169831202666017, 1e-10);
  });
  it("cubic Cu a=3.6 and Cu3Au", () => {
    const r = new EMT().calculate(fccCubic("Cu", 3.6));
    close(r.energy, -0.026755074743263663, 1e-9);
    close(r.stress![2]!, 0.007000141271406214, 1e-10);
    const l12 = fccCubic("Cu", 3.75);
    l12.numbers[0] = 79;
    const q = new EMT().calculate(l12);
    close(q.energy, -0.036385949894803815, 1e-9);
    close(q.stress![1]!, 0.028502313338098564, 1e-10);
  });
  it("N2, single atom and Cu dimer (no cell: no stress)", () => {
    const n2 = new EMT().calculate(Atoms.fromSymbols("N2", [[0, 0, 0.56499], [0, 0, -0.56499]]));
    close(n2.energy, 0.5487647766267816, 1e-9);
    close(n2.forces[2]!, -3.964834997415598, 1e-9);
    close(n2.forces[5]!, 3.964834997415598, 1e-9);
    expect(n2.stress).toBeUndefined();
    expect(new EMT().calculate(Atoms.fromSymbols("Cu", [[0, 0, 0]])).energy).toBe(3.51);
    const d = new EMT().calculate(Atoms.fromSymbols("Cu2", [[0, 0, 0], [0, 0, 2.5]]));
    close(d.energy, 3.761410143545731, 1e-9);
    close(Math.abs(d.forces[2]!), 2.737873647141341, 1e-9);
  });
  it("quacc test cell: energy, forces, per-atom energies, stress, both modes", () => {
    const r = new EMT().calculate(quaccTestCell());
    close(r.energy, 0.07001766638245854, 1e-9);
    const f0 = [-0.7965672724923769, -0.7965672724923771, -0.7965672724923702];
    const f3 = [-0.012725488056689238, -0.008256207726181694, -0.008256207726180537];
    for (let k = 0; k < 3; k++) { close(r.forces[k]!, f0[k]!, 1e-9); close(r.forces[9 + k]!, f3[k]!, 1e-9); }
    const e = [0.05209781348302833, 0.014855434139954937, 0.014855434139956714, -0.006427315101035447, 0.014855434139963819, -0.0064273151010389995, -0.006427315101035447, -0.007364504217667545];
    e.forEach((v, i) => close(r.energies[i]!, v, 1e-9));
    close(r.stress![0]!, 0.00857305905190336, 1e-10);
    close(r.stress![3]!, -0.0020335441659691286, 1e-10);
    const s = new EMT({ asapCutoff: true }).calculate(quaccTestCell());
    close(s.energy, 0.11074520235398744, 1e-9);
    close(s.stress![0]!, 0.006677847123655126, 1e-10);
  });
  it("rattled Cu32 (SPEC 2.2)", () => {
    const r = new EMT().calculate(rattledCu32());
    close(r.energy, 0.5695115538005542, 1e-9);
    close(r.forces[24 * 3 + 2]!, 1.154428567130115, 1e-9);
    close(r.forces[0]!, -0.19557637872842865, 1e-9);
    const s = [0.006322843462683884, 0.005436985363521764, 0.004985849270587935, 0.00130581756574573, 0.0005414143822253866, 0.000515812248753463];
    s.forEach((v, k) => close(r.stress![k]!, v, 1e-10));
  });
});

describe("EMT consistency", () => {
  const rand = prng(RUN_SEED);
  it(`forces and stress are the derivatives of the energy (seed ${RUN_SEED})`, () => {
    for (const kind of ["alloy", "slab", "thin", "skewed", "light", "cluster"] as const) {
      const atoms = randomStructure(kind, rand);
      for (const asapCutoff of [false, true]) {
        const calc = new EMT({ asapCutoff });
        const r = calc.calculate(atoms);
        const h = 1e-5;
        for (const idx of [0, atoms.length - 1]) {
          for (let k = 0; k < 3; k++) {
            const p = atoms.clone(); p.positions[3 * idx + k]! += h;
            const m = atoms.clone(); m.positions[3 * idx + k]! -= h;
            const fd = -(new EMT({ asapCutoff }).calculate(p).energy - new EMT({ asapCutoff }).calculate(m).energy) / (2 * h);
            close(r.forces[3 * idx + k]!, fd, 2e-6 * Math.max(1, Math.abs(fd)));
          }
        }
        if (r.stress && atoms.pbc.every(Boolean)) {
          // sigma_xy = (1/V) dE/d(eps_xy) with a symmetric strain
          const strained = (eps: number): number => {
            const s = atoms.clone();
            const def = [1, eps / 2, 0, eps / 2, 1, 0, 0, 0, 1];
            const apply = (v: Float64Array): void => {
              for (let o = 0; o < v.length; o += 3) {
                const x = v[o]!, y = v[o + 1]!, z = v[o + 2]!;
                v[o] = def[0]! * x + def[1]! * y + def[2]! * z;
                v[o + 1] = def[3]! * x + def[4]! * y + def[5]! * z;
                v[o + 2] = def[6]! * x + def[7]! * y + def[8]! * z;
              }
            };
            apply(s.positions); apply(s.cell);
            return new EMT({ asapCutoff }).calculate(s).energy;
          };
          const fd = (strained(1e-5) - strained(-1e-5)) / (2e-5) / atoms.volume();
          close(r.stress[5]!, fd, 1e-7);
        }
        const sum = r.energies.reduce((a, b) => a + b, 0);
        close(sum, r.energy, 1e-10);
      }
    }
  });
  it("is invariant to wrapping atoms into the cell", () => {
    const a = rattledCu32();
    const e1 = new EMT().calculate(a).energy;
    const b = a.clone(); b.wrap();
    close(new EMT().calculate(b).energy, e1, 1e-11);
  });
  it("caches results per geometry and recomputes on any change", () => {
    const calc = new EMT();
    const a = rattledCu32();
    const r1 = calc.calculate(a);
    expect(calc.calculate(a)).toBe(r1);
    expect(calc.calls).toBe(1);
    a.positions[5]! += 1e-3;
    expect(calc.calculate(a)).not.toBe(r1);
    a.cell[0]! += 1e-3;
    calc.calculate(a);
    a.pbc = [true, true, false];
    calc.calculate(a);
    a.numbers[0] = 79;
    calc.calculate(a);
    expect(calc.calls).toBe(5);
  });
});

describe("EMT buffers and kernels", () => {
  const rand = prng(RUN_SEED + 1);
  it("releasing the shared buffers changes nothing but memory", () => {
    const a = rattledCu32();
    const r1 = new EMT().calculate(a);
    EMT.releaseSharedBuffers();
    const r2 = new EMT().calculate(a);
    expect(r2.energy).toBe(r1.energy);
    expect(Array.from(r2.forces)).toEqual(Array.from(r1.forces));
  });
  it(`one calculator reused across sizes, element sets and modes equals fresh calculators (seed ${RUN_SEED})`, () => {
    for (const asapCutoff of [false, true]) {
      const shared = new EMT({ asapCutoff });
      const systems = [
        fccCubic("Cu", 3.61).repeat([3, 3, 3]),
        rattledCu32(),
        randomStructure("alloy", rand),
        fccCubic("Au", 4.08),
        randomStructure("slab", rand),
        Atoms.fromSymbols("Cu", [[0, 0, 0]]),
        fccCubic("Cu", 3.61).repeat([3, 3, 3]),
        randomStructure("cluster", rand),
      ];
      for (const atoms of systems) {
        const a = shared.calculate(atoms), b = new EMT({ asapCutoff }).calculate(atoms);
        expect(a.energy).toBe(b.energy);
        expect(Array.from(a.forces)).toEqual(Array.from(b.forces));
        expect(Array.from(a.energies)).toEqual(Array.from(b.energies));
        expect(a.stress && Array.from(a.stress)).toEqual(b.stress && Array.from(b.stress));
      }
    }
  });
  it("the single-element pass and the mixed pass agree on a pure system", () => {
    const atoms = rattledCu32();
    const calc = new EMT();
    const ref = calc.calculate(atoms);
    const { tables, typeOfZ } = (calc as unknown as { setup: { tables: EmtTables; typeOfZ: Int32Array } }).setup;
    const type = new Int32Array(atoms.length).fill(typeOfZ[29]!);
    const nl = buildNeighborList(atoms.positions, atoms.cell, atoms.pbc, emtCutoff(["Cu"], false).rList);
    for (const single of [true, false]) {
      const e = new Float64Array(atoms.length), f = new Float64Array(3 * atoms.length);
      const w = emtKernel(tables, type, atoms.length, single, nl, new EmtScratch(), e, f);
      for (let a = 0; a < atoms.length; a++) close(e[a]!, ref.energies[a]!, 1e-13);
      for (let k = 0; k < f.length; k++) close(f[k]!, ref.forces[k]!, 1e-13);
      for (let k = 0; k < 6; k++) close(w[k]! / atoms.volume(), ref.stress![k]!, 1e-15);
    }
  });
});

describe("fastExp", () => {
  it("agrees with Math.exp to a few ulp over the whole range", () => {
    const rand = prng(RUN_SEED);
    let worst = 0;
    for (let k = 0; k < 200_000; k++) {
      const x = (rand() - 0.5) * 1400;
      worst = Math.max(worst, Math.abs(fastExp(x) - Math.exp(x)) / Math.exp(x));
    }
    expect(worst).toBeLessThan(1e-15);
    expect(fastExp(0)).toBe(1);
    for (let k = 0; k < 20_000; k++) {
      const x = (rand() - 0.5) * 1399;
      expect(fastExpUnchecked(x)).toBe(fastExp(x));
    }
    expect(fastExp(-800)).toBe(0);
    expect(fastExp(800)).toBe(Infinity);
    expect(fastExp(Number.NaN)).toBeNaN();
  });
});

describe("EMT errors", () => {
  it("names unsupported elements and lists the supported ones", () => {
    const fe = Atoms.fromSymbols("FeCuSi", [[0, 0, 0], [2, 0, 0], [0, 2, 0]]);
    let err: unknown;
    try { new EMT().calculate(fe); } catch (e) { err = e; }
    expect(LatticeworkError.is(err, "INPUT_INVALID")).toBe(true);
    expect((err as Error).message).toMatch(/No EMT-potential for Si, Fe/);
    expect((err as Error).message).toMatch(/Al, Cu, Ag, Au, Ni, Pd, Pt, H, C, N, O/);
  });
  it("rejects unknown options, naming them", () => {
    expect(() => new EMT({ asap: true } as never)).toThrow(/\[emt\] invalid options[\s\S]*asap/);
  });
  it("rejects a periodic axis with a zero cell vector", () => {
    const a = Atoms.fromSymbols("Cu", [[0, 0, 0]], { pbc: true });
    expect(() => new EMT().calculate(a)).toThrow(/periodic but cell vector 0 is zero/);
  });
  it("handles empty atoms", () => {
    expect(new EMT().calculate(new Atoms({ numbers: [] })).energy).toBe(0);
  });
});
