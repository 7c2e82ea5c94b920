import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTaskSpec } from "@latticework/testing";
import { local, type LocalExecutor } from "../src/index.js";
import { outputOf, runOn, testContext, workRoot } from "./helpers.js";

describe("local pool: short jobs queued ahead inside workers", () => {
  let ex: LocalExecutor;
  beforeAll(async () => {
    ex = local({ workers: 2, cores: 2, prefetch: 64, shortTaskMs: 50 });
    await ex.start(testContext());
    await runOn(ex, { job: "lw-testing.echo", input: { text: "warm" } }); // the job is now known to be short
  });
  afterAll(() => ex.dispose());

  it("600 short tasks at once all complete, each with its own output", async () => {
    const outs = await Promise.all(Array.from({ length: 600 }, (_, i) => runOn(ex, { job: "lw-testing.echo", input: { text: `#${i}` } })));
    expect(outs.map((o) => outputOf<{ text: string }>(o).text)).toEqual(Array.from({ length: 600 }, (_, i) => `#${i}`));
  });

  it("cancelling tasks queued behind a running one inside a worker ends them cancelled without recycling the worker", async () => {
    await runOn(ex, { job: "lw-testing.hold", input: { ms: 0 } }); // "hold" is now known to be short
    const pids = ex.workerPids();
    const heads = [0, 1].map(() => makeTaskSpec({ job: "lw-testing.hold", input: { ms: 1500 } }, { workRoot }));
    const queued = Array.from({ length: 40 }, () => makeTaskSpec({ job: "lw-testing.hold", input: { ms: 0 } }, { workRoot }));
    const subs = await Promise.all([...heads, ...queued].map((s) => ex.submit(s, new AbortController().signal)));
    await new Promise((r) => setTimeout(r, 200)); // the two heads are running, the rest sit in the workers' lanes
    for (const s of subs.slice(2)) await ex.cancel(s.nativeId);
    const outs = await Promise.all(subs.map((s) => s.outcome));
    expect(outs.slice(0, 2).map((o) => o.state)).toEqual(["completed", "completed"]);
    expect(outs.slice(2).map((o) => o.state)).toEqual(queued.map(() => "cancelled"));
    expect(ex.workerPids().sort()).toEqual(pids.sort());
  });
});
