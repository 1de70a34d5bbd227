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
  /** Cancels a callback scheduled with {@link Clock.schedule}; a handle already run or cancelled is ignored. */
  cancel(handle: unknown): void;
}

/**
 * The key under which the runtime's actor references carry their system's clock, so
 * that `ask` times out on it (a virtual clock in a test). Private to system/.
 */
export const CLOCK_OF: unique symbol = Symbol("troupe.clock");

let otherClocks = false;

/** Notes that a system runs on another clock than the real one (so `ask` looks for it; until then it need not). */
export function noteOtherClock(): void {
  otherClocks = true;
}

/**
 * The clock of the system `ref` belongs to when that is not the real one (a test's
 * virtual clock); undefined otherwise, without looking while no system of the
 * process runs on another clock (production: every `ask` comes here).
 */
export function otherClockOf(ref: object): Clock | undefined {
  if (!otherClocks) return undefined;
  const clock = (ref as { [CLOCK_OF]?: Clock })[CLOCK_OF];
  return clock === realClock ? undefined : clock;
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

/**
 * A clock that moves only when told to (`advance`); for tests. `troupe/testkit`'s
 * `TestKit` drives one and lets the actors react between its steps.
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #due = new Map<number, Due>();

  /** A clock that starts at `start` milliseconds. */
  constructor(start = 0) {
    noteOtherClock();
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

  /** Cancels a callback scheduled with `schedule`. */
  cancel(handle: unknown): void {
    this.#due.delete(handle as number);
  }

  /** Callbacks scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.#due.size;
  }

  /** When the earliest callback falls due; undefined when none is scheduled. */
  nextDueAt(): number | undefined {
    let at: number | undefined;
    for (const d of this.#due.values()) if (at === undefined || d.at < at) at = d.at;
    return at;
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
