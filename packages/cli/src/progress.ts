import type { LatticeworkEvent, RunState, TaskError } from "@latticework/core";
import { ProgressModel, STATES } from "./progress-model.js";
import type { LineSink } from "./logger.js";
import type { Style } from "./style.js";
import { formatDuration, truncateVisible } from "./style.js";

/** Something that can show a run's progress; also where log lines go while it is active. */
export interface ProgressDisplay extends LineSink {
  /** Feed one runtime event. */
  onEvent(event: LatticeworkEvent): void;
  /** Begin showing (label: flow or job name). */
  start(label: string, runId: string): void;
  /** Stop and leave the final state on screen (live mode) or print nothing more (plain). */
  stop(): void;
}

/** Output stream the display writes to (stderr by default). */
export interface DisplayStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

/** One-line description of a failed attempt: job, attempt, message and where stderr is. */
export function describeFailure(job: string, attempt: number, state: RunState, error: TaskError | undefined, style: Style): string {
  const message = (error?.message ?? "").split("\n")[0] ?? "";
  const where = error?.stderrPath ? style.dim(` (stderr: ${error.stderrPath})`) : "";
  return `${style.red("\u2717")} ${style.bold(job)} attempt ${attempt} ${style.state(state)}${message ? `: ${message}` : ""}${where}`;
}

function countsLine(byState: Record<RunState, number>, style: Style, cached = 0): string {
  const parts: string[] = [];
  for (const s of STATES) {
    if (byState[s] > 0) parts.push(`${byState[s]} ${style.state(s)}${s === "completed" && cached ? style.dim(` (${cached} from store)`) : ""}`);
  }
  return parts.length ? parts.join(style.dim(" \u00b7 ")) : style.dim("waiting for the first job");
}

const SPINNER = ["\u280b", "\u2819", "\u2839", "\u2838", "\u283c", "\u2834", "\u2826", "\u2827", "\u2807", "\u280f"];

/**
 * Live display for a TTY: a block redrawn in place (throttled), with failures and log lines
 * printed above it as they happen.
 */
