import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LatticeworkError } from "../src/errors.js";
import type { LaunchOptions, Launcher } from "../src/launcher.js";
import type { Placement } from "../src/resources.js";
import { DirectLauncher } from "../src/launch/direct-launcher.js";
import { createLauncherRegistry } from "../src/launch/launcher-registry.js";

const root = mkdtempSync(join(tmpdir(), "lw-launch-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const placement: Placement = { hosts: [{ host: "localhost", slots: 1 }], source: "local" };
let n = 0;

function launch(program: string, options: LaunchOptions = {}, signal = new AbortController().signal, launcher = new DirectLauncher()) {
  const workdir = join(root, `w${++n}`);
  return { workdir, result: launcher.launch({ program, options, placement, workdir, signal }) };
}

async function error(p: Promise<unknown>): Promise<LatticeworkError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof LatticeworkError)) throw new Error(`expected a LatticeworkError, got ${String(e)}`);
  return e;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("DirectLauncher", () => {
  it("runs without a shell: arguments reach the program verbatim; stdout/stderr go to <name>.stdout/.stderr", async () => {
    const tricky = ["a b", "$HOME", "; rm -rf /", "`id`", "'q'", 'd"q'];
    const { workdir, result } = launch("printf", { args: ["%s\\n", ...tricky] });
    const r = await result;
    expect(r.exitCode).toBe(0);
    expect(r.stdoutPath).toBe(join(workdir, "printf.stdout"));
    expect(readFileSync(r.stdoutPath, "utf8")).toBe(tricky.map((t) => `${t}\n`).join(""));
    expect(r.command[0]).toMatch(/\/printf$/);
  });

  it("runs in the workdir (or cwd), with extra env and OMP_NUM_THREADS from cpusPerRank", async () => {
    const { workdir, result } = launch("sh", { args: ["-c", 'echo "$(pwd) $FOO $OMP_NUM_THREADS"'], env: { FOO: "bar" }, cpusPerRank: 4, name: "probe" });
    const r = await result;
    expect(readFileSync(join(workdir, "probe.stdout"), "utf8")).toBe(`${workdir} bar 4\n`);
    expect(r.stderrPath).toBe(join(workdir, "probe.stderr"));
  });

  it("feeds stdin and honours stdoutFile", async () => {
    const { workdir, result } = launch("cat", { stdin: "line one\nline two\n", stdoutFile: "cat-out.txt" });
    await result;
    expect(readFileSync(join(workdir, "cat-out.txt"), "utf8")).toBe("line one\nline two\n");
  });

  it("non-zero exit: LAUNCH_FAILED with the exit code and the tail of stderr", async () => {
    const e = await error(launch("sh", { args: ["-c", "for i in $(seq 1 50); do echo line$i >&2; done; exit 7"] }).result);
    expect(e.code).toBe("LAUNCH_FAILED");
    expect(e.message).toMatch(/exited with code 7/);
    expect(e.message).toContain("line50");
    expect(e.message).not.toContain("line20\n");
    expect(e.details).toMatchObject({ exitCode: 7 });
  });

  it("check: false returns the exit code instead", async () => {
    const r = await launch("sh", { args: ["-c", "exit 5"], check: false }).result;
    expect(r.exitCode).toBe(5);
  });

  it("a missing program: says which and the PATH it searched", async () => {
    const e = await error(launch("no-such-program-xyz", { env: { PATH: "/nonexistent/bin:/usr/bin" } }).result);
    expect(e.code).toBe("LAUNCH_FAILED");
    expect(e.message).toContain('"no-such-program-xyz"');
    expect(e.message).toContain("/nonexistent/bin, /usr/bin");
    const e2 = await error(launch("./not-here.sh").result);
    expect(e2.message).toMatch(/not-here\.sh/);
  });

  it("a missing working directory is named as such (not as a missing program)", async () => {
    const e = await error(launch("true", { cwd: "no/such/dir" }).result);
    expect(e.code).toBe("LAUNCH_FAILED");
    expect(e.message).toMatch(/working directory .*no\/such\/dir does not exist/);
  });

  it("abort kills the whole process tree, not just the program", async () => {
    const ac = new AbortController();
    const { workdir, result } = launch("sh", { args: ["-c", "sleep 60 & echo $! > bg.pid; echo $$ > sh.pid; wait"] }, ac.signal, new DirectLauncher({ killGraceMs: 2000 }));
    const bg = join(workdir, "bg.pid");
    await expect.poll(() => readPid(bg), { timeout: 10_000, interval: 25 }).toBeGreaterThan(0);
    await expect.poll(() => readPid(join(workdir, "sh.pid")), { timeout: 10_000, interval: 25 }).toBeGreaterThan(0);
    const pids = [readPid(bg), readPid(join(workdir, "sh.pid"))];
    ac.abort(new Error("stop now"));
    await expect(result).rejects.toThrow("stop now");
    for (const pid of pids) await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
  });

  it("a program that ignores SIGTERM is SIGKILLed after the grace period", async () => {
    const ac = new AbortController();
    const { workdir, result } = launch("sh", { args: ["-c", "trap '' TERM; echo $$ > sh.pid; while true; do sleep 0.05; done"] }, ac.signal, new DirectLauncher({ killGraceMs: 200 }));
    await expect.poll(() => readPid(join(workdir, "sh.pid")), { timeout: 10_000, interval: 25 }).toBeGreaterThan(0);
    const pid = readPid(join(workdir, "sh.pid"));
    ac.abort();
    const e = await error(result);
    expect(e.code).toBe("CANCELLED");
    await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
  });

  it("an already-aborted signal starts nothing", async () => {
    const ac = new AbortController();
    ac.abort();
    expect((await error(launch("true", {}, ac.signal).result)).code).toBe("CANCELLED");
  });

  it("refuses ranks > 1 and bad options with clear errors", async () => {
    const e = await error(launch("true", { ranks: 2, launcher: "direct" }).result);
    expect(e.code).toBe("NOT_SUPPORTED");
    expect(e.message).toContain("@latticework/adapter-mpi");
    expect(() => new DirectLauncher({ killGraceMs: -1, bogus: 1 } as never)).toThrow(/\[direct-launcher\][\s\S]*killGraceMs[\s\S]*bogus/);
  });

  it("render gives the argv and env without running anything", () => {
    expect(new DirectLauncher().render({ program: "vasp_std", options: { args: ["-x"], threadsPerRank: 2 }, placement, workdir: root })).toEqual({
      argv: ["vasp_std", "-x"],
      env: { OMP_NUM_THREADS: "2" },
    });
  });
});

