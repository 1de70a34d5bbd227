/**
 * Timers of one actor incarnation, in the manner of Akka's TimerScheduler: each
 * timer has a key and sends a message to the actor itself when it fires, so state
 * changes only in `receive`. Starting a key again replaces its timer; every timer
 * is cancelled when the incarnation ends (restart or stop), so nothing fires into
 * a fresh state or a stopped actor.
 */
import type { Clock } from "./clock.ts";

/** What `ctx.timers` offers a behaviour. */
export interface Timers<M> {
  /** Sends `msg` to the actor once, `ms` from now (replacing a timer with the same key). */
  startSingle(key: string, ms: number, msg: M): void;
  /** Sends `msg` every `ms` (replacing a timer with the same key) until cancelled. */
  startPeriodic(key: string, ms: number, msg: M): void;
  /** Cancels the key's timer; a message it already sent stays in the mailbox. */
  cancel(key: string): void;
  /** Whether the key's timer is waiting to fire. */
  isActive(key: string): boolean;
  /** Keys of the timers waiting to fire. */
  readonly active: readonly string[];
}

/** The per-incarnation timers; the cell cancels them all when the incarnation ends. */
export class IncarnationTimers<M> implements Timers<M> {
  readonly #clock: Clock;
  readonly #deliver: (msg: M) => void;
  readonly #timers = new Map<string, unknown>();
  #closed = false;

  /** @param deliver hands a fired timer's message to the actor's mailbox. */
  constructor(clock: Clock, deliver: (msg: M) => void) {
    this.#clock = clock;
    this.#deliver = deliver;
  }

  startSingle(key: string, ms: number, msg: M): void {
    this.#start(key, ms, msg, false);
  }

  startPeriodic(key: string, ms: number, msg: M): void {
    if (!(ms > 0)) throw new RangeError(`a periodic timer needs an interval above 0 ms: got ${ms} for '${key}'`);
    this.#start(key, ms, msg, true);
  }

  cancel(key: string): void {
    const h = this.#timers.get(key);
    if (h === undefined) return;
    this.#clock.cancel(h);
    this.#timers.delete(key);
  }

  isActive(key: string): boolean {
    return this.#timers.has(key);
  }

  get active(): readonly string[] {
    return [...this.#timers.keys()];
  }

  /** Cancels every timer; later starts are ignored (the incarnation is over). */
  close(): void {
    this.#closed = true;
    for (const key of [...this.#timers.keys()]) this.cancel(key);
  }

  #start(key: string, ms: number, msg: M, periodic: boolean): void {
    if (this.#closed) return;
    this.cancel(key);
    const fire = () => {
      if (periodic) this.#timers.set(key, this.#clock.schedule(ms, fire));
      else this.#timers.delete(key);
      this.#deliver(msg);
    };
    this.#timers.set(key, this.#clock.schedule(Math.max(0, ms), fire));
  }
}
