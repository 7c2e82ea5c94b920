import { describe, expect, it } from "vitest";
import type { LatticeworkEvent } from "@latticework/core";
import { LiveDisplay, PlainDisplay } from "../src/progress.js";
import { ProgressModel } from "../src/progress-model.js";
import { createStyle, truncateVisible, visibleLength, wantsColor } from "../src/style.js";

const at = 0;
const events: LatticeworkEvent[] = [
  { type: "run.started", runId: "r1", flow: "demo", at },
  { type: "task.pending", runId: "r1", taskId: "t1", callKey: "k1", job: "relax", attempt: 1, executor: "local", at },
  { type: "task.pending", runId: "r1", taskId: "t2", callKey: "k2", job: "relax", attempt: 1, executor: "local", at },
  { type: "task.pending", runId: "r1", taskId: "t3", callKey: "k3", job: "static", attempt: 1, executor: "local", at },
  { type: "task.submitted", runId: "r1", taskId: "t1", job: "relax", nativeId: "1", executor: "local", at },
  { type: "task.running", runId: "r1", taskId: "t1", job: "relax", at },
  { type: "task.waiting", runId: "r1", taskId: "t3", job: "static", reason: "Priority", at },
  { type: "task.ended", runId: "r1", taskId: "t1", job: "relax", attempt: 1, state: "completed", at },
  { type: "task.ended", runId: "r1", taskId: "t2", job: "relax", attempt: 1, state: "failed", at, error: { code: "JOB_FAILED", message: "boom\nmore", stderrPath: "/w/stderr" } },
];

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 100, rows: 30, write: (s: string) => chunks.push(s) } };
}

describe("ProgressModel", () => {
  it("counts per state and per job name", () => {
    const m = new ProgressModel();
    for (const e of events) m.apply(e);
    const t = m.totals();
    expect(t.total).toBe(3);
    expect(t.byState.completed).toBe(1);
    expect(t.byState.failed).toBe(1);
    expect(t.byState.pending).toBe(1);
    const rows = Object.fromEntries(m.perJob().map((r) => [r.job, r]));
    expect(rows.relax?.total).toBe(2);
    expect(rows.static?.note).toBe("Priority");
  });
});

describe("displays", () => {
  it("live: redraws in place and prints failures above the block", () => {
    const { chunks, stream } = sink(true);
    const d = new LiveDisplay(stream, createStyle(false), { throttleMs: 1 });
    d.start("demo", "r1");
    for (const e of events) d.onEvent(e);
    d.stop();
    const out = chunks.join("");
    // cursor moved up over the previous block before drawing again
    expect(out).toMatch(/\u001b\[\d+F\u001b\[0J/);
    expect(out).toContain("\u2717 relax attempt 1 failed: boom (stderr: /w/stderr)");
    const finalBlock = out.slice(out.lastIndexOf("demo"));
    expect(finalBlock).toContain("1 pending");
    expect(finalBlock).toContain("1 completed");
    expect(finalBlock).toContain("1 failed");
    expect(finalBlock).toMatch(/relax\s+\S+ 1\/2/);
    expect(finalBlock).toMatch(/static\s+\S+ 0\/1 0 running, 1 queued \(Priority\)/);
    expect(out.endsWith("\u001b[?25h")).toBe(true);
    expect(out).not.toMatch(/\u001b\[3\dm/); // no colour when the style has none
  });

  it("plain: one line per finished task, no cursor movement", () => {
    const { chunks, stream } = sink(false);
    const d = new PlainDisplay(stream, createStyle(false));
    d.start("demo", "r1");
    for (const e of events) d.onEvent(e);
    d.stop();
    const out = chunks.join("");
    expect(out).not.toContain("\u001b[");
    expect(out).toMatch(/run r1 started: demo/);
    expect(out).toMatch(/\u2713 relax/);
    expect(out).toMatch(/static waiting: Priority/);
    expect(out).toMatch(/\u2717 relax attempt 1 failed: boom/);
  });

  it("colour follows TTY, NO_COLOR and --no-color", () => {
    expect(wantsColor({ isTTY: true }, undefined, {})).toBe(true);
    expect(wantsColor({ isTTY: true }, undefined, { NO_COLOR: "1" })).toBe(false);
    expect(wantsColor({ isTTY: true }, undefined, { NO_COLOR: "" })).toBe(true);
    expect(wantsColor({ isTTY: true }, false, {})).toBe(false);
    expect(wantsColor({ isTTY: false }, undefined, {})).toBe(false);
  });

  it("truncates styled text by visible width", () => {
    const s = createStyle(true);
    const line = `${s.red("abcdef")}ghij`;
    expect(visibleLength(truncateVisible(line, 5))).toBe(5);
    expect(truncateVisible("short", 10)).toBe("short");
  });
});

describe("ProgressModel with retries", () => {
  it("counts a retried call once, in its latest attempt's state", () => {
    const m = new ProgressModel();
    m.apply({ type: "task.pending", runId: "r", taskId: "k-1", callKey: "k", job: "relax", attempt: 1, executor: "local", at });
    m.apply({ type: "task.ended", runId: "r", taskId: "k-1", job: "relax", attempt: 1, state: "failed", at });
    m.apply({ type: "task.retrying", runId: "r", taskId: "k-1", job: "relax", attempt: 2, delayMs: 10, at });
    expect(m.totals().byState.failed).toBe(1);
    m.apply({ type: "task.pending", runId: "r", taskId: "k-2", callKey: "k", job: "relax", attempt: 2, executor: "local", at });
    m.apply({ type: "task.ended", runId: "r", taskId: "k-2", job: "relax", attempt: 2, state: "completed", at });
    const t = m.totals();
    expect(t.total).toBe(1);
    expect(t.byState.completed).toBe(1);
    expect(t.byState.failed).toBe(0);
    expect(m.perJob()[0]).toMatchObject({ job: "relax", total: 1 });
  });
});
