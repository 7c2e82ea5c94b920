/**
 * Bounds how many job calls of a runtime are started at once (inputs resolved, key computed, call
 * row written, attempt queued at an executor). A flow that starts 100,000 calls in one loop keeps,
 * for each call beyond the bound, only its input and a queued resolver until an earlier call ends:
 * a started call holds about four times as much memory. Calls enter in the order they were made
 * (FIFO). Calls whose input waits for other calls bypass the gate (they hold nothing while they
 * wait), so the gate can never hold back a call that others depend on.
 */
export class CallGate {
  readonly limit: number;
  #inside = 0;
  #waiting: ((() => void) | undefined)[] = [];
  #head = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** Calls started and not yet ended. */
  get inside(): number {
    return this.#inside;
  }

  /** Enter: undefined when there is room now, else a promise resolved when there is. */
  enter(): Promise<void> | undefined {
    if (this.#inside < this.limit) {
      this.#inside++;
      return undefined;
    }
    return new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Leave (once per successful enter): the place passes to the oldest waiter. */
  leave(): void {
    if (this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head] as () => void;
      this.#waiting[this.#head++] = undefined;
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting = this.#waiting.slice(this.#head);
        this.#head = 0;
      }
      next();
    } else {
      this.#inside--;
    }
  }
}
