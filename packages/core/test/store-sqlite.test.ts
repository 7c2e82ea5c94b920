import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { LatticeworkError } from "../src/errors.js";
import { LATEST_SCHEMA_VERSION, migrate, MIGRATIONS, STORE_APPLICATION_ID } from "../src/store/migrations.js";
import type { RunRecord } from "../src/store/run-store.js";
import { SqliteRunStore } from "../src/store/sqlite-store.js";
import { workerNodeArgs } from "../src/worker/node-args.js";

const Database = createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3;
const root = mkdtempSync(join(tmpdir(), "lw-sqlite-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(root, `d${++n}`);
const HAMMER = fileURLToPath(new URL("./fixtures/store-hammer.ts", import.meta.url));

function run(runId: string, extra: Partial<RunRecord> = {}): RunRecord {
  return { runId, name: "f", kind: "flow", target: null, input: { x: 1 }, state: "running", parentRunId: null, parentCallKey: null, executor: "local", options: {}, output: undefined, error: null, createdAt: 1, startedAt: null, endedAt: null, cancelRequested: false, ownerPid: null, ownerHost: null, ...extra };
}

async function storeError(p: Promise<unknown>): Promise<LatticeworkError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(e instanceof LatticeworkError)) throw new Error(`expected a LatticeworkError, got ${String(e)}`);
  return e;
}

