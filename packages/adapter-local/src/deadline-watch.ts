/**
 * One timer for every deadline in the pool (no timer per task): keeps the items with a deadline,
 * arms a single `setTimeout` for the earliest, and hands expired items to `onExpire`.
 */
export class DeadlineWatch<T extends { deadline: number | null }> {
  readonly #items = new Set<T>();
  readonly #onExpire: (item: T) => void;
  #timer: NodeJS.Timeout | null = null;
  #at = Infinity;

  constructor(onExpire: (item: T) => void) {
    this.#onExpire = onExpire;
  }

  /** Watch `item`, setting its deadline to `at` (epoch ms). */
  add(item: T, at: number): void {
    item.deadline = at;
    this.#items.add(item);
    if (at < this.#at) this.#arm(at);
  }

  delete(item: T): void {
    this.#items.delete(item);
  }

  /** Stop the timer (the items are forgotten). */
  clear(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#at = Infinity;
    this.#items.clear();
  }

  #arm(at: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#at = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - Date.now()));
  }

  #fire(): void {
    this.#timer = null;
    this.#at = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const item of [...this.#items]) {
      if (item.deadline! <= now) {
        this.#items.delete(item);
        this.#onExpire(item);
      } else next = Math.min(next, item.deadline!);
    }
    if (next < Infinity && this.#timer === null) this.#arm(next);
  }
}
