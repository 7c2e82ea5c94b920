/**
 * The leader's side of the per-node agents (node-agent.ts): one long-lived srun step per node of
 * the block other than the leader's own, whose stdin/stdout carry JSON lines. Dispatching a task
 * to another node is then one write on a pipe (no step launch per task), and the task runs on the
 * node it was placed on.
 *
 * The step is `srun --overlap --nodes=1 --ntasks=1 -w <node> --cpus-per-task=<slots> --mem=0`:
 * `--overlap` so it neither waits for nor blocks the steps tasks start themselves (mpirun, srun),
 * all of the node's CPUs and memory so a task-affinity or cgroup plugin does not confine the
 * agent's workers to one core. Node built-ins only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { FromAgent, ToAgent } from "./node-agent.js";

/** What the leader hears from its agents. */
export interface AgentEvents {
  done(taskId: string): void;
  exit(taskId: string, code: number | null, signal: NodeJS.Signals | null): void;
  /**
   * The agent of `host` is gone (its step ended): its slots must not be used; its tasks are lost,
   * unless it never reported ready (`started` false: srun could not start it, nothing ran).
   */
  dead(host: string, reason: string, started: boolean): void;
  log(msg: string): void;
}

interface Agent {
  host: string;
  proc: ChildProcess;
  ready: boolean;
  pid?: number;
  alive: boolean;
  /** Lines waiting for this turn's single write. */
  outbox?: string;
}

/** One agent per remote node of the block. */
export class NodeAgents {
  readonly #agents = new Map<string, Agent>();
  readonly #ev: AgentEvents;

  constructor(hosts: string[], configPath: string, slotsPerNode: number, ev: AgentEvents, srun = process.env.LW_PILOT_SRUN || "srun") {
    this.#ev = ev;
    const script = fileURLToPath(new URL("./node-agent.js", import.meta.url));
    // Tasks in agents see the job-level SLURM variables (not the agent step's own).
    const jobEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("SLURM_")));
    for (const host of hosts) {
      const args = ["--overlap", "--nodes=1", "--ntasks=1", `--nodelist=${host}`, `--cpus-per-task=${slotsPerNode}`, "--mem=0", "--unbuffered", "--kill-on-bad-exit=0", `--job-name=lw-agent-${host}`, process.execPath, script, configPath];
      const proc = spawn(srun, args, { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, LW_AGENT_JOB_ENV: JSON.stringify(jobEnv) } });
      const a: Agent = { host, proc, ready: false, alive: true };
      this.#agents.set(host, a);
      proc.stdin!.on("error", () => {}); // EPIPE after the step died: the exit handler reports it
      createInterface({ input: proc.stdout!, crlfDelay: Infinity }).on("line", (line) => this.#onLine(a, line));
      proc.on("error", (e) => this.#gone(a, `could not start srun: ${e.message}`));
      proc.on("exit", (code, signal) => this.#gone(a, `its step exited (code ${code}, signal ${signal})`));
    }
  }

  #onLine(a: Agent, line: string): void {
    let m: FromAgent;
    try {
      m = JSON.parse(line) as FromAgent;
    } catch {
      this.#ev.log(`agent ${a.host}: ${line}`); // not protocol (srun's own messages)
      return;
    }
    if (m.t === "ready") {
      a.ready = true;
      a.pid = m.pid;
      this.#ev.log(`agent on ${a.host} ready (process ${m.pid}, node ${m.node})`);
    } else if (m.t === "done") this.#ev.done(m.taskId);
    else if (m.t === "exit") this.#ev.exit(m.taskId, m.code, m.signal);
  }

  #gone(a: Agent, reason: string): void {
    if (!a.alive) return;
    a.alive = false;
    this.#ev.dead(a.host, reason, a.ready);
  }

  /** Whether `host` has a live agent. */
  has(host: string): boolean {
    return this.#agents.get(host)?.alive === true;
  }

  /** Agents (for logs and tests). */
  list(): { host: string; ready: boolean; alive: boolean; pid?: number; srunPid?: number }[] {
    return [...this.#agents.values()].map((a) => ({ host: a.host, ready: a.ready, alive: a.alive, pid: a.pid, srunPid: a.proc.pid }));
  }

  #send(host: string, m: ToAgent): boolean {
    const a = this.#agents.get(host);
    if (!a?.alive) return false;
    // One write per agent per event-loop turn: each write is relayed by srun and slurmstepd.
    if (!a.outbox) {
      a.outbox = "";
      setImmediate(() => {
        const text = a.outbox ?? "";
        a.outbox = undefined;
        if (a.alive && text && !a.proc.stdin!.writableEnded) a.proc.stdin!.write(text);
      });
    }
    a.outbox += `${JSON.stringify(m)}\n`;
    return true;
  }

  /** Run a task on `host`'s agent. False when that agent is gone. */
  run(host: string, spec: { taskId: string } & Record<string, unknown>): boolean {
    return this.#send(host, { t: "run", spec });
  }

  /** Withdraw a task not started yet, or signal its worker's process tree. */
  kill(host: string, taskId: string, signal: NodeJS.Signals): boolean {
    return this.#send(host, { t: "kill", taskId, signal });
  }

  /** Close every agent's stdin (they exit), then end the steps still there after `graceMs`. */
  async close(graceMs = 3000): Promise<void> {
    const live = [...this.#agents.values()].filter((a) => a.proc.exitCode === null && a.proc.signalCode === null);
    for (const a of this.#agents.values()) a.alive = false;
    for (const a of live) {
      const text = a.outbox;
      a.outbox = undefined;
      a.proc.stdin!.end(text || undefined);
    }
    await Promise.all(
      live.map(
        (a) =>
          new Promise<void>((r) => {
            const t = setTimeout(() => {
              a.proc.kill("SIGTERM");
              r();
            }, graceMs);
            a.proc.once("exit", () => {
              clearTimeout(t);
              r();
            });
          }),
      ),
    );
  }
}
