import { describe, expect, it } from "vitest";
import { createRuntime, inProcessExecutor, MemoryRunStore } from "@latticework/core";
import { bulk } from "../src/build/bulk.js";
import { bulkToSlabs, slabTable, type BulkToSlabsOutput } from "../src/flows/slabs.js";
import { fit as eosFit, type EosOutput } from "../src/flows/eos.js";

function runtime() {
  return createRuntime({ store: new MemoryRunStore(), executors: { local: inProcessExecutor() } });
}

// SPEC 4.6: EMT BFGS relaxations of quacc's max_index=1 Cu slabs (pymatgen geometries), fmax 0.01.
const SPEC_SLABS: Record<number, { energy: number; gamma: number }[]> = {
  64: [{ energy: 10.89424239094498, gamma: 0.07635481 }],
  80: [
    { energy: 11.206300186980208, gamma: 0.06457496 },
    { energy: 12.748511024732682, gamma: 0.07636651 },
  ],
  96: [{ energy: 14.134420633352597, gamma: 0.07040234 }],
};

describe("slabs.bulkToSlabs", () => {
  it("bulk Cu, maxIndex 1: 4 slabs [64, 80, 80, 96], energies and surface energies as ASE + pymatgen", async () => {
    const rt = runtime();
    const events: string[] = [];
    rt.events.on((e) => {
      if (e.type === "task.ended") events.push(e.job);
    });
    const res = await rt.run(bulkToSlabs, { atoms: bulk("Cu").toJSON() });
    await rt.close();
    expect(res.state).toBe("completed");
    const out = res.output as BulkToSlabsOutput;
    expect(out.slabs.map((s) => s.natoms).sort((a, b) => a - b)).toEqual([64, 80, 80, 96]);
    expect(Math.abs(out.bulk.energyPerAtom - -0.005681511358588409)).toBeLessThan(1e-12);
    for (const s of out.slabs) {
      const refs = SPEC_SLABS[s.natoms]!;
      const ref = refs.reduce((best, r) => (Math.abs(r.energy - s.energy) < Math.abs(best.energy - s.energy) ? r : best));
      expect(Math.abs(s.energy - ref.energy)).toBeLessThan(1e-5);
      expect(Math.abs(s.surfaceEnergy - ref.gamma)).toBeLessThan(1e-6);
      expect(s.converged).toBe(true);
      expect(s.result.name).toBe("EMT Static");
    }
    // 1 bulk static + 4 relax + 4 static, each its own job
    expect(events.filter((j) => j === "emt.relax")).toHaveLength(4);
    expect(events.filter((j) => j === "emt.static")).toHaveLength(5);
    const table = slabTable(out);
    expect(table).toMatch(/gamma \(J\/m\^2\)/);
    expect(table.split("\n")).toHaveLength(3 + 4);
  });

  it("jobParams: relax-specific keys override 'all', runStatic false returns the relaxations", async () => {
    const rt = runtime();
    const res = await rt.run(bulkToSlabs, {
      atoms: bulk("Cu", { cubic: true }).toJSON(),
      runStatic: false,
      jobParams: { all: { asapCutoff: true }, relax: { fmax: 0.05 } },
    });
    await rt.close();
    expect(res.state).toBe("completed");
    const out = res.output as BulkToSlabsOutput;
    expect(out.slabs.map((s) => s.natoms).sort((a, b) => a - b)).toEqual([80, 96, 96]);
    for (const s of out.slabs) {
      expect(s.result.name).toBe("EMT Relax");
      expect(s.result.parameters).toEqual({ asap_cutoff: true });
      expect(s.result.parametersOpt).toMatchObject({ fmax: 0.05 });
    }
  });

  it("an unknown engine fails the run with a message listing the known engines", async () => {
    const rt = runtime();
    const res = await rt.run(bulkToSlabs, { atoms: bulk("Cu").toJSON(), engine: "vasp" });
    await rt.close();
    expect(res.state).toBe("failed");
    expect(JSON.stringify(res.error)).toMatch(/known engines: .*emt/);
  });
});

describe("eos.fit", () => {
  it("Cu, 5 points at 0.95..1.05, sj form: ASE's v0 and B (SPEC 2.3)", async () => {
    const rt = runtime();
    const res = await rt.run(eosFit, { atoms: bulk("Cu").toJSON(), form: "sj" });
    await rt.close();
    expect(res.state).toBe("completed");
    const out = res.output as EosOutput;
    expect(out.points).toHaveLength(5);
    expect(Math.abs(out.v0 - 11.5664985120302)).toBeLessThan(1e-7);
    expect(Math.abs(out.BGPa - 133.73761792833164)).toBeLessThan(1e-5);
    expect(Math.abs(out.a0! - 3.5899409018)).toBeLessThan(1e-7);
  });
});
