import type { RunState } from "@latticework/core";

/** Text styling that collapses to plain text when colour is off. */
export interface Style {
  readonly color: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  /** Colour a state name by its meaning. */
  state(s: RunState | string): string;
}

/**
 * Colour is on only for a TTY, without NO_COLOR (any non-empty value, see no-color.org), and
 * without --no-color.
 */
export function wantsColor(stream: { isTTY?: boolean }, flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return stream.isTTY === true;
}

/** Make a Style. */
export function createStyle(color: boolean): Style {
  const sgr = (open: number, close: number) => (s: string) => (color && s !== "" ? `\u001b[${open}m${s}\u001b[${close}m` : s);
  const red = sgr(31, 39);
  const green = sgr(32, 39);
  const yellow = sgr(33, 39);
  const cyan = sgr(36, 39);
  const dim = sgr(2, 22);
  return {
    color,
    bold: sgr(1, 22),
    dim,
    red,
    green,
    yellow,
    cyan,
    state(s) {
      if (s === "completed") return green(s);
      if (s === "failed" || s === "lost" || s === "timed-out") return red(s);
      if (s === "cancelled") return yellow(s);
      if (s === "running" || s === "submitted") return cyan(s);
      return dim(s);
    },
  };
}

/** Visible length of a string (ANSI escapes removed). */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, "").length;
}

/** Cut a styled string to `width` visible characters (keeps escapes, resets at the end). */
export function truncateVisible(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  let out = "";
  let seen = 0;
  for (let i = 0; i < s.length && seen < width - 1; ) {
    // eslint-disable-next-line no-control-regex
    const m = /^\u001b\[[0-9;]*m/.exec(s.slice(i));
    if (m) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    out += s[i];
    seen++;
    i++;
  }
  return `${out}\u2026${s.includes("\u001b[") ? "\u001b[0m" : ""}`;
}

/** Human duration: 850ms, 12.3s, 4m05s, 2h03m. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "-";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")}s`;
  return `${Math.floor(ms / 3_600_000)}h${String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, "0")}m`;
}
