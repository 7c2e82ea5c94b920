/**
 * One timer for many deadlines (a binary min-heap), so thousands of jobs with time-outs do not
 * create thousands of timers. Entries can be cancelled; cancelled entries are dropped lazily.
 */
export interface DeadlineEntry {
  readonly at: number;
  cancel(): void;
}

interface Entry {
  at: number;
  fn: () => void;
  live: boolean;
}

/** A min-heap of deadlines driven by a single `setTimeout`. */
export class Deadlines {
  #heap: Entry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #live = 0;

  /** Call `fn` at epoch ms `at` (or at once if in the past, on the next timer turn). */
  add(at: number, fn: () => void): DeadlineEntry {
    const e: Entry = { at, fn, live: true };
    this.#push(e);
    this.#live++;
    this.#arm();
    return {
      at,
      cancel: () => {
        if (!e.live) return;
        e.live = false;
        this.#live--;
        if (this.#live === 0) this.#disarm();
      },
    };
  }

  /** Drop everything (runtime close). */
  clear(): void {
    for (const e of this.#heap) e.live = false;
    this.#heap = [];
    this.#live = 0;
    this.#disarm();
  }

  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    if (this.#live === 0) this.#heap = [];
  }

  #arm(): void {
    while (this.#heap.length && !(this.#heap[0] as Entry).live) this.#pop();
    const top = this.#heap[0];
    if (!top) return this.#disarm();
    if (this.#timer && this.#timerAt <= top.at) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = top.at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, top.at - Date.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = Date.now();
    while (this.#heap.length && (this.#heap[0] as Entry).at <= now) {
      const e = this.#pop() as Entry;
      if (!e.live) continue;
      e.live = false;
      this.#live--;
      try {
        e.fn();
      } catch {
        // deadline callbacks handle their own errors
      }
    }
    this.#arm();
  }

  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((h[p] as Entry).at <= e.at) break;
      h[i] = h[p] as Entry;
      i = p;
    }
    h[i] = e;
  }

  #pop(): Entry | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let mAt = last.at;
        if (l < h.length && (h[l] as Entry).at < mAt) {
          m = l;
          mAt = (h[l] as Entry).at;
        }
        if (r < h.length && (h[r] as Entry).at < mAt) m = r;
        if (m === i) break;
        h[i] = h[m] as Entry;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}