describe("createLauncherRegistry", () => {
  const fakeMpi: Launcher = { name: "mpirun", render: () => ({ argv: [], env: {} }), launch: () => Promise.reject(new Error("not used")) };

  it("selects direct by default and by name", () => {
    const reg = createLauncherRegistry();
    expect(reg.names()).toEqual(["direct"]);
    expect(reg.select({}).name).toBe("direct");
    expect(reg.select({ launcher: "direct" }).name).toBe("direct");
    expect(reg.select({ ranks: 1 }).name).toBe("direct");
  });

  it("MPI requests without an MPI launcher: NOT_SUPPORTED telling to add adapter-mpi", () => {
    const reg = createLauncherRegistry();
    for (const opts of [{ ranks: 4 }, { mpi: true }, { launcher: "mpirun" }] as LaunchOptions[]) {
      try {
        reg.select(opts);
        throw new Error("expected a failure");
      } catch (e) {
        expect(LatticeworkError.is(e, "NOT_SUPPORTED")).toBe(true);
        expect((e as Error).message).toContain("@latticework/adapter-mpi");
      }
    }
    expect(() => reg.select({ launcher: "warp-drive" })).toThrow(/No launcher named "warp-drive".*registered: direct/);
    expect(() => reg.select({ ranks: 2, mpi: false })).toThrow(/contradictory/);
  });

  it("uses a registered MPI launcher for ranks > 1", () => {
    const reg = createLauncherRegistry([fakeMpi]);
    expect(reg.select({ ranks: 8 }).name).toBe("mpirun");
    expect(reg.select({}).name).toBe("direct");
    expect(reg.get("mpirun")).toBe(fakeMpi);
  });
});

function readPid(path: string): number {
  try {
    return Number(readFileSync(path, "utf8").trim()) || 0;
  } catch {
    return 0;
  }
}
