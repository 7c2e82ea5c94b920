import { describe, expect, it } from "vitest";
import { LatticeworkError, coresOf } from "@latticework/core";
import { adapter, local, parseLocalOptions } from "../src/index.js";

describe("local options", () => {
  it("fills in defaults from the machine", () => {
    const o = parseLocalOptions({});
    expect(o.cores).toBeGreaterThan(0);
    expect(o.workers).toBeLessThanOrEqual(o.cores);
    expect(o.name).toBe("local");
    expect(o.isolate).toBe("timeouts");
    expect(Object.isFrozen(o)).toBe(true);
  });

  it("reports every bad option at once, prefixed [local]", () => {
    let err: unknown;
    try {
      local({ workers: 0, killGraceMs: -1, isolate: "sometimes", bogus: 1 } as never);
    } catch (e) {
      err = e;
    }
    expect(LatticeworkError.is(err, "CONFIG_INVALID")).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^\[local\]/);
    for (const bit of ["workers", "killGraceMs", "isolate", "bogus"]) expect(msg).toContain(bit);
  });

  it("declares capabilities as data, with maxConcurrency = cores", () => {
    const ex = local({ cores: 3, workers: 1 });
    expect(ex.capabilities).toMatchObject({ cancel: true, attach: false, mpi: true, remote: false, timeouts: true, maxConcurrency: 3 });
    expect(coresOf({ ranks: 2, cpusPerRank: 2 })).toBe(4);
  });

  it("the adapter module validates config blocks strictly and resolves paths against the config dir", () => {
    const bad = adapter.optionsSchema.safeParse({ wrokers: 2 });
    expect(bad.success).toBe(false);
    const ok = adapter.optionsSchema.parse({ workers: 1, logDir: "logs" });
    const ex = adapter.create(ok, { name: "cpu", configDir: "/srv/project" });
    expect(ex.name).toBe("cpu");
    expect((ex as ReturnType<typeof local>).options.logDir).toBe("/srv/project/logs");
  });

  it("refuses submit before start and after dispose", async () => {
    const ex = local({ workers: 1 });
    await expect(ex.submit({} as never, new AbortController().signal)).rejects.toThrow(/not started/);
    await ex.dispose();
    await expect(ex.submit({} as never, new AbortController().signal)).rejects.toSatisfy((e: unknown) => LatticeworkError.is(e, "EXECUTOR_DISPOSED"));
  });
});
