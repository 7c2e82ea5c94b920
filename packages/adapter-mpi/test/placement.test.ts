import { describe, expect, it } from "vitest";
import { effectivePlacement, layoutRanks, parseHostfile, placementFromSlurmEnv, PlacementError, staticPlacement } from "../src/index.js";

describe("placement sources", () => {
  it("reads a SLURM allocation from the environment", () => {
    expect(placementFromSlurmEnv({ SLURM_JOB_ID: "42", SLURM_JOB_NODELIST: "node[1-2]", SLURM_TASKS_PER_NODE: "2(x2)" })).toEqual({
      hosts: [
        { host: "node1", slots: 2 },
        { host: "node2", slots: 2 },
      ],
      source: "slurm",
      allocationId: "42",
    });
    expect(placementFromSlurmEnv({})).toBeUndefined();
  });

  it("reports an inconsistent SLURM environment", () => {
    expect(() => placementFromSlurmEnv({ SLURM_JOB_NODELIST: "node[1-3]", SLURM_TASKS_PER_NODE: "2(x2)" })).toThrow(/3 nodes .* 2 counts/);
  });

  it("uses the allocation only when the worker's placement is the default local one", () => {
    const env = { SLURM_JOB_NODELIST: "node[3-4]", SLURM_TASKS_PER_NODE: "2(x2)" };
    expect(effectivePlacement({ hosts: [{ host: "localhost", slots: 4 }], source: "local" }, env).hosts.map((h) => h.host)).toEqual(["node3", "node4"]);
    const pilot = { hosts: [{ host: "node1", slots: 2 }], source: "pilot" };
    expect(effectivePlacement(pilot, env)).toBe(pilot);
  });

  it("parses Open MPI, Hydra and plain hostfiles", () => {
    expect(parseHostfile("# comment\nn1 slots=4\nn2:2\nn3\nn3\n").hosts).toEqual([
      { host: "n1", slots: 4 },
      { host: "n2", slots: 2 },
      { host: "n3", slots: 2 },
    ]);
    expect(() => parseHostfile("n1 slots=four\n")).toThrow(/line 1 "n1 slots=four"/);
    expect(() => parseHostfile("\n# nothing\n")).toThrow(/lists no hosts/);
  });

  it("builds static placements from host lists", () => {
    expect(staticPlacement("a:2,b:3").hosts).toEqual([
      { host: "a", slots: 2 },
      { host: "b", slots: 3 },
    ]);
    expect(staticPlacement("node[1-2]", 4).hosts).toEqual([
      { host: "node1", slots: 4 },
      { host: "node2", slots: 4 },
    ]);
  });
});

describe("layoutRanks", () => {
  const two = { hosts: [{ host: "n1", slots: 2 }, { host: "n2", slots: 2 }], source: "pilot" };

  it("fills hosts in order by default", () => {
    expect(layoutRanks({ ranks: 3 }, two).hosts).toEqual([
      { host: "n1", ranks: 2, slots: 2 },
      { host: "n2", ranks: 1, slots: 2 },
    ]);
    expect(layoutRanks({}, two).ranks).toBe(4);
  });

  it("honours ranksPerNode and nodes", () => {
    expect(layoutRanks({ ranksPerNode: 1 }, two).hosts.map((h) => h.ranks)).toEqual([1, 1]);
    expect(layoutRanks({ nodes: 1 }, two).hosts).toEqual([{ host: "n1", ranks: 2, slots: 2 }]);
  });

  it("refuses ranks that do not fit, before launching, saying what to change", () => {
    expect(() => layoutRanks({ ranks: 5 }, two)).toThrow(PlacementError);
    expect(() => layoutRanks({ ranks: 5 }, two)).toThrow(/5 rank\(s\) do not fit .*n1:2,n2:2 \(from pilot\).*Declare matching resources/);
    expect(() => layoutRanks({ ranks: 2, cpusPerRank: 4 }, two)).toThrow(/x 4 cpus/);
    expect(() => layoutRanks({ ranksPerNode: 3 }, two)).toThrow(/n1 has 2 slot\(s\), 3 needed/);
    expect(() => layoutRanks({ nodes: 3 }, two)).toThrow(/asks for 3 nodes but this task owns 2/);
    expect(() => layoutRanks({ ranks: 0 }, two)).toThrow(/`ranks` must be a positive integer/);
    try {
      layoutRanks({ ranks: 5 }, two);
    } catch (e) {
      expect((e as PlacementError).code).toBe("LAUNCH_FAILED");
    }
  });
});
