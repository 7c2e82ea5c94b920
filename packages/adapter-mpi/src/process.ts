import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, promises as fsp, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

function isExecutable(path: string): boolean {
  try {
    return statSync(path).isFile() && (accessSync(path, constants.X_OK), true);
  } catch {
    return false;
  }
}

/** Locate a program like a shell: paths (with a slash) as is, bare names on PATH. */
export function whichProgram(program: string, cwd: string, pathVar: string | undefined): { path?: string; searched: string[] } {
  if (program.includes("/")) {
    const full = isAbsolute(program) ? program : resolve(cwd, program);
    return isExecutable(full) ? { path: full, searched: [full] } : { searched: [full] };
  }
  const dirs = (pathVar ?? "").split(delimiter).filter(Boolean);
  for (const d of dirs) {
    const c = join(d, program);
    if (isExecutable(c)) return { path: c, searched: dirs };
  }
  return { searched: dirs };
}

const versions = new Map<string, string>();

/** `<program> --version` output (cached per path; "" when it cannot run). */
export function programVersion(path: string): string {
  let v = versions.get(path);
  if (v === undefined) {
    const r = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "pipe"] });
    v = `${r.stdout ?? ""}${r.stderr ?? ""}`;
    versions.set(path, v);
  }
  return v;
}

/** MPI flavour of a launcher program, from its `--version` output. */
export type Flavour = "openmpi" | "hydra" | "slurm" | "unknown";

/** Detect the flavour of an mpirun/mpiexec/srun binary. */
export function detectFlavour(path: string): Flavour {
  const v = programVersion(path);
  if (/Open MPI|OpenRTE/i.test(v)) return "openmpi";
  if (/HYDRA|MPICH|Intel\(R\) MPI/i.test(v)) return "hydra";
  if (/^slurm/im.test(v)) return "slurm";
  return "unknown";
}

const live = new Set<number>();
let hooked = false;

function killGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the group, SIGKILL after `graceMs` if anything in it is still alive. */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!killGroup(pgid, "SIGTERM")) return;
  for (let waited = 0; waited < graceMs; waited += 50) {
    await new Promise((r) => setTimeout(r, 50));
    if (!killGroup(pgid, 0)) return;
  }
  killGroup(pgid, "SIGKILL");
}

/** Run a program in its own process group with output to files; abort kills the whole group. */
export function runGroup(
  path: string,
  args: readonly string[],
  o: { cwd: string; env: Record<string, string>; stdoutFd: number; stderrFd: number; stdin?: string; signal: AbortSignal; killGraceMs: number },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; aborted: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(path, args, { cwd: o.cwd, env: o.env, detached: true, stdio: [o.stdin !== undefined ? "pipe" : "ignore", o.stdoutFd, o.stderrFd] });
    const pid = child.pid;
    let killing: Promise<void> | undefined;
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      if (pid !== undefined) killing = terminateGroup(pid, o.killGraceMs);
    };
    if (pid !== undefined) {
      if (!hooked) {
        hooked = true;
        process.on("exit", () => {
          for (const g of live) killGroup(g, "SIGKILL");
        });
      }
      live.add(pid);
    }
    o.signal.addEventListener("abort", onAbort, { once: true });
    child.once("error", (err) => {
      o.signal.removeEventListener("abort", onAbort);
      if (pid !== undefined) live.delete(pid);
      reject(err);
    });
    child.once("exit", (code, sig) => {
      o.signal.removeEventListener("abort", onAbort);
      void (async () => {
        if (killing) await killing;
        // ranks or helper daemons the launcher left behind in its group must not outlive it
        else if (pid !== undefined && killGroup(pid, 0)) await terminateGroup(pid, Math.min(o.killGraceMs, 2000));
        if (pid !== undefined) live.delete(pid);
        resolvePromise({ code, signal: sig, aborted });
      })();
    });
    if (child.stdin) {
      child.stdin.on("error", () => undefined);
      child.stdin.end(o.stdin);
    }
  });
}

/** Last lines of a text file ("" when missing). */
export async function tailText(path: string, lines: number, maxBytes = 16_384): Promise<string> {
  try {
    const h = await fsp.open(path, "r");
    try {
      const { size } = await h.stat();
      const len = Math.min(size, maxBytes);
      const buf = Buffer.alloc(len);
      await h.read(buf, 0, len, size - len);
      return buf.toString("utf8").replace(/\s+$/, "").split("\n").slice(-lines).join("\n");
    } finally {
      await h.close();
    }
  } catch {
    return "";
  }
}
