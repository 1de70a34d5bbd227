/**
 * Death watch (Akka's `watch`, Erlang's monitors), for refs that outlive their
 * incarnations: who is told when an incarnation of an actor ends. A cell makes its
 * watchers on first use and its ref points at the cell; a watching incarnation's
 * subscriptions end with it. Private to system/; the public face is
 * `ActorContext.watch`.
 */
import type { ActorRef, IncarnationEnded } from "./actor.ts";

/** A watcher's callback. */
export type OnEnded = (ended: IncarnationEnded) => void;

/** The watchers of one actor. */
export class Watchers {
  readonly #path: string;
  readonly #callbacks = new Set<OnEnded>();
  #stopped = false;

  constructor(path: string) {
    this.#path = path;
  }

  /** Adds a watcher; one added after the actor stopped hears so at once. Returns its removal. */
  add(onEnded: OnEnded): () => void {
    if (this.#stopped) {
      onEnded({ path: this.#path, cause: "stop", carried: false });
      return () => {};
    }
    this.#callbacks.add(onEnded);
    return () => this.#callbacks.delete(onEnded);
  }

  /** An incarnation ended; after a `stop` nothing more comes and later watchers hear it at once. */
  ended(cause: IncarnationEnded["cause"], carried: boolean): void {
    if (this.#stopped) return;
    if (cause === "stop") this.#stopped = true;
    const ended: IncarnationEnded = { path: this.#path, cause, carried };
    // A watcher's failure (its message function threw) is its own: it is logged there and the rest are told.
    for (const cb of [...this.#callbacks]) cb(ended);
    if (this.#stopped) this.#callbacks.clear();
  }
}

/** Where a ref keeps the actor it stands for (its cell), for {@link watchersOf}. */
export const WATCHED: unique symbol = Symbol("troupe.watched");

/** What a ref's {@link WATCHED} holds: the actor's watchers, made on first use. */
export interface Watchable {
  watchers(): Watchers;
}

/** The watchers of the actor behind `ref`, or null when it is no actor of a troupe system (a hand-made ref). */
export function watchersOf<M>(ref: ActorRef<M>): Watchers | null {
  const watched = (ref as { [WATCHED]?: Watchable })[WATCHED];
  return watched ? watched.watchers() : null;
}
