/**
 * The per-actor objects a spawn creates besides the cell: the actor's reference
 * and the context each incarnation's behaviour sees. Both are classes: methods on
 * a prototype cost nothing per actor, while under tsx (esbuild's keepNames) every
 * function written as a property or a variable gets a name defined on it, about
 * 250 bytes per closure per actor. What most actors never use is made on first
 * use: the abort signal and the actor's child logger. Private to system/.
 */
import type { ActorContext, ActorRef, IncarnationEnded, SendOptions } from "./actor.ts";
import { type Clock, CLOCK_OF, realClock } from "./clock.ts";
import type { Logger } from "./logger.ts";
import type { Mailbox } from "./mailbox.ts";
import { InvalidSpec } from "./errors.ts";
import { IncarnationTimers } from "./timers.ts";
import { type Watchable, WATCHED, watchersOf } from "./_watch.ts";

/** The reference of an actor: its path and its mailbox's two ways in. */
export class MailboxRef<M> implements ActorRef<M> {
  readonly path: string;
  readonly #mailbox: Mailbox<M>;
  /** The system's clock when not the real one (a test's): requests to this actor (`ask`) time out on it. */
  declare readonly [CLOCK_OF]?: Clock;

  /** The actor behind this ref, for death watch. */
  readonly [WATCHED]: Watchable;

  constructor(path: string, mailbox: Mailbox<M>, clock: Clock, watched: Watchable) {
    this.path = path;
    this.#mailbox = mailbox;
    this[WATCHED] = watched;
    // Set only for another clock: production refs keep the shape (and the spawn cost) they had.
    if (clock !== realClock) (this as { [CLOCK_OF]?: Clock })[CLOCK_OF] = clock;
  }

  send(msg: M, options?: SendOptions): Promise<void> {
    return this.#mailbox.send(msg, options);
  }

  trySend(msg: M): boolean {
    return this.#mailbox.trySend(msg);
  }
}

/** One incarnation of an actor, from `init` until it ends (restart or stop): the context its behaviour sees. */
export class Incarnation<M> implements ActorContext<M> {
  readonly self: ActorRef<M>;
  readonly name: string;
  readonly timers: IncarnationTimers<M>;
  readonly #log: () => Logger;
  readonly #stopSelf: () => void;
  #controller: AbortController | null = null;
  #ended = false;
  /** The watches this incarnation made, by watched ref: their removals (made on first use). */
  #watching: Map<ActorRef<unknown>, (() => void)[]> | null = null;

  /**
   * @param log the actor's logger (called on first use)
   * @param stopSelf marks the actor to stop after the current message
   */
  constructor(self: ActorRef<M>, name: string, clock: Clock, log: () => Logger, stopSelf: () => void) {
    this.self = self;
    this.name = name;
    this.#log = log;
    this.#stopSelf = stopSelf;
    // A fired timer's message waits for room, until the incarnation ends.
    this.timers = new IncarnationTimers<M>(clock, (msg) => this.#toSelf(msg));
  }

  /** A message of the runtime's (a timer, a watch) to this actor: waits for room, until the incarnation ends. */
  #toSelf(msg: M): void {
    if (this.#ended) return;
    if (!this.self.trySend(msg)) this.self.send(msg, { signal: this.signal }).catch(() => {});
  }

  get path(): string {
    return this.self.path;
  }

  get log(): Logger {
    return this.#log();
  }

  /** Aborted when the incarnation ends (already aborted if it has). */
  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#ended) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  get ended(): boolean {
    return this.#ended;
  }

  stopSelf(): void {
    this.#stopSelf();
  }

  watch<W>(ref: ActorRef<W>, message: (ended: IncarnationEnded) => M): void {
    const watchers = watchersOf(ref);
    if (watchers === null) {
      throw new InvalidSpec(`${this.path}: cannot watch ${ref.path}: it is not an actor of a troupe system`);
    }
    if (this.#ended) return;
    const removal = watchers.add((ended) => {
      try {
        this.#toSelf(message(ended));
      } catch (err) {
        this.log.error("watch message failed: the end of a watched actor was not told", { watched: ended.path, err });
      }
    });
    const key = ref as ActorRef<unknown>;
    const map = this.#watching ??= new Map();
    map.set(key, [...(map.get(key) ?? []), removal]);
  }

  unwatch<W>(ref: ActorRef<W>): void {
    const key = ref as ActorRef<unknown>;
    for (const remove of this.#watching?.get(key) ?? []) remove();
    this.#watching?.delete(key);
  }

  /** Ends the incarnation: aborts its signal, cancels its timers and ends its watches. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#controller?.abort();
    this.timers.close();
    if (this.#watching === null) return;
    for (const removals of this.#watching.values()) for (const remove of removals) remove();
    this.#watching = null;
  }
}
