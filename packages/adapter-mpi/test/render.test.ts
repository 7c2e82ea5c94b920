import { describe, expect, it } from "vitest";
import { MpiexecLauncher, MpirunLauncher, parseMpiOptions, parseRankFailure, renderMpiCommand, SrunLauncher, staticPlacement } from "../src/index.js";

const placement = staticPlacement("node[1-2]", 2);
const base = { program: "lmp", placement, workdir: "/w" };

describe("rendering", () => {
  it("mpirun: exact argv and hostfile", () => {
    const r = new MpirunLauncher({ binding: "core" }).render({ ...base, options: { ranks: 4, ranksPerNode: 2, args: ["-in", "in.lmp"], env: { FOO: "x y" } } });
    expect(r.argv).toEqual(["mpirun", "-n", "4", "--hostfile", "/w/lmp.hostfile", "--bind-to", "core", "-x", "FOO", "lmp", "-in", "in.lmp"]);
    expect(r.files).toEqual({ "/w/lmp.hostfile": "node1 slots=2\nnode2 slots=2\n" });
    expect(r.env).toEqual({ FOO: "x y" });
  });

  it("mpirun: cpusPerRank maps PEs and sets OMP_NUM_THREADS", () => {
    const r = new MpirunLauncher().render({ ...base, options: { ranks: 2, cpusPerRank: 2 } });
    expect(r.argv).toEqual(["mpirun", "-n", "2", "--hostfile", "/w/lmp.hostfile", "--map-by", "slot:PE=2", "-x", "OMP_NUM_THREADS", "lmp"]);
    expect(r.files["/w/lmp.hostfile"]).toBe("node1 slots=2\nnode2 slots=2\n");
    expect(r.env.OMP_NUM_THREADS).toBe("2");
  });

  it("mpiexec (Hydra): -f hostfile host:n and -genvlist", () => {
    const r = new MpiexecLauncher({ program: "mpiexec.hydra" }).render({ ...base, options: { ranks: 3, threadsPerRank: 2, launcherArgs: ["-l"] } });
    expect(r.argv).toEqual(["mpiexec.hydra", "-n", "3", "-f", "/w/lmp.hostfile", "-genvlist", "OMP_NUM_THREADS", "-l", "lmp"]);
    expect(r.files["/w/lmp.hostfile"]).toBe("node1:2\nnode2:1\n");
  });

  it("srun: compressed nodelist, tasks per node, cpu binding", () => {
    const r = new SrunLauncher({ args: ["--mpi=pmix"] }).render({ ...base, options: { ranks: 4, ranksPerNode: 2, binding: "core" } as never });
    expect(r.argv).toEqual(["srun", "--mpi=pmix", "--ntasks=4", "--nodes=2", "--nodelist=node[1-2]", "--ntasks-per-node=2", "--cpu-bind=cores", "--kill-on-bad-exit=1", "lmp"]);
    expect(r.files).toEqual({});
  });

  it("renderMpiCommand shows a command without running it", () => {
    const r = renderMpiCommand("pw.x", { ranks: 2, args: ["-in", "pw.in"] }, { placement: staticPlacement("n1:2"), workdir: "/tmp/x", mpi: { launcher: "mpirun" } });
    expect(r.launcher).toBe("mpirun");
    expect(r.argv.join(" ")).toBe("mpirun -n 2 --hostfile /tmp/x/pw.x.hostfile pw.x -in pw.in");
  });

  it("reports every bad option at once", () => {
    expect(() => parseMpiOptions({ launcher: "ssh", mpirun: { killGraceMs: -1, colour: 1 } })).toThrow(/\[mpi\] Invalid MPI launcher options[\s\S]*launcher[\s\S]*killGraceMs[\s\S]*colour/);
  });
});

describe("parseRankFailure (recorded outputs)", () => {
  it("Open MPI", () => {
    const text = `rank 2 failing
--------------------------------------------------------------------------
mpirun detected that one or more processes exited with non-zero status, thus causing
the job to be terminated. The first process to do so was:

  Process name: [[5447,1],2]
  Exit code:    3
--------------------------------------------------------------------------`;
    expect(parseRankFailure(text)).toEqual({ rank: 2, exitCode: 3 });
  });
  it("Open MPI, signal", () => {
    expect(parseRankFailure("mpirun noticed that process rank 1 with PID 0 on node node2 exited on signal 9 (Killed).")).toEqual({ rank: 1, host: "node2", signal: "Killed" });
  });
  it("MPICH/Hydra", () => {
    const text = "===================================================================================\n=   BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES\n=   RANK 3 PID 1234 RUNNING AT vm\n=   EXIT CODE: 7\n=   CLEANING UP REMAINING PROCESSES";
    expect(parseRankFailure(text)).toEqual({ rank: 3, host: "vm", exitCode: 7 });
  });
  it("srun", () => {
    expect(parseRankFailure("srun: error: node2: task 3: Exited with exit code 5\nsrun: Terminating StepId=9.0")).toEqual({ rank: 3, host: "node2", exitCode: 5 });
  });
  it("nothing recognisable", () => {
    expect(parseRankFailure("segfault somewhere")).toEqual({});
  });
});
