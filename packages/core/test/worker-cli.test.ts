// The worker CLI as a real child process, running jobs from .ts files in a project outside the repo.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workerEntryPath, workerNodeArgs } from "../src/worker/node-args.js";
import { readOutcome } from "../src/worker/outcome-file.js";

const coreDir = fileURLToPath(new URL("..", import.meta.url));
const zodDir = dirname(fileURLToPath(import.meta.resolve("zod/package.json")));
const project = mkdtempSync(join(tmpdir(), "lw-user-project-"));

const JOBS_TS = `import { z } from "zod";
import { defineJob } from "@latticework/core";

const Pair = z.object({ a: z.number(), b: z.number() });
export const demo = {
  add: defineJob({ name: "user.add", input: Pair, output: z.object({ sum: z.number() }), run: ({ a, b }: z.infer<typeof Pair>) => ({ sum: a + b }) }),
  sleepy: defineJob({
    name: "user.sleepy",
    input: z.object({}),
    output: z.object({}),
    async run(_input, ctx) {
      await ctx.launch("sh", { args: ["-c", "echo $$ > child.pid; exec sleep 60"] });
      return {};
    },
  }),
};
`;
const MTS = `import { z } from "zod";
import { defineJob } from "@latticework/core";
export const typed: number = 1;
export const hello = defineJob({ name: "user.hello", input: z.object({ who: z.string() }), output: z.object({ text: z.string() }), run: ({ who }) => ({ text: \`hello \${who}\` }) });
`;

beforeAll(() => {
  if (!existsSync(workerEntryPath())) {
    throw new Error(`The worker entry ${workerEntryPath()} is not built. Run \`npx tsc -p packages/core/tsconfig.build.json\` first.`);
  }
  // A user's project: its own node_modules with @latticework/core and zod installed (symlinked here).
  mkdirSync(join(project, "node_modules", "@latticework"), { recursive: true });
  symlinkSync(coreDir, join(project, "node_modules", "@latticework", "core"));
  symlinkSync(zodDir, join(project, "node_modules", "zod"));
  // No package.json "type": the .ts file is CommonJS to Node, the hardest case for a loader.
  writeFileSync(join(project, "jobs.ts"), JOBS_TS);
  writeFileSync(join(project, "esm-jobs.mts"), MTS);
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

interface Ran {
  code: number | null;
  stderr: string;
}

function runWorker(args: string[], opts: { onStart?: (pid: number) => void } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...workerNodeArgs(), workerEntryPath(), ...args], { cwd: tmpdir(), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stderr }));
    if (child.pid !== undefined) opts.onStart?.(child.pid);
  });
}

let n = 0;
function writeSpec(job: string, input: unknown, module = join(project, "jobs.ts"), extra: Record<string, unknown> = {}): { path: string; workdir: string } {
  n++;
  const workdir = join(project, "work", `t${n}`);
  const path = join(project, `spec-${n}.json`);
  writeFileSync(path, JSON.stringify({ v: 1, taskId: `t${n}`, runId: "r1", callKey: `k${n}`, job, module, input, workdir, attempt: 1, ...extra }));
  return { path, workdir };
}

describe("worker CLI (node --import tsx dist/worker/main.js spec.json)", () => {
  it("runs a job from a .ts file outside the repo and writes outcome.json", async () => {
    const s = writeSpec("user.add", { a: 20, b: 22 });
    const r = await runWorker([s.path]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readOutcome(join(s.workdir, "outcome.json"))).toMatchObject({ state: "completed", output: { sum: 42 } });
  });

  it("runs a job from an .mts file, writing the outcome to spec.outcomePath", async () => {
    const outcomePath = join(project, "elsewhere", "o.json");
    const s = writeSpec("user.hello", { who: "chemist" }, join(project, "esm-jobs.mts"), { outcomePath });
    const r = await runWorker([s.path]);
    expect(r.code, r.stderr).toBe(0);
    expect(await readOutcome(outcomePath)).toMatchObject({ state: "completed", output: { text: "hello chemist" } });
  });

  it("an unknown job still exits 0 with a JOB_NOT_FOUND outcome listing the exported jobs", async () => {
    const s = writeSpec("user.nope", {});
    const r = await runWorker([s.path]);
    expect(r.code).toBe(0);
    const o = await readOutcome(join(s.workdir, "outcome.json"));
    expect(o?.state).toBe("failed");
    if (o?.state === "failed") {
      expect(o.error.code).toBe("JOB_NOT_FOUND");
      expect(o.error.message).toContain('"user.add"');
    }
    expect(r.stderr).toContain("JOB_NOT_FOUND");
  });

  it("a missing spec file: exit 2 and a clear message", async () => {
    const r = await runWorker([join(project, "no-such-spec.json")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read TaskSpec file .*no-such-spec\.json/);
  });

  it("no argument: exit 2 with usage", async () => {
    const r = await runWorker([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage:/);
  });

  it("an invalid spec: exit 2 listing the problems", async () => {
    const p = join(project, "bad-spec.json");
    writeFileSync(p, JSON.stringify({ v: 1, job: "user.add" }));
    const r = await runWorker([p]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/taskId/);
    expect(r.stderr).toMatch(/workdir/);
    writeFileSync(p, "{ not json");
    const r2 = await runWorker([p]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/not valid JSON/);
  });

  it("runTask in a plain node process (no loader flags) still imports .ts jobs, through tsx's API", async () => {
    const s = writeSpec("user.add", { a: 1, b: 2 });
    const index = join(dirname(workerEntryPath()), "index.js");
    const script = `import { runTask } from ${JSON.stringify(pathToFileURL(index).href)};
const spec = JSON.parse(process.argv[1]);
process.stdout.write(JSON.stringify(await runTask(spec)));`;
    const spec = JSON.parse(readFileSync(s.path, "utf8")) as unknown;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(spec)], { cwd: tmpdir(), stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      child.stdout.on("data", (d: Buffer) => (text += d.toString()));
      child.on("error", reject);
      child.on("exit", () => resolve(text));
    });
    expect(JSON.parse(out)).toMatchObject({ state: "completed", output: { sum: 3 } });
  });

  it("SIGTERM cancels the job, kills what it launched, and still writes a cancelled outcome", async () => {
    const s = writeSpec("user.sleepy", {});
    const pidFile = join(s.workdir, "child.pid");
    let workerPid = 0;
    const done = runWorker([s.path], { onStart: (pid) => (workerPid = pid) });
    await expect.poll(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim().length > 0, { timeout: 20_000, interval: 50 }).toBe(true);
    const childPid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(childPid)).toBe(true);
    process.kill(workerPid, "SIGTERM");
    const r = await done;
    expect(r.code).toBe(0);
    expect((await readOutcome(join(s.workdir, "outcome.json")))?.state).toBe("cancelled");
    await expect.poll(() => alive(childPid), { timeout: 5000 }).toBe(false);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
