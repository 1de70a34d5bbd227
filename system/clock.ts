/**
 * Where the runtime's time comes from. Actor timers (`ctx.timers`) run on the
 * system's clock: the real one, or a {@link ManualClock} that a unit test moves
 * forward by hand, so timed behaviour is tested with exact values and no waiting.
 */

/** A source of time and one-shot callbacks. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Calls `fire` once, `ms` from now; returns a handle for {@link Clock.cancel}. */
  schedule(ms: number, fire: () => void): unknown;
  cancel(handle: unknown): void;
}

/** The real clock: `performance.now()` and the platform's timers. */
export const realClock: Clock = {
  now: () => performance.now(),
  schedule: (ms, fire) => setTimeout(fire, ms),
  cancel: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Due {
  at: number;
  seq: number;
  fire: () => void;
}

/** A clock that moves only when told to (`advance`); for tests. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #due = new Map<number, Due>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  schedule(ms: number, fire: () => void): unknown {
    const seq = this.#seq++;
    this.#due.set(seq, { at: this.#now + Math.max(0, ms), seq, fire });
    return seq;
  }

  cancel(handle: unknown): void {
    this.#due.delete(handle as number);
  }

  /** Callbacks scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.#due.size;
  }

  /**
   * Moves time forward by `ms`, running every callback that falls due, in time
   * order (ties: the order they were scheduled), each at its own time; callbacks
   * scheduled meanwhile run too if they fall due within the step.
   */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: Due | undefined;
      for (const d of this.#due.values()) {
        if (d.at <= end && (!next || d.at < next.at || (d.at === next.at && d.seq < next.seq))) next = d;
      }
      if (!next) break;
      this.#due.delete(next.seq);
      this.#now = next.at;
      next.fire();
    }
    this.#now = end;
  }
}
