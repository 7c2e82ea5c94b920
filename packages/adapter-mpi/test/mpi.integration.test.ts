import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createContainer, LatticeworkError, runTask } from "@latticework/core";
import { beforeAll, describe, expect, it } from "vitest";
import { MpiexecLauncher, MpirunLauncher, MpiLauncherRegistry, registerMpiLaunchers } from "../src/index.js";
import { buildMpiPrograms, processesWith } from "./fixtures/mpi-programs.js";
import { runMpiTests, runSlurmTests } from "./testbed.js";

const local = (slots: number) => ({ hosts: [{ host: "localhost", slots }], source: "local" });
let dir: string;
let progs: { hello: string; fail: string; spin: string };
const hydra = spawnSync("which", ["mpiexec.hydra"]).status === 0;

async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return pred();
}

describe.skipIf(!runMpiTests)("real mpirun on this machine", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lw-mpi-"));
    progs = buildMpiPrograms(join(dir, "bin"));
  });

  it("runs a 4-rank allreduce and writes output to the workdir", async () => {
    const workdir = join(dir, "hello");
    const res = await new MpirunLauncher().launch({ program: progs.hello, options: { ranks: 4, threadsPerRank: 1 }, placement: local(4), workdir, signal: new AbortController().signal });
    const lines = readFileSync(res.stdoutPath, "utf8").trim().split("\n").sort();
    expect(lines).toEqual([0, 1, 2, 3].map((r) => `rank ${r} size 4 sum 6 node - omp 1`));
    expect(res.stdoutPath).toBe(join(workdir, "hello.stdout"));
    expect(readFileSync(join(workdir, "hello.hostfile"), "utf8")).toBe("localhost slots=4\n");
    expect(res.exitCode).toBe(0);
  });

  it("a failing rank gives LAUNCH_FAILED with the exit code, the rank and the tail of stderr", async () => {
    const err = await new MpirunLauncher()
      .launch({ program: progs.fail, options: { ranks: 4, args: ["2"] }, placement: local(4), workdir: join(dir, "fail"), signal: new AbortController().signal })
      .then(() => undefined, (e: unknown) => e);
    expect(LatticeworkError.is(err, "LAUNCH_FAILED")).toBe(true);
    const e = err as LatticeworkError;
    expect(e.details.exitCode).toBe(3);
    expect(e.details.rank).toBe(2);
    expect(e.details.rankExitCode).toBe(3);
    expect(e.message).toMatch(/Rank 2 failed first with exit code 3/);
    expect(String(e.details.stderrTail)).toContain("rank 2 failing on purpose");
  });

  it("abort kills the launcher and every rank", async () => {
    const marker = `lw-spin-${process.pid}-${Date.now()}`;
    const ac = new AbortController();
    const p = new MpirunLauncher({ killGraceMs: 3000 }).launch({ program: progs.spin, options: { ranks: 4, args: [marker] }, placement: local(4), workdir: join(dir, "spin"), signal: ac.signal });
    const outcome = p.then(() => "resolved", (e: unknown) => e);
    expect(await waitFor(() => processesWith(marker).filter((l) => l.includes(progs.spin) && !l.includes("mpirun")).length === 4, 20_000)).toBe(true);
    ac.abort();
    const e = await outcome;
    expect(LatticeworkError.is(e, "CANCELLED")).toBe(true);
    expect(processesWith(marker)).toEqual([]);
  });

  it("through the worker: plugin registration, ctx.launch with ranks, time-out kills every rank", async () => {
    const container = createContainer();
    const module = fileURLToPath(new URL("./fixtures/mpi-jobs.ts", import.meta.url));
    const base = { v: 1 as const, runId: "r1", module, job: "test.mpi-hello", attempt: 1, plugins: [] };
    registerMpiLaunchers(container, { launcher: "mpirun" });
    const ok = await runTask({ ...base, taskId: "t-ok", callKey: "k1", input: { program: progs.hello, ranks: 4 }, workdir: join(dir, "worker-ok") }, { container });
    expect(ok.state).toBe("completed");
    if (ok.state !== "completed") return;
    const out = ok.output as { lines: string[]; command: string[] };
    expect(out.lines).toHaveLength(4);
    expect(out.lines.every((l) => l.includes("sum 6"))).toBe(true);
    expect(out.command[0]).toMatch(/mpirun$/);

    const marker = `lw-timeout-${process.pid}-${Date.now()}`;
    const timedOut = await runTask(
      { ...base, taskId: "t-to", callKey: "k2", input: { program: progs.spin, ranks: 4, args: [marker] }, workdir: join(dir, "worker-to"), timeoutMs: 3000 },
      { container },
    );
    expect(timedOut.state).toBe("timed-out");
    expect(await waitFor(() => processesWith(marker).length === 0, 10_000)).toBe(true);
  });

  it("the worker plugin entry registers the MPI launchers", async () => {
    const container = createContainer();
    const { registerWorker } = await import("../src/index.js");
    registerWorker(container);
    const { TOKENS } = await import("@latticework/core");
    const reg = container.resolve(TOKENS.Launchers);
    expect(reg).toBeInstanceOf(MpiLauncherRegistry);
    expect(reg.names()).toEqual(expect.arrayContaining(["direct", "mpirun", "mpiexec", "srun"]));
    expect(reg.select({ ranks: 1 }).name).toBe("direct");
    expect(reg.select({ ranks: 4 }).name).toBe("mpirun"); // Open MPI detected from `mpirun --version`
  });

  it("a launcher binary that does not exist: says which and how to configure it", async () => {
    const err = await new MpirunLauncher({ program: "/opt/nowhere/mpirun" })
      .launch({ program: progs.hello, options: { ranks: 2 }, placement: local(2), workdir: join(dir, "missing"), signal: new AbortController().signal })
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(/program "\/opt\/nowhere\/mpirun" was not found at \/opt\/nowhere\/mpirun.*LATTICEWORK_MPIRUN/s);
  });

  it("ranks that do not fit the placement fail before anything starts", async () => {
    const err = await new MpirunLauncher()
      .launch({ program: progs.hello, options: { ranks: 8 }, placement: local(4), workdir: join(dir, "nofit"), signal: new AbortController().signal })
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(/8 rank\(s\) do not fit this task's placement localhost:4/);
  });

  it("a launcher of the wrong flavour is refused with the right one named", async () => {
    const err = await new MpiexecLauncher({ program: "mpirun" })
      .launch({ program: progs.hello, options: { ranks: 2 }, placement: local(2), workdir: join(dir, "flavour"), signal: new AbortController().signal })
      .catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(/is Open MPI's launcher.*Use launcher "mpirun"/s);
  });

  it.skipIf(!hydra)("MPICH/Hydra mpiexec runs 3 ranks from its hostfile", async () => {
    const res = await new MpiexecLauncher({ program: "mpiexec.hydra" }).launch({
      program: "sh",
      options: { ranks: 3, args: ["-c", 'echo "pmi $PMI_RANK of $PMI_SIZE"'] },
      placement: local(3),
      workdir: join(dir, "hydra"),
      signal: new AbortController().signal,
    });
    expect(readFileSync(res.stdoutPath, "utf8").trim().split("\n").sort()).toEqual(["pmi 0 of 3", "pmi 1 of 3", "pmi 2 of 3"]);
  });
});