/** sha256 of every file in `dir` except the WAL index (-shm), which every reader of a WAL database writes. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (!f.endsWith("-shm")) out[f] = createHash("sha256").update(readFileSync(join(dir, f))).digest("hex");
  return out;
}

describe("SqliteRunStore: files", () => {
  it("persists across instances and processes' lifetimes", async () => {
    const dir = freshDir();
    const a = new SqliteRunStore({ dir });
    a.createRun(run("r1", { output: { e: -1.5 } }));
    await a.close();
    const b = new SqliteRunStore({ dir });
    expect(await b.getRun("r1")).toEqual(run("r1", { output: { e: -1.5 } }));
    await b.close();
  });

  it("dir 0700 (tightened if it existed), store files and artifacts 0600; WAL, synchronous=NORMAL, application id", async () => {
    const dir = freshDir();
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const s = new SqliteRunStore({ dir });
    s.createRun(run("r1"));
    const digest = await s.putArtifact("payload");
    await s.flush();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of ["store.sqlite", "store.sqlite-wal", "store.sqlite-shm"]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
      expect(statSync(join(dir, f)).mode & 0o777, f).toBe(0o600);
    }
    expect(statSync(join(dir, "artifacts")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "artifacts", digest.slice(0, 2))).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, "artifacts", digest.slice(0, 2), digest.slice(2))).mode & 0o777).toBe(0o600);
    const db = new Database(join(dir, "store.sqlite"), { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("application_id", { simple: true })).toBe(STORE_APPLICATION_ID);
    db.close();
    await s.close();
  });

  it("a foreign SQLite file (another program's tables): STORE_FOREIGN, file untouched", async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const other = new Database(join(dir, "store.sqlite"));
    other.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users (email) VALUES ('a@b.c');");
    other.close();
    const before = snapshot(dir);
    const e = await storeError(new SqliteRunStore({ dir }).open());
    expect(e.code).toBe("STORE_FOREIGN");
    expect(e.message).toContain(join(dir, "store.sqlite"));
    expect(e.message).toMatch(/Point the store elsewhere/);
    expect(snapshot(dir)).toEqual(before);
  });

  it("a SQLite file with another application id: STORE_FOREIGN, untouched", async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const other = new Database(join(dir, "store.sqlite"));
    other.pragma("application_id = 1234");
    other.exec("VACUUM");
    other.close();
    const before = snapshot(dir);
    expect((await storeError(new SqliteRunStore({ dir }).open())).code).toBe("STORE_FOREIGN");
    expect(snapshot(dir)).toEqual(before);
  });

  it("a foreign database whose tables are still in its WAL: STORE_FOREIGN, untouched", async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const other = new Database(join(dir, "store.sqlite"));
    other.pragma("journal_mode = WAL");
    other.pragma("wal_autocheckpoint = 0");
    other.exec("CREATE TABLE notes (t TEXT)");
    // The program dies without checkpointing: its tables exist only in the WAL.
    const wal = readFileSync(join(dir, "store.sqlite-wal"));
    const main = readFileSync(join(dir, "store.sqlite"));
    other.close();
    writeFileSync(join(dir, "store.sqlite"), main);
    writeFileSync(join(dir, "store.sqlite-wal"), wal);
    const before = snapshot(dir);
    expect((await storeError(new SqliteRunStore({ dir }).open())).code).toBe("STORE_FOREIGN");
    expect(snapshot(dir)).toEqual(before);
  });

  it("garbage bytes: STORE_CORRUPT naming the file and what to do, bytes untouched", async () => {
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "store.sqlite"), Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 37 + 11) % 256)));
    const before = snapshot(dir);
    const e = await storeError(new SqliteRunStore({ dir }).open());
    expect(e.code).toBe("STORE_CORRUPT");
    expect(e.message).toContain(join(dir, "store.sqlite"));
    expect(e.message).toMatch(/left untouched/);
    expect(snapshot(dir)).toEqual(before);
  });

  it("a damaged latticework store (good header, garbage pages): STORE_CORRUPT, untouched", async () => {
    const dir = freshDir();
    const s = new SqliteRunStore({ dir });
    for (let i = 0; i < 200; i++) s.createRun(run(`r${i}`, { input: { pad: "x".repeat(200) } }));
    await s.close();
    const file = join(dir, "store.sqlite");
    const bytes = readFileSync(file);
    for (let i = 100; i < bytes.length; i++) bytes[i] = (i * 131) % 251;
    writeFileSync(file, bytes);
    const before = snapshot(dir);
    const e = await storeError(new SqliteRunStore({ dir }).listRuns());
    expect(e.code).toBe("STORE_CORRUPT");
    expect(snapshot(dir)).toEqual(before);
  });

  it("a store from a newer version: clear STORE_ERROR, nothing changed", async () => {
    const dir = freshDir();
    await new SqliteRunStore({ dir }).close().then(async () => {
      const s = new SqliteRunStore({ dir });
      await s.open();
      await s.close();
    });
    const db = new Database(join(dir, "store.sqlite"));
    db.prepare("INSERT INTO schema_migrations (version, description, applied_at) VALUES (99, 'future', 0)").run();
    db.close();
    const before = snapshot(dir);
    const e = await storeError(new SqliteRunStore({ dir }).open());
    expect(e.code).toBe("STORE_ERROR");
    expect(e.message).toMatch(/schema version 99.*Upgrade @latticework\/core/);
    expect(snapshot(dir)).toEqual(before);
  });

  it("invalid options: CONFIG_INVALID listing every problem", () => {
    expect(() => new SqliteRunStore({ dir: "", busyTimeoutMs: -1, bogus: true } as never)).toThrow(/\[sqlite-store\][\s\S]*dir[\s\S]*busyTimeoutMs[\s\S]*bogus/);
  });
});

describe("SqliteRunStore: migrations", () => {
  it("a new store records each migration once; reopening applies nothing", async () => {
    const dir = freshDir();
    const s = new SqliteRunStore({ dir });
    await s.open();
    await s.close();
    const db = new Database(join(dir, "store.sqlite"));
    const rows = db.prepare("SELECT version, description FROM schema_migrations ORDER BY version").all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, description: m.description })));
    expect(migrate(db)).toEqual([]);
    db.close();
  });

  it("applies only newer steps, forward, and a failing step rolls back entirely", () => {
    const db = new Database(":memory:");
    expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    const next = LATEST_SCHEMA_VERSION + 1;
    const good = [...MIGRATIONS, { version: next, description: "notes", sql: "CREATE TABLE notes (t TEXT);" }];
    expect(migrate(db, good)).toEqual([next]);
    const bad = [...good, { version: next + 1, description: "broken", sql: "CREATE TABLE half (x); THIS IS NOT SQL;" }];
    expect(() => migrate(db, bad)).toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined();
    expect((db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number }).v).toBe(next);
    db.close();
  });
});

describe("SqliteRunStore: behaviour", () => {
  it("snapshots records when they are written", async () => {
    const s = new SqliteRunStore({ dir: freshDir() });
    const r = run("r1");
    s.createRun(r);
    (r.input as { x: number }).x = 99;
    r.state = "failed";
    expect(await s.getRun("r1")).toMatchObject({ state: "running", input: { x: 1 } });
    await s.close();
  });

  it("spills big JSON values to artifacts and reads them back", async () => {
    const dir = freshDir();
    const s = new SqliteRunStore({ dir, inlineLimitBytes: 1024 });
    const positions = Array.from({ length: 5000 }, (_, i) => [i, i + 0.5, i + 0.25]);
    s.createRun(run("big", { input: { positions } }));
    expect((await s.getRun("big"))?.input).toEqual({ positions });
    await s.close();
    const db = new Database(join(dir, "store.sqlite"), { readonly: true });
    const raw = (db.prepare("SELECT input FROM runs WHERE run_id = 'big'").get() as { input: string }).input;
    db.close();
    expect(raw).toMatch(/^@artifact:[0-9a-f]{64}$/);
    expect(existsSync(join(dir, "artifacts", raw.slice(10, 12), raw.slice(12)))).toBe(true);
  });

  it("the same edge added twice (a replay) is stored once", async () => {
    const s = new SqliteRunStore({ dir: freshDir() });
    for (let i = 0; i < 2; i++) {
      s.addEdge({ runId: "r", fromKey: "a", toKey: "b", path: null });
      s.addEdge({ runId: "r", fromKey: "a", toKey: "b", path: "atoms" });
    }
    expect(await s.listEdges("r")).toHaveLength(2);
    await s.close();
  });

  it("a bad write is reported on flush and does not sink the other writes of its batch", async () => {
    const s = new SqliteRunStore({ dir: freshDir() });
    s.createRun(run("good-1"));
    s.createRun({ ...run("bad"), name: null } as unknown as RunRecord);
    s.createRun(run("good-2"));
    const e = await storeError(s.flush());
    expect(e.code).toBe("STORE_ERROR");
    expect(e.message).toMatch(/NOT NULL/);
    expect((await s.listRuns()).map((r) => r.runId).sort()).toEqual(["good-1", "good-2"]);
    await s.flush();
    await s.close();
  });

  it("unknown fields in a patch are refused at once", () => {
    const s = new SqliteRunStore({ dir: freshDir() });
    expect(() => s.updateRun("r", { stat: "failed" } as never)).toThrow(/Unknown runs field in update: stat/);
  });

  it("a closed store refuses writes and reads; close twice is fine", async () => {
    const s = new SqliteRunStore({ dir: freshDir() });
    await s.open();
    await s.close();
    await s.close();
    expect(() => s.createRun(run("x"))).toThrow(/closed/);
    await expect(s.getRun("x")).rejects.toThrow(/closed/);
  });

  it("writes queued right before process.exit() are committed", async () => {
    const dir = freshDir();
    const r = await child([HAMMER, dir, "exit", "0", "300"]);
    expect(r.code, r.stderr).toBe(0);
    const s = new SqliteRunStore({ dir });
    expect(await s.listRuns()).toHaveLength(300);
    await s.close();
  });
});

describe("SqliteRunStore: several processes on one store", () => {
  it("4 processes creating the same new store at once: one migrates, all write", async () => {
    const dir = freshDir();
    const results = await Promise.all([1, 2, 3, 4].map((id) => child([HAMMER, dir, "writer", String(id), "30"])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const s = new SqliteRunStore({ dir });
    expect(await s.listRuns()).toHaveLength(120);
    await s.close();
    const db = new Database(join(dir, "store.sqlite"), { readonly: true });
    expect(db.prepare("SELECT COUNT(*) AS n FROM schema_migrations").get()).toEqual({ n: MIGRATIONS.length });
    db.close();
  }, 120_000);

  it("4 writers + a reader + this process reading: no 'database is locked', every row and attempt kept", async () => {
    const dir = freshDir();
    const init = new SqliteRunStore({ dir });
    await init.open();
    const per = 400;
    const reader = spawn(process.execPath, [...workerNodeArgs(), HAMMER, dir, "reader", "0", "0"], { stdio: ["pipe", "pipe", "pipe"] });
    let readerOut = "";
    let readerErr = "";
    reader.stdout.on("data", (d: Buffer) => (readerOut += d.toString()));
    reader.stderr.on("data", (d: Buffer) => (readerErr += d.toString()));
    const readerDone = new Promise<number | null>((r) => reader.on("exit", r));
    const writers = [1, 2, 3, 4].map((id) => child([HAMMER, dir, "writer", String(id), String(per)]));
    let ownReads = 0;
    let finished = false;
    const all = Promise.all(writers).finally(() => (finished = true));
    while (!finished) {
      await init.listRuns({ limit: 20 });
      ownReads++;
      await new Promise((r) => setTimeout(r, 5));
    }
    const results = await all;
    reader.stdin.end();
    const readerCode = await readerDone;
    for (const r of results) {
      expect(r.stderr).not.toMatch(/locked|SQLITE_BUSY/i);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(readerErr).not.toMatch(/locked|SQLITE_BUSY/i);
    expect(readerCode, readerErr).toBe(0);
    expect(Number(readerOut)).toBeGreaterThan(0);
    expect(ownReads).toBeGreaterThan(0);
    const runs = await init.listRuns();
    expect(runs).toHaveLength(4 * per);
    expect(runs.every((r) => r.state === "completed")).toBe(true);
    const some = await init.listAttempts("w3-r123");
    expect(some.map((a) => [a.attempt, a.state])).toEqual([
      [1, "failed"],
      [2, "completed"],
    ]);
    expect(await init.getCall("w2-r7", "k")).toMatchObject({ state: "completed", output: { ok: 7 } });
    await init.close();
  }, 180_000);
});

function child(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...workerNodeArgs(), ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    p.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    p.on("error", reject);
    p.on("exit", (code) => resolve({ code, stderr }));
  });
}

describe("SqliteRunStore: write coalescing", () => {
  it("an insert and its updates in one tick become one row write with the final values", async () => {
    const s = new SqliteRunStore({ dir: freshDir() });
    await s.open();
    const before = s.stats.writes;
    s.createRun(run("r"));
    s.updateRun("r", { state: "completed" });
    s.updateRun("r", { endedAt: 9, output: { ok: true } });
    await s.flush();
    expect(s.stats.writes - before).toBe(1);
    expect(await s.getRun("r")).toMatchObject({ state: "completed", endedAt: 9, output: { ok: true } });
    // updates of a committed row merge with each other too
    s.updateRun("r", { state: "failed" });
    s.updateRun("r", { error: { code: "X", message: "m" } });
    await s.flush();
    expect(s.stats.writes - before).toBe(2);
    expect(await s.getRun("r")).toMatchObject({ state: "failed", error: { code: "X", message: "m" }, output: { ok: true } });
    await s.close();
  });

  it.each([0, 20])("queued writes reach other connections without flush (commitIntervalMs %i), in one transaction", async (ms) => {
    const dir = freshDir();
    const s = new SqliteRunStore({ dir, commitIntervalMs: ms });
    await s.open();
    const commits = s.stats.commits;
    for (let i = 0; i < 5; i++) s.createRun(run(`q${i}`));
    const reader = new Database(join(dir, "store.sqlite"), { readonly: true });
    const count = (): number => (reader.prepare("SELECT COUNT(*) AS n FROM runs").get() as { n: number }).n;
    expect(count()).toBe(0);
    for (let t = 0; t < 200 && count() < 5; t++) await new Promise((r) => setTimeout(r, 10));
    expect(count()).toBe(5);
    expect(s.stats.commits - commits).toBe(1);
    reader.close();
    await s.close();
  });

  it("committed(): a completed call is durable when it resolves (another connection reads it)", async () => {
    const dir = freshDir();
    const s = new SqliteRunStore({ dir, commitIntervalMs: 1000 });
    await s.open();
    s.createRun(run("dur"));
    s.upsertCall({ runId: "dur", callKey: "k", callPath: "a", kind: "job", name: "a", inputHash: "h", input: {}, state: "running", executor: "local", attempts: 1, output: null, error: null, childRunId: null, createdAt: 1, endedAt: null });
    s.updateCall("dur", "k", { state: "completed", output: { ok: 1 }, endedAt: 2 });
    await s.committed();
    const reader = new Database(join(dir, "store.sqlite"), { readonly: true });
    expect((reader.prepare("SELECT state FROM calls WHERE call_key = 'k'").get() as { state: string }).state).toBe("completed");
    reader.close();
    await s.close();
  });

  it("rejects a commit interval out of range", () => {
    expect(() => new SqliteRunStore({ dir: freshDir(), commitIntervalMs: -1 })).toThrow(/\[sqlite-store\][\s\S]*commitIntervalMs/);
    expect(() => new SqliteRunStore({ dir: freshDir(), commitIntervalMs: 5000 })).toThrow(/commitIntervalMs/);
  });
});
