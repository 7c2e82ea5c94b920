import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compressNodelist, expandCounts, expandNodelist, NodelistError } from "../src/index.js";
import { runSlurmTests } from "./testbed.js";

// Recorded from the testbed: `scontrol show hostnames '<list>'` and `scontrol show hostlist <hosts>` (SLURM 22.05.8).
const RECORDED_EXPAND: [string, string[]][] = [
  ["node[1-4,7],gpu[001-003],x,rack[1-2]-n[01-02]", "node1 node2 node3 node4 node7 gpu001 gpu002 gpu003 x rack1-n01 rack1-n02 rack2-n01 rack2-n02".split(" ")],
  ["node1", ["node1"]],
  ["n[08-11,100]", ["n08", "n09", "n10", "n11", "n100"]],
];
const RECORDED_COMPRESS: [string[], string][] = [
  [["node1", "node2", "node3", "node7", "gpu001", "gpu002"], "node[1-3,7],gpu[001-002]"],
  [["n08", "n09", "n10", "n11", "n100"], "n[08-11,100]"],
];

const haveScontrol = runSlurmTests;

describe("expandNodelist", () => {
  it.each(RECORDED_EXPAND)("expands %s like scontrol show hostnames", (list, hosts) => {
    expect(expandNodelist(list)).toEqual(hosts);
  });

  it("keeps zero padding and handles several bracket groups", () => {
    expect(expandNodelist("c[09-10]-g[1,3]")).toEqual(["c09-g1", "c09-g3", "c10-g1", "c10-g3"]);
  });

  it.each(["node[1-", "node[3-1]", "node[a-b]", "node[]", "a,,b", "node]1[", "", "no de1", "n[1-2]x[$(id)]"])("rejects malformed %j with a PARSE_ERROR", (bad) => {
    expect(() => expandNodelist(bad)).toThrow(NodelistError);
    try {
      expandNodelist(bad);
    } catch (e) {
      expect((e as NodelistError).code).toBe("PARSE_ERROR");
      expect((e as Error).message).toMatch(/^\[mpi\] (Malformed|Empty)/);
    }
  });

  it.skipIf(!haveScontrol)("matches live `scontrol show hostnames` ", () => {
    for (const list of ["node[1-4,7],gpu[001-003]", "rack[1-2]-n[01-02],x", "a[099-101]"]) {
      const out = execFileSync("scontrol", ["show", "hostnames", list], { encoding: "utf8" }).trim().split("\n");
      expect(expandNodelist(list)).toEqual(out);
    }
  });
});

describe("compressNodelist", () => {
  it.each(RECORDED_COMPRESS)("compresses %j like scontrol show hostlist", (hosts, list) => {
    expect(compressNodelist(hosts)).toBe(list);
  });

  it("round-trips", () => {
    const hosts = ["node1", "node2", "node4", "gpu01", "gpu02", "login"];
    expect(expandNodelist(compressNodelist(hosts))).toEqual(hosts);
  });

  it.skipIf(!haveScontrol)("matches live `scontrol show hostlist`", () => {
    const hosts = ["node1", "node2", "node3", "node7", "gpu001", "gpu002", "n08", "n09", "n10"];
    const out = execFileSync("scontrol", ["show", "hostlist", hosts.join(",")], { encoding: "utf8" }).trim();
    expect(compressNodelist(hosts)).toBe(out);
  });
});

describe("expandCounts", () => {
  it("expands SLURM_TASKS_PER_NODE", () => {
    expect(expandCounts("2(x3),1")).toEqual([2, 2, 2, 1]);
    expect(expandCounts("4")).toEqual([4]);
  });
  it("rejects garbage", () => {
    expect(() => expandCounts("2(x)")).toThrow(/Malformed per-node count/);
  });
});