describe.skipIf(!runSlurmTests || !runMpiTests)("inside SLURM allocations (testbed)", () => {
  const driver = fileURLToPath(new URL("./fixtures/in-allocation.mjs", import.meta.url));
  const inAlloc = (workdir: string, program: string, ranks: number, timeoutMs: number, ...args: string[]) => inAllocEnv({}, workdir, program, ranks, timeoutMs, ...args);
  const inAllocEnv = (env: Record<string, string>, workdir: string, program: string, ranks: number, timeoutMs: number, ...args: string[]) => {
    const out = execFileSync("salloc", ["-N", "2", "--ntasks-per-node=2", "-t", "5", "-J", "lw-mpi-test", process.execPath, driver, program, workdir, String(ranks), String(timeoutMs), ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 170_000,
      env: { ...process.env, ...env },
    });
    return JSON.parse(out.trim().split("\n").pop()!) as { launcher: string; argv: string[]; files: Record<string, string>; stdout: string; error: null | { code: string; message: string; details: Record<string, unknown> }; nodelist: string };
  };
  beforeAll(() => {
    dir ??= mkdtempSync(join(tmpdir(), "lw-mpi-"));
    progs ??= buildMpiPrograms(join(dir, "bin"));
  });

  it("4 ranks across 2 emulated nodes with the allocation's placement", { timeout: 180_000 }, () => {
    const r = inAlloc(join(dir, "alloc-hello"), progs.hello, 4, 0);
    expect(r.error).toBeNull();
    expect(r.launcher).toBe("mpirun");
    const nodes = r.nodelist.match(/\d+/g)!; // e.g. node[1-2] or node[2,4]
    expect(Object.values(r.files)[0]).toMatch(/^node\d slots=2\nnode\d slots=2\n$/);
    const lines = r.stdout.trim().split("\n").sort();
    expect(lines).toHaveLength(4);
    expect(lines.every((l) => / size 4 sum 6 /.test(l))).toBe(true);
    const perNode = new Map<string, number>();
    for (const l of lines) {
      const n = / node (\S+)/.exec(l)![1]!;
      perNode.set(n, (perNode.get(n) ?? 0) + 1);
    }
    expect([...perNode.values()]).toEqual([2, 2]);
    expect(nodes.length).toBeGreaterThan(0);
  });

  it("a time-out inside the allocation leaves no rank on any node", { timeout: 180_000 }, async () => {
    const marker = `lw-alloc-spin-${process.pid}-${Date.now()}`;
    const r = inAlloc(join(dir, "alloc-spin"), progs.spin, 4, 6000, marker);
    expect(r.error?.code).toBe("TIMEOUT");
    expect(await waitFor(() => processesWith(marker).length === 0, 15_000)).toBe(true);
  });

  it("srun as the launcher (LATTICEWORK_MPI_LAUNCHER=srun): 4 tasks, 2 per node, non-MPI program", { timeout: 180_000 }, () => {
    const r = inAllocEnv({ LATTICEWORK_MPI_LAUNCHER: "srun" }, join(dir, "alloc-srun"), "sh", 4, 0, "-c", 'echo "task $SLURM_PROCID node $SLURMD_NODENAME"');
    expect(r.error).toBeNull();
    expect(r.launcher).toBe("srun");
    expect(r.argv).toEqual(["srun", "--ntasks=4", "--nodes=2", expect.stringMatching(/^--nodelist=node\[\d[-,]\d\]$/), "--ntasks-per-node=2", "--kill-on-bad-exit=1", "sh", "-c", 'echo "task $SLURM_PROCID node $SLURMD_NODENAME"']);
    const lines = r.stdout.trim().split("\n").sort();
    expect(lines.map((l) => l.split(" ")[1])).toEqual(["0", "1", "2", "3"]);
    expect([...new Set(lines.map((l) => l.split(" ")[3]))]).toHaveLength(2);
  });

  it("a failing rank across nodes reports rank and exit code", { timeout: 180_000 }, () => {
    const r = inAlloc(join(dir, "alloc-fail"), progs.fail, 4, 0, "3");
    expect(r.error?.code).toBe("LAUNCH_FAILED");
    expect(r.error?.details.rank).toBe(3);
    expect(r.error?.details.exitCode).toBe(3);
  });
});
