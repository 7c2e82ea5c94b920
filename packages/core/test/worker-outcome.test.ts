import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LatticeworkError } from "../src/errors.js";
import type { TaskOutcome } from "../src/task.js";
import { readOutcome, writeOutcomeAtomic } from "../src/worker/outcome-file.js";
import { toJsonSafe } from "../src/worker/json-safe.js";

const dir = mkdtempSync(join(tmpdir(), "lw-outcome-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("outcome files", () => {
  it("writes atomically: mode 0600, no temp files left, round-trips", async () => {
    const path = join(dir, "sub", "outcome.json");
    const outcome: TaskOutcome = { state: "completed", output: { energy: -3.5 }, startedAt: 1, endedAt: 2 };
    await writeOutcomeAtomic(path, outcome);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, "sub"))).toEqual(["outcome.json"]);
    expect(await readOutcome(path)).toEqual(outcome);
  });

  it("replaces an existing outcome whole (a reader never sees a mix)", async () => {
    const path = join(dir, "replace.json");
    await writeOutcomeAtomic(path, { state: "completed", output: "x".repeat(100_000) });
    await writeOutcomeAtomic(path, { state: "failed", error: { code: "JOB_FAILED", message: "no" } });
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ state: "failed", error: { code: "JOB_FAILED", message: "no" } });
  });

  it("concurrent writers and a reader: every read is a complete outcome", async () => {
    const path = join(dir, "race.json");
    await writeOutcomeAtomic(path, { state: "completed", output: 0 });
    const writes = Array.from({ length: 40 }, (_, i) => writeOutcomeAtomic(path, { state: "completed", output: { i, pad: "y".repeat(50_000) } }));
    const reads = Array.from({ length: 40 }, () => readOutcome(path));
    await Promise.all(writes);
    for (const o of await Promise.all(reads)) expect(o?.state).toBe("completed");
  });

  it("refuses to write an invalid outcome", async () => {
    await expect(writeOutcomeAtomic(join(dir, "bad.json"), { state: "done" } as unknown as TaskOutcome)).rejects.toThrow(/invalid task outcome/);
  });

  it("readOutcome: undefined when missing, PARSE_ERROR when corrupt or not an outcome", async () => {
    expect(await readOutcome(join(dir, "missing.json"))).toBeUndefined();
    const torn = join(dir, "torn.json");
    writeFileSync(torn, '{"state":"compl');
    const e1 = await readOutcome(torn).catch((e: unknown) => e);
    expect(LatticeworkError.is(e1, "PARSE_ERROR")).toBe(true);
    expect((e1 as Error).message).toContain(torn);
    const wrong = join(dir, "wrong.json");
    writeFileSync(wrong, JSON.stringify({ state: "failed" }));
    await expect(readOutcome(wrong)).rejects.toThrow(/not a valid outcome.*error/);
  });
});

describe("toJsonSafe", () => {
  it("rejects non-finite numbers, functions, Maps and cycles with their path", () => {
    expect(() => toJsonSafe({ a: [1, Number.NaN] })).toThrow(/a\[1\]: NaN/);
    expect(() => toJsonSafe({ f: () => 1 })).toThrow(/f: a function/);
    expect(() => toJsonSafe({ m: new Map() })).toThrow(/m: a Map/);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    expect(() => toJsonSafe(cyc)).toThrow(/self: circular/);
  });

  it("keeps shared (non-cyclic) references and nested arrays", () => {
    const shared = { x: 1 };
    expect(toJsonSafe({ a: shared, b: [shared, [new Int32Array([1, 2])]] })).toEqual({ a: { x: 1 }, b: [{ x: 1 }, [[1, 2]]] });
  });
});