export class LiveDisplay implements ProgressDisplay {
  readonly #out: DisplayStream;
  readonly #style: Style;
  readonly #model = new ProgressModel();
  readonly #throttleMs: number;
  #label = "";
  #runId = "";
  #drawnLines = 0;
  #timer: NodeJS.Timeout | undefined;
  #tick: NodeJS.Timeout | undefined;
  #active = false;
  #frame = 0;
  readonly #restoreCursor = (): void => {
    this.#out.write("\u001b[?25h");
  };

  constructor(out: DisplayStream, style: Style, options: { throttleMs?: number } = {}) {
    this.#out = out;
    this.#style = style;
    this.#throttleMs = options.throttleMs ?? 100;
  }

  start(label: string, runId: string): void {
    this.#label = label;
    this.#runId = runId;
    this.#model.startedAt = Date.now();
    this.#active = true;
    this.#out.write("\u001b[?25l");
    process.once("exit", this.#restoreCursor);
    this.#draw();
    this.#tick = setInterval(() => this.#schedule(), 1000);
    this.#tick.unref();
  }

  onEvent(event: LatticeworkEvent): void {
    this.#model.apply(event);
    if (event.type === "task.ended" && event.state !== "completed") {
      this.writeLine(describeFailure(event.job, event.attempt, event.state, event.error, this.#style));
    } else if (event.type === "task.retrying") {
      this.writeLine(`${this.#style.yellow("\u21bb")} ${event.job}: retrying as attempt ${event.attempt} in ${formatDuration(event.delayMs)}`);
    }
    this.#schedule();
  }

  writeLine(line: string): void {
    if (!this.#active) {
      this.#out.write(`${line}\n`);
      return;
    }
    this.#clear();
    this.#out.write(`${line}\n`);
    this.#draw();
  }

  stop(): void {
    if (!this.#active) return;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#tick) clearInterval(this.#tick);
    this.#timer = undefined;
    this.#clear();
    this.#draw(true);
    this.#active = false;
    this.#drawnLines = 0;
    this.#out.write("\u001b[?25h");
    process.removeListener("exit", this.#restoreCursor);
  }

  #schedule(): void {
    if (!this.#active || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#active) return;
      this.#clear();
      this.#draw();
    }, this.#throttleMs);
    this.#timer.unref();
  }

  #clear(): void {
    if (this.#drawnLines > 0) this.#out.write(`\u001b[${this.#drawnLines}F\u001b[0J`);
    this.#drawnLines = 0;
  }

  #draw(final = false): void {
    const s = this.#style;
    const width = Math.max(20, (this.#out.columns ?? 80) - 1);
    const maxRows = Math.max(3, (this.#out.rows ?? 24) - 2);
    const elapsed = formatDuration(Date.now() - this.#model.startedAt);
    const icon = final ? " " : s.cyan(SPINNER[this.#frame++ % SPINNER.length]!);
    const totals = this.#model.totals();
    const lines = [
      `${icon} ${s.bold(this.#label)} ${s.dim(`run ${this.#runId}`)} ${s.dim(elapsed)}`,
      `  ${countsLine(totals.byState, s, totals.cached)}`,
    ];
    const rows = this.#model.perJob().sort((a, b) => a.job.localeCompare(b.job));
    const room = maxRows - lines.length;
    const nameWidth = Math.min(28, Math.max(4, ...rows.map((r) => r.job.length)));
    for (const [i, row] of rows.entries()) {
      if (i >= room - 1 && rows.length > room) {
        lines.push(s.dim(`  \u2026 ${rows.length - i} more job names`));
        break;
      }
      const done = row.byState.completed;
      const active = row.byState.running + row.byState.submitted + row.byState.pending;
      const bad = row.byState.failed + row.byState["timed-out"] + row.byState.lost + row.byState.cancelled;
      let line = `  ${row.job.padEnd(nameWidth)} ${bar(done, bad, row.total, 16, s)} ${done}/${row.total}`;
      if (active) line += s.dim(` ${row.byState.running} running, ${row.byState.pending + row.byState.submitted} queued`);
      if (bad) line += ` ${s.red(`${bad} failed`)}`;
      if (row.note && active) line += s.dim(` (${row.note})`);
      lines.push(line);
    }
    const text = lines.map((l) => truncateVisible(l, width)).join("\n");
    this.#out.write(`${text}\n`);
    this.#drawnLines = final ? 0 : lines.length;
  }
}

function bar(done: number, bad: number, total: number, width: number, s: Style): string {
  if (total === 0) return s.dim("\u2591".repeat(width));
  const d = Math.round((done / total) * width);
  const b = Math.min(width - d, Math.round((bad / total) * width));
  return s.green("\u2588".repeat(d)) + s.red("\u2588".repeat(b)) + s.dim("\u2591".repeat(width - d - b));
}

/** Plain display for logs and pipes: one line per noteworthy event, no cursor movement. */
export class PlainDisplay implements ProgressDisplay {
  readonly #out: DisplayStream;
  readonly #style: Style;
  readonly #model = new ProgressModel();
  #rootRunId = "";

  constructor(out: DisplayStream, style: Style) {
    this.#out = out;
    this.#style = style;
  }

  start(label: string, runId: string): void {
    this.#rootRunId = runId;
    this.#model.startedAt = Date.now();
    this.writeLine(`run ${runId} started: ${label}`);
  }

  onEvent(event: LatticeworkEvent): void {
    this.#model.apply(event);
    const s = this.#style;
    const t = `[${formatDuration(Date.now() - this.#model.startedAt).padStart(6)}]`;
    switch (event.type) {
      case "run.started":
        if (event.runId !== this.#rootRunId) this.writeLine(`${s.dim(t)} sub-flow ${event.flow} started (run ${event.runId})`);
        break;
      case "run.ended":
        if (event.runId !== this.#rootRunId) this.writeLine(`${s.dim(t)} sub-flow run ${event.runId} ${s.state(event.state)}`);
        break;
      case "task.waiting":
        this.writeLine(`${s.dim(t)} ${event.job} waiting: ${event.reason}`);
        break;
      case "task.ended":
        if (event.state === "completed") this.writeLine(`${s.dim(t)} ${s.green("\u2713")} ${event.job}${event.cached ? s.dim(" (from store)") : ""}`);
        else this.writeLine(`${s.dim(t)} ${describeFailure(event.job, event.attempt, event.state, event.error, s)}`);
        break;
      case "task.retrying":
        this.writeLine(`${s.dim(t)} ${event.job}: retrying as attempt ${event.attempt} in ${formatDuration(event.delayMs)}`);
        break;
      default:
        break;
    }
  }

  writeLine(line: string): void {
    this.#out.write(`${line}\n`);
  }

  stop(): void {}
}

/** A display that shows nothing (--quiet) but still passes log lines through. */
export class QuietDisplay implements ProgressDisplay {
  readonly #out: DisplayStream;
  constructor(out: DisplayStream) {
    this.#out = out;
  }
  onEvent(): void {}
  start(): void {}
  stop(): void {}
  writeLine(line: string): void {
    this.#out.write(`${line}\n`);
  }
}
