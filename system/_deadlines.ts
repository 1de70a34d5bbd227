/**
 * Cheap cancellable deadlines for request/reply (`ask`). A timer per request
 * (setTimeout + clearTimeout) costs about as much as a whole round trip between two
 * actors, so requests with the same timeout share one lane: deadlines join it in
 * the order they are set, which is also the order they fall due, and one timer
 * waits for the earliest live one. A cancelled deadline is dropped when it reaches
 * the front. The timer keeps the process alive only while a deadline is live, as
 * a timer per request would.
 *
 * A deadline starts counting at the next turn of the event loop, not when it is
 * set: most requests are answered within the burst of microtasks that sent them,
 * and those never take a clock reading or a place in the lane (every 256 set, the
 * ones already cancelled are dropped, so they die young instead of being held
 * until the burst ends). A deadline may so fire late by the length of that burst
 * (bounded by the scheduler's yield), never early. Private to system/.
 */
import { type Clock, realClock } from "./clock.ts";
import { keepTimerAlive } from "./platform.ts";

/** A deadline set with {@link deadline}. */
export interface Deadline {
  /** Forgets the deadline; its callback will not run. */
  cancel(): void;
}

class Entry implements Deadline {
  /** When it falls due; -1 until the lane starts it. */
  at = -1;

  constructor(readonly lane: Lane, public fire: (() => void) | null) {}

  cancel(): void {
    if (this.fire === null) return;
    this.fire = null;
    if (this.at < 0) return; // not started: the lane drops it when it starts the others
    this.lane.ended();
    this.lane.dropFront();
  }
}

class Lane {
  #entries: Entry[] = [];
  #head = 0;
  #timer: unknown = null;
  /** Deadlines started and neither fired nor cancelled. */
  #live = 0;
  /** Deadlines set since the event loop last had a turn. */
  #starting: Entry[] = [];

  constructor(readonly ms: number, readonly clock: Clock) {}

  add(fire: () => void): Entry {
    const e = new Entry(this, fire);
    const n = this.#starting.push(e);
    if (n === 1) setImmediate(this.#start);
    else if ((n & 255) === 0) this.#compact();
    return e;
  }

  /** Drops cancelled deadlines not yet started, so they die young instead of waiting for the event loop. */
  #compact(): void {
    const starting = this.#starting;
    let kept = 0;
    for (let i = 0; i < starting.length; i++) {
      const e = starting[i] as Entry;
      if (e.fire !== null) starting[kept++] = e;
    }
    starting.length = kept === 0 ? 1 : kept;
  }

  /** Starts the deadlines set meanwhile that are still wanted, all from now. */
  #start = (): void => {
    const starting = this.#starting;
    this.#starting = [];
    const at = this.clock.now() + this.ms;
    const before = this.#live;
    for (const e of starting) {
      if (e.fire === null) continue;
      e.at = at;
      this.#entries.push(e);
      this.#live++;
    }
    if (this.#live === before) return;
    if (before === 0 && this.#timer !== null) this.#keepAlive(true);
    if (this.#timer === null) this.#arm();
  };

  /** A deadline fired or was cancelled. */
  ended(): void {
    if (--this.#live === 0 && this.#timer !== null) this.#keepAlive(false);
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

  /** Whether the lane's timer keeps the process alive (a platform timer's only: a virtual clock has none). */
  #keepAlive(alive: boolean): void {
    if (this.clock === realClock) keepTimerAlive(this.#timer, alive);
  }

  #arm(): void {
    const first = this.#entries[this.#head];
    if (!first) {
      this.#timer = null;
      return;
    }
    this.#timer = this.clock.schedule(Math.max(0, first.at - this.clock.now()), this.#onTimer);
    if (this.#live === 0) this.#keepAlive(false);
  }

  #onTimer = (): void => {
    this.#timer = null;
    const now = this.clock.now();
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

  /** Entries still held (live, cancelled but not yet dropped, or not yet started). */
  get held(): number {
    return this.#entries.length - this.#head + this.#starting.length;
  }
}

const lanes = new Map<number, Lane>();
/** Lanes on other clocks than the real one (tests' virtual clocks), dropped with their clock. */
const otherLanes = new WeakMap<Clock, Map<number, Lane>>();

function lanesOf(clock: Clock): Map<number, Lane> {
  if (clock === realClock) return lanes;
  let m = otherLanes.get(clock);
  if (!m) otherLanes.set(clock, m = new Map());
  return m;
}

/** Runs `fire` after `ms` milliseconds on `clock` unless cancelled first. */
export function deadline(ms: number, fire: () => void, clock: Clock = realClock): Deadline {
  const of = clock === realClock ? lanes : lanesOf(clock);
  let lane = of.get(ms);
  if (!lane) {
    lane = new Lane(ms, clock);
    of.set(ms, lane);
  }
  return lane.add(fire);
}

/** Deadlines of `ms` still held in memory (for tests: cancelled ones must not pile up). */
export function heldDeadlines(ms: number, clock: Clock = realClock): number {
  return lanesOf(clock).get(ms)?.held ?? 0;
}
