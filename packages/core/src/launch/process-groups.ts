/**
 * Process groups started by launchers in this process. On exit (normal or process.exit) every
 * group still alive is killed, so programs never outlive the worker that launched them.
 */
const live = new Set<number>();
let hooked = false;

function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // group already gone
  }
}

function onExit(): void {
  for (const pgid of live) killGroup(pgid, "SIGKILL");
  live.clear();
}

/** Remember a process group so it is killed if this process exits first. */
export function trackGroup(pgid: number): void {
  if (!hooked) {
    process.on("exit", onExit);
    hooked = true;
  }
  live.add(pgid);
}

/** Forget a process group (its leader exited and the group was reaped or killed). */
export function untrackGroup(pgid: number): void {
  live.delete(pgid);
}

/**
 * Stop a whole process group: SIGTERM now, SIGKILL after `graceMs` if anything in the group is
 * still alive (the leader may exit while its children linger). Resolves once SIGKILL was sent or
 * the group is gone.
 */
export async function terminateGroup(pgid: number, graceMs: number): Promise<void> {
  if (!killGroup(pgid, "SIGTERM")) return;
  const step = Math.min(50, Math.max(1, graceMs));
  for (let waited = 0; waited < graceMs; waited += step) {
    await new Promise((r) => setTimeout(r, step));
    if (!killGroup(pgid, 0)) return;
  }
  killGroup(pgid, "SIGKILL");
}
