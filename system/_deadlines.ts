/**
 * Cheap cancellable deadlines for request/reply (`ask`). A timer per request
 * (setTimeout + clearTimeout) costs about as much as a whole round trip between two
 * actors, so requests with the same timeout share one lane: deadlines join it in
 * the order they are set, which is also the order they fall due, and one timer
 * waits for the earliest live one. A cancelled deadline is dropped when it reaches
 * the front. The timer keeps the process alive only while a deadline is live, as
 * a timer per request would. Private to system/.
 */
import { keepTimerAlive } from "./platform.ts";

/** A deadline set with {@link deadline}. */
export interface Deadline {
  /** Forgets the deadline; its callback will not run. */
  cancel(): void;
}

class Entry implements Deadline {
  constructor(readonly lane: Lane, readonly at: number, public fire: (() => void) | null) {}

  cancel(): void {
    if (this.fire === null) return;
    this.fire = null;
    this.lane.ended();
    this.lane.dropFront();
  }
}

class Lane {
  #entries: Entry[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** Deadlines set and neither fired nor cancelled. */
  #live = 0;

  constructor(readonly ms: number) {}

  add(fire: () => void): Entry {
    const e = new Entry(this, performance.now() + this.ms, fire);
    this.#entries.push(e);
    if (++this.#live === 1 && this.#timer !== null) keepTimerAlive(this.#timer, true);
    if (this.#timer === null) this.#arm();
    return e;
  }

  /** A deadline fired or was cancelled. */
  ended(): void {
    if (--this.#live === 0 && this.#timer !== null) keepTimerAlive(this.#timer, false);
  }

  /** Drops cancelled entries from the front. */
  dropFront(): void {
    const entries = this.#entries;
    while (this.#head < entries.length && (entries[this.#head] as Entry).fire === null) {
      entries[this.#head] = undefined as unknown as Entry;
      this.#head++;
    }
    if (this.#head === entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
  }

  #arm(): void {
    const first = this.#entries[this.#head];
    if (!first) {
      this.#timer = null;
      return;
    }
    this.#timer = setTimeout(this.#onTimer, Math.max(0, first.at - performance.now()));
    if (this.#live === 0) keepTimerAlive(this.#timer, false);
  }

  #onTimer = (): void => {
    this.#timer = null;
    const now = performance.now();
    // A timer may fire a little before `at` by this clock: what is not yet due waits for the next one.
    while (this.#head < this.#entries.length) {
      const e = this.#entries[this.#head] as Entry;
      if (e.fire !== null && e.at > now) break;
      this.#entries[this.#head] = undefined as unknown as Entry;
      this.#head++;
      const fire = e.fire;
      e.fire = null;
      if (fire) {
        this.ended();
        fire();
      }
    }
    this.dropFront();
    if (this.#timer === null) this.#arm();
  };

  /** Entries still held (live, or cancelled but not yet dropped). */
  get held(): number {
    return this.#entries.length - this.#head;
  }
}

const lanes = new Map<number, Lane>();

/** Runs `fire` after `ms` milliseconds unless cancelled first. */
export function deadline(ms: number, fire: () => void): Deadline {
  let lane = lanes.get(ms);
  if (!lane) {
    lane = new Lane(ms);
    lanes.set(ms, lane);
  }
  return lane.add(fire);
}

/** Deadlines of `ms` still held in memory (for tests: cancelled ones must not pile up). */
export function heldDeadlines(ms: number): number {
  return lanes.get(ms)?.held ?? 0;
}
