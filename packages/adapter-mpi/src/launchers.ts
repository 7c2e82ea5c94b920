import { compressNodelist } from "./nodelist.js";
import { MpiLauncherBase, type RenderContext } from "./base-launcher.js";
import type { RankLayout } from "./layout.js";
import type { Flavour } from "./process.js";

function peMapped(ctx: { layout: RankLayout; binding: string | undefined }): boolean {
  return ctx.layout.cpusPerRank > 1 && ctx.binding !== "none";
}

/**
 * Open MPI's `mpirun`: `mpirun -n R --hostfile <name>.hostfile [--map-by slot:PE=c] [--bind-to b]
 * -x VAR... <launcherArgs> program args`. The hostfile holds exactly the slots each host gets, so
 * ranks land where the layout says; variables travel to remote ranks with `-x` (values never appear
 * on the command line).
 *
 * @example
 * ```ts
 * new MpirunLauncher({ binding: "core" }).render({ program: "lmp", options: { ranks: 4, ranksPerNode: 2 },
 *   placement: { hosts: [{ host: "n1", slots: 2 }, { host: "n2", slots: 2 }], source: "pilot" }, workdir: "/w" }).argv;
 * // ["mpirun","-n","4","--hostfile","/w/lmp.hostfile","--bind-to","core","lmp"]
 * ```
 */
export class MpirunLauncher extends MpiLauncherBase {
  readonly name = "mpirun";
  protected readonly defaultProgram = "mpirun";
  protected readonly flavours: readonly Flavour[] = ["openmpi"];

  protected hostfile(layout: RankLayout, binding: string | undefined): string {
    // with PE mapping each rank consumes cpusPerRank slots; without it one slot per rank
    const per = peMapped({ layout, binding }) ? layout.cpusPerRank : 1;
    return layout.hosts.map((h) => `${h.host} slots=${h.ranks * per}`).join("\n") + "\n";
  }

  protected renderArgv(ctx: RenderContext): string[] {
    const argv = [this.program, ...this.options.args, "-n", String(ctx.layout.ranks), "--hostfile", ctx.hostfilePath];
    if (peMapped(ctx)) argv.push("--map-by", `slot:PE=${ctx.layout.cpusPerRank}`);
    if (ctx.binding) argv.push("--bind-to", ctx.binding);
    for (const n of ctx.envNames) argv.push("-x", n);
    argv.push(...(ctx.options.launcherArgs ?? []), ctx.program, ...(ctx.options.args ?? []));
    return argv;
  }
}

/**
 * MPICH/Hydra's `mpiexec` (also Intel MPI): `mpiexec -n R -f <name>.hostfile [-bind-to b]
 * -genvlist VAR,... <launcherArgs> program args`, hostfile lines `host:ranks`.
 */
export class MpiexecLauncher extends MpiLauncherBase {
  readonly name = "mpiexec";
  protected readonly defaultProgram = "mpiexec";
  protected readonly flavours: readonly Flavour[] = ["hydra"];

  protected hostfile(layout: RankLayout): string {
    return layout.hosts.map((h) => `${h.host}:${h.ranks}`).join("\n") + "\n";
  }

  protected renderArgv(ctx: RenderContext): string[] {
    const argv = [this.program, ...this.options.args, "-n", String(ctx.layout.ranks), "-f", ctx.hostfilePath];
    if (ctx.binding) argv.push("-bind-to", ctx.binding);
    if (ctx.envNames.length) argv.push("-genvlist", ctx.envNames.join(","));
    argv.push(...(ctx.options.launcherArgs ?? []), ctx.program, ...(ctx.options.args ?? []));
    return argv;
  }
}

const SRUN_BIND: Record<string, string> = { core: "cores", hwthread: "threads", socket: "sockets", numa: "ldoms", none: "none" };

/**
 * SLURM's `srun` (inside an allocation or a pilot): `srun --ntasks=R --nodes=N --nodelist=<compressed>
 * [--ntasks-per-node=P] [--cpus-per-task=c] [--cpu-bind=...] --kill-on-bad-exit=1 <launcherArgs>
 * program args`. The environment is exported to the ranks (srun's default `--export=ALL`).
 * Needs no hostfile. For MPI programs the site's `--mpi=` plugin goes in the launcher's `args`.
 */
export class SrunLauncher extends MpiLauncherBase {
  readonly name = "srun";
  protected readonly defaultProgram = "srun";
  protected readonly flavours: readonly Flavour[] = ["slurm"];

  protected hostfile(): undefined {
    return undefined;
  }

  protected renderArgv(ctx: RenderContext): string[] {
    const { layout } = ctx;
    const argv = [this.program, ...this.options.args, `--ntasks=${layout.ranks}`, `--nodes=${layout.hosts.length}`];
    argv.push(`--nodelist=${compressNodelist(layout.hosts.map((h) => h.host))}`);
    const uniform = layout.hosts.every((h) => h.ranks === layout.hosts[0]!.ranks);
    if (layout.ranksPerNode !== undefined || (uniform && layout.hosts.length > 1)) argv.push(`--ntasks-per-node=${layout.ranksPerNode ?? layout.hosts[0]!.ranks}`);
    else if (!uniform) argv.push("--distribution=block");
    if (layout.cpusPerRank > 1) argv.push(`--cpus-per-task=${layout.cpusPerRank}`);
    if (ctx.binding) argv.push(`--cpu-bind=${SRUN_BIND[ctx.binding]}`);
    argv.push("--kill-on-bad-exit=1", ...(ctx.options.launcherArgs ?? []), ctx.program, ...(ctx.options.args ?? []));
    return argv;
  }
}
