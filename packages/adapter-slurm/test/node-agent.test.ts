import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { PilotConfig } from "../src/pilot/layout.js";

const AGENT = fileURLToPath(new URL("../dist/pilot/node-agent.js", import.meta.url));
const WORKER = fileURLToPath(new URL("./fixtures/agent-worker.mjs", import.meta.url));

/** Start a node agent directly (as srun would on a node), speaking its JSON-lines protocol. */
function startAgent(env: NodeJS.ProcessEnv = {}) {
  if (!existsSync(AGENT)) throw new Error(`${AGENT} is missing: build the package first (npx turbo run build --filter=@latticework/adapter-slurm)`);
  const dir = mkdtempSync(join(tmpdir(), "lw-agent-"));
  const cfg: PilotConfig = { root: dir, blockId: "b1", coresPerNode: 2, walltimeSeconds: 600, idleTimeoutSeconds: 60, drainSeconds: 30, heartbeatSeconds: 1, pollMs: 20, idlePollMs: 250, workerNodeArgs: [], workerScript: WORKER, stdoutPath: join(dir, "block.out"), initialWorkers: 1, workerSpawnAfterMs: 50 };
  writeFileSync(join(dir, "config.json"), JSON.stringify(cfg));
  const p = spawn(process.execPath, [AGENT, join(dir, "config.json")], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, ...env } });
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: p.stdout! }).on("line", (l) => {
    raw.push(l);
    lines.push(JSON.parse(l) as Record<string, unknown>);
    waiters.splice(0).forEach((w) => w());
  });
  const until = (pred: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out; agent said: ${raw.join(" | ")}`)), 20_000);
      const check = () => (pred() ? (clearTimeout(t), resolve()) : waiters.push(check));
      check();
    });
  const send = (m: unknown) => p.stdin!.write(`${JSON.stringify(m)}\n`);
  const exited = new Promise<number | null>((r) => p.on("exit", (c) => r(c)));
  return { p, dir, lines, raw, until, send, exited };
}

describe("node agent (stdio protocol, no SLURM needed)", () => {
  it("runs specs, reports done, keeps task stdout out of the channel, restores job-level SLURM variables", async () => {
    const jobEnv = { SLURM_NNODES: "4", SLURM_JOB_ID: "77" };
    const a = startAgent({ SLURMD_NODENAME: "nodeX", SLURM_NNODES: "1", SLURM_STEP_ID: "3", LW_AGENT_JOB_ENV: JSON.stringify(jobEnv) });
    await a.until(() => a.lines.some((l) => l.t === "ready"));
    expect(a.lines[0]).toMatchObject({ t: "ready", node: "nodeX" });
    for (const id of ["a", "b", "c"]) a.send({ t: "run", spec: { taskId: id, ms: 100, outcomePath: join(a.dir, `${id}.json`) } });
    await a.until(() => a.lines.filter((l) => l.t === "done").length === 3);
    expect(a.lines.filter((l) => l.t === "done").map((l) => l.taskId).sort()).toEqual(["a", "b", "c"]);
    expect(a.raw.every((l) => !l.includes("noise") && !l.includes("spoofed"))).toBe(true);
    expect(readFileSync(join(a.dir, "block.out"), "utf8")).toContain("noise from a");
    expect(JSON.parse(readFileSync(join(a.dir, "a.json"), "utf8"))).toEqual({ node: "nodeX", nnodes: "4", step: null });
    a.p.stdin!.end();
    expect(await a.exited).toBe(0);
  });

  it("kill withdraws a waiting task or ends a running one; the agent exits when its stdin closes", async () => {
    const a = startAgent();
    await a.until(() => a.lines.some((l) => l.t === "ready"));
    a.send({ t: "run", spec: { taskId: "long", ms: 60_000, outcomePath: join(a.dir, "long.json") } });
    // Wait until the one initial worker took it (the agent's pool grows after 50 ms of waiting).
    await new Promise((r) => setTimeout(r, 300));
    a.send({ t: "kill", taskId: "long", signal: "SIGKILL" });
    await a.until(() => a.lines.some((l) => l.t === "exit" && l.taskId === "long"));
    expect(a.lines.find((l) => l.t === "exit")).toMatchObject({ taskId: "long", signal: "SIGKILL" });
    expect(existsSync(join(a.dir, "long.json"))).toBe(false);
    // Two slots: a third task waits for a worker, and kill takes it back (exit with neither code nor signal).
    for (const id of ["l1", "l2", "queued"]) a.send({ t: "run", spec: { taskId: id, ms: 60_000, outcomePath: join(a.dir, `${id}.json`) } });
    await new Promise((r) => setTimeout(r, 300));
    a.send({ t: "kill", taskId: "queued", signal: "SIGTERM" });
    await a.until(() => a.lines.some((l) => l.t === "exit" && l.taskId === "queued"));
    expect(a.lines.find((l) => l.taskId === "queued")).toEqual({ t: "exit", taskId: "queued", code: null, signal: null });
    a.p.stdin!.end();
    expect(await a.exited).toBe(0);
  });
});
