import { describe, expect, it } from "vitest";
import { parseSlurmOptions } from "../src/options.js";

describe("pilot worker-pool options", () => {
  it("defaults: initial workers from the node, 100 ms before the pool grows", () => {
    const o = parseSlurmOptions({ mode: "pilot" });
    expect(o.pilot.initialWorkers).toBeUndefined();
    expect(o.pilot.workerSpawnAfterMs).toBe(100);
    expect(parseSlurmOptions({ pilot: { initialWorkers: 0, workerSpawnAfterMs: 0 } }).pilot).toMatchObject({ initialWorkers: 0, workerSpawnAfterMs: 0 });
  });

  it("reports every bad value at once, naming the option", () => {
    let err: unknown;
    try {
      parseSlurmOptions({ pilot: { initialWorkers: -1, workerSpawnAfterMs: 1.5 } });
    } catch (e) {
      err = e;
    }
    const text = JSON.stringify(err) + String((err as Error)?.message);
    expect((err as Error).message).toContain("[slurm]");
    expect(text).toContain("pilot.initialWorkers");
    expect(text).toContain("pilot.workerSpawnAfterMs");
  });
});
