/**
 * Example 4, SLURM: EMT relaxations of bulk Cu at several strains, on a SLURM cluster. The flow is
 * plain latticework; only the executor is SLURM. Choose per-job sbatch (one allocation per job) or
 * pilot mode (job packing: one allocation serves many jobs), locally or over SSH.
 *
 *   bash testbed/up.sh && source testbed/env.sh                # a real SLURM cluster on this machine (root)
 *   node --import tsx examples/04-slurm.ts                     # per-job mode, local transport
 *   node --import tsx examples/04-slurm.ts pilot               # pilot mode
 *   node --import tsx examples/04-slurm.ts pilot ssh           # pilot mode over SSH (testbed sshd on 127.0.0.1:2222)
 *   npx latticework slurm script examples/04-slurm.ts#strainScan   # print the batch script, submit nothing
 *
 * Expected: five completed relaxations; the lowest energy at strain 0 (a = 3.59 A for EMT Cu).
 */
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { createRuntime, defineFlow } from "@latticework/core";
import { bulk, emt } from "@latticework/recipes";

export const strainScan = defineFlow({
  name: "demo.slurm-strain-scan",
  description: "EMT static energies of fcc Cu at several strains, each job on the SLURM executor.",
  input: z.object({ strains: z.array(z.number()).default([-0.02, -0.01, 0, 0.01, 0.02]) }),
  async run(input, f) {
    const outs = await Promise.all(
      input.strains.map((s) => f.run(emt.static, { atoms: bulk("Cu", { cubic: true, a: 3.59 * (1 + s) }).toJSON() }, { label: `strain=${s}`, resources: { cpus: 1, walltimeSeconds: 600 } })),
    );
    return input.strains.map((s, i) => ({ strain: s, energy: outs[i]!.results.energy }));
  },
});

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { slurm } = await import("@latticework/adapter-slurm");
  const { homedir } = await import("node:os");
  const mode = process.argv.includes("pilot") ? "pilot" : "per-job";
  const env = process.env;
  const ssh = process.argv.includes("ssh")
    ? { host: env.LATTICEWORK_TESTBED_SSH_HOST ?? "127.0.0.1", port: Number(env.LATTICEWORK_TESTBED_SSH_PORT ?? 2222), username: env.LATTICEWORK_TESTBED_SSH_USER ?? "root", privateKeyPath: env.LATTICEWORK_TESTBED_SSH_KEY!, knownHosts: env.LATTICEWORK_TESTBED_SSH_KNOWN_HOSTS! }
    : undefined;
  const hpc = slurm({
    mode,
    ...(ssh ? { ssh, commandEnv: { SLURM_CONF: env.SLURM_CONF ?? "" } } : {}),
    remote: { workRoot: `${homedir()}/.latticework/slurm-example` },
    pilot: { nodesPerBlock: 2, maxBlocks: 1, idleTimeoutSeconds: 30 },
  }, { name: "hpc" });
  const rt = createRuntime({ executors: { hpc }, defaultExecutor: "hpc" });
  const res = await rt.run(strainScan, {});
  console.log(res.state, JSON.stringify(res.output ?? res.error, null, 2));
  await rt.close();
}
