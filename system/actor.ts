/**
 * The public face of an actor: typed references, behaviours and spawn options.
 */
import type { Logger } from "./logger.ts";
import type { Timers } from "./timers.ts";
import type { OverflowPolicy, SendOptions } from "./mailbox.ts";
import type { RestartType } from "./_node.ts";

export type { OverflowPolicy, SendOptions } from "./mailbox.ts";
export type { RestartType } from "./_node.ts";

/** A typed address of an actor. Refs stay valid across restarts of the actor. */
export interface ActorRef<M> {
  /** Full path in the tree, e.g. `/troupe/broker/keeper`. */
  readonly path: string;
  /**
   * Delivers a message. Under overflow `wait` it resolves once the message is
   * accepted (a fast sender is slowed to the receiver's pace); under `reject` it
   * throws `MailboxFull`; a stopping actor throws `MailboxClosed`.
   */
  send(msg: M, options?: SendOptions): Promise<void>;
  /** Delivers a message only if that needs no waiting; says whether it did. */
  trySend(msg: M): boolean;
}

/** What a behaviour sees of its actor while it runs. */
export interface ActorContext<M> {
  /** The actor's own reference (to give as a reply address, or to send itself a message). */
  readonly self: ActorRef<M>;
  /** Full path in the tree, e.g. `/troupe/db/upserter`. */
  readonly path: string;
  /** The actor's name (the last segment of its path). */
  readonly name: string;
  /** A logger whose lines carry the actor's path. */
  readonly log: Logger;
  /** Aborted when this incarnation of the actor is torn down (restart or stop). */
  readonly signal: AbortSignal;
  /**
   * Timers that send this actor a message; all cancelled when the incarnation
   * ends. Use these instead of `setTimeout`: they run on the system's clock, so
   * tests drive them on `troupe/testkit`'s virtual clock.
   */
  readonly timers: Timers<M>;
  /** Stops the actor normally after the current message (no restart unless `permanent`). */
  stopSelf(): void;
  /**
   * Death watch (Akka's `watch`, Erlang's monitor): from now on, each time an
   * incarnation of the actor behind `ref` ends (it is restarted, or it stops), this
   * actor is sent `message(ended)`. Refs outlive restarts, so a restart is told
   * too: what the ended incarnation held and did not hand over (`carried`) is gone.
   * Watching an actor that has already stopped sends the message at once. The watch
   * lasts as long as this incarnation (a restarted watcher watches again in `init`);
   * watching the same ref twice watches it twice. Throws `InvalidSpec` for a ref that
   * is no actor of a troupe system.
   */
  watch<W>(ref: ActorRef<W>, message: (ended: IncarnationEnded) => M): void;
  /** Ends this incarnation's watches of `ref` (a message already sent still arrives). */
  unwatch<W>(ref: ActorRef<W>): void;
}

/** What a watcher is told when an incarnation of an actor it watches ends (`ActorContext.watch`). */
export interface IncarnationEnded {
  /** The watched actor's path. */
  readonly path: string;
  /**
   * `restart`: its supervisor restarts it (it failed, or a sibling did under `one_for_all` or `rest_for_one`), or
   * gave up and an ancestor may; `stop`: it stopped for good (stopped, or its system shut down), and no more messages
   * come.
   */
  readonly cause: "restart" | "stop";
  /** Whether the ended incarnation handed something over to the next (`Behaviour.handover`). */
  readonly carried: boolean;
}

/**
 * An actor's behaviour: a state factory, a message handler and an optional clean-up.
 * A restarted actor gets fresh state from `init`. What must survive a restart (a
 * batch already accepted, work not yet handed on) is declared: `handover` says
 * what the ending incarnation passes on, and the next `init` receives it as
 * `carried`; `/actors` shows that something was carried. Nothing that outlives an
 * incarnation may hide in the factory's closure.
 */
export interface Behaviour<M, S, C = never> {
  /**
   * Creates the state of a new incarnation; throwing fails the start. `carried` is
   * what the previous incarnation handed over (kept until an `init` succeeds).
   */
  init(ctx: ActorContext<M>, carried?: C): S | Promise<S>;
  /** Handles one message and returns the next state; throwing is a failure the supervisor handles. */
  receive(state: S, msg: M, ctx: ActorContext<M>): S | Promise<S>;
  /** Releases what the state holds (sockets, child processes). Called on restart and on stop. */
  stop?(state: S, ctx: ActorContext<M>): void | Promise<void>;
  /**
   * What this incarnation hands to the next one, taken after `stop` when the actor
   * is restarted (not at a final stop); `undefined`: nothing.
   */
  handover?(state: S): C | undefined;
  /** Extra figures for introspection (`/actors`). Must be cheap and must not throw. */
  describe?(state: S): Record<string, unknown>;
}

/** Options of `spawn`. */
export interface ActorProps {
  /** Name, unique among its siblings; becomes the last segment of the path. */
  name: string;
  /** Mailbox capacity (messages queued, not counting the one being handled). */
  capacity: number;
  /** What a full mailbox does. @default "wait" */
  overflow?: OverflowPolicy;
  /** Must be true for `overflow: "dropOldest"`: the actor declares that it may lose messages. @default false */
  lossy?: boolean;
  /** Whether messages queued at a crash are kept for the restarted actor. @default true */
  keepMailboxOnRestart?: boolean;
  /** When the supervisor restarts this actor. @default "permanent" */
  restart?: RestartType;
  /** Longest time the actor's drain and `stop` may take at shutdown. @default 5000 */
  shutdownMs?: number;
  /**
   * Messages handled in one turn before other actors (and, every so many
   * messages process-wide, timers and I/O) get theirs. @default 64
   */
  throughput?: number;
}

/**
 * How a supervisor starts an actor (OTP's child spec): its behaviour and spawn
 * options, typed by the messages other actors may send it. Each capability exports
 * a spec function beside its behaviour factory, with the actor's usual name,
 * capacity and shutdown time as defaults.
 */
export interface ChildSpec<M> {
  /** The behaviour the supervisor starts (and restarts). */
  // The state and carried types are the behaviour's own business.
  // deno-lint-ignore no-explicit-any
  readonly behaviour: Behaviour<M, any, any>;
  /** Name, mailbox and restart settings. */
  readonly props: ActorProps;
}

/** A spec from a behaviour, its defaults, and the caller's overrides. */
export function childSpec<M>(
  // deno-lint-ignore no-explicit-any
  behaviour: Behaviour<M, any, any>,
  defaults: ActorProps,
  overrides: Partial<ActorProps> = {},
): ChildSpec<M> {
  return { behaviour, props: { ...defaults, ...overrides } };
}

/** A behaviour from a plain handler with no state of its own. */
export function stateless<M>(
  receive: (msg: M, ctx: ActorContext<M>) => void | Promise<void>,
): Behaviour<M, undefined> {
  return {
    init: () => undefined,
    receive: async (_state, msg, ctx) => {
      await receive(msg, ctx);
      return undefined;
    },
  };
}
