/**
 * One behaviour run alone for a test (`kit.run(behaviour)`): spawned under a
 * supervisor of its own on the kit's virtual clock, with its state, incarnations,
 * handovers and failures recorded as they happen, and the messages its mailbox
 * refused kept as dead letters.
 */
import type { ActorContext, ActorProps, ActorRef, Behaviour } from "./actor.ts";
import { ask } from "./ask.ts";
import type { SupervisorProps } from "./supervisor.ts";
import { spawn, type Supervisor } from "./system.ts";
import type { TestKit } from "./test_kit.ts";

/** Options of `kit.run`. */
export interface RunOptions {
  /** The actor's props. @default { name: "subject", capacity: 100 } */
  props?: Partial<ActorProps>;
  /** Budget, backoff and strategy of the supervisor it runs under. @default one_for_one, 5 in 30 s, no jitter */
  supervisor?: Omit<SupervisorProps, "name">;
  /** The supervisor's name. @default a fresh one */
  supervisorName?: string;
}

/** A message the actor's mailbox did not take, and why. */
export interface DeadLetter<M> {
  /** The message. */
  msg: M;
  /** `closed` (the actor stopped or is stopping), `full` (a `reject` mailbox at capacity). */
  reason: "closed" | "full";
  /** Virtual time it was refused at. */
  atMs: number;
}

/** One incarnation of the actor: when `init` ran and what it was handed. */
export interface IncarnationRecord<C> {
  /** Virtual time `init` finished at. */
  atMs: number;
  /** What the previous incarnation handed over. */
  carried: C | undefined;
}

/** A behaviour running alone; see {@link TestKit.run}. */
export interface BehaviourRun<M, S, C> {
  /** The actor's reference. */
  readonly ref: ActorRef<M>;
  /** Its current state: what `init` or the last `receive` returned (undefined while it has none). */
  readonly state: S | undefined;
  /** Each `init` that succeeded, in order (the first start, then each restart). */
  readonly incarnations: readonly IncarnationRecord<C>[];
  /** What each ending incarnation handed over. */
  readonly handedOver: readonly C[];
  /** What `init` or `receive` threw, in order. */
  readonly failures: readonly unknown[];
  /** Messages offered with {@link BehaviourRun.send} that the mailbox refused. */
  readonly deadLetters: readonly DeadLetter<M>[];
  /** Offers `msg` without waiting (a refusal becomes a dead letter), then lets the actors settle. */
  send(msg: M): Promise<void>;
  /** Asks the actor (the deadline runs on the kit's clock). */
  ask<R>(make: (replyTo: ActorRef<R>) => M, timeoutMs?: number): Promise<R>;
  /** Stops the actor's supervisor (and so the actor) in order. */
  stop(): Promise<void>;
}

class Run<M, S, C> implements BehaviourRun<M, S, C> {
  ref!: ActorRef<M>;
  state: S | undefined = undefined;
  readonly incarnations: IncarnationRecord<C>[] = [];
  readonly handedOver: C[] = [];
  readonly failures: unknown[] = [];
  readonly deadLetters: DeadLetter<M>[] = [];
  stopped = false;

  constructor(readonly kit: TestKit, readonly sup: Supervisor) {}

  /** The behaviour with each step recorded; what it does is unchanged. */
  observe(b: Behaviour<M, S, C>): Behaviour<M, S, C> {
    const fail = (err: unknown): never => {
      this.failures.push(err);
      throw err;
    };
    const keep = (s: S): S => (this.state = s);
    const watched: Behaviour<M, S, C> = {
      init: (ctx: ActorContext<M>, carried?: C) => {
        const done = (s: S) => {
          this.incarnations.push({ atMs: this.kit.now, carried });
          return keep(s);
        };
        try {
          const s = b.init(ctx, carried);
          return s instanceof Promise ? s.then(done, fail) : done(s);
        } catch (err) {
          return fail(err);
        }
      },
      receive: (s: S, msg: M, ctx: ActorContext<M>) => {
        try {
          const next = b.receive(s, msg, ctx);
          return next instanceof Promise ? next.then(keep, fail) : keep(next);
        } catch (err) {
          return fail(err);
        }
      },
    };
    if (b.stop) {
      watched.stop = (s, ctx) => {
        this.state = undefined;
        return b.stop!(s, ctx);
      };
    }
    if (b.handover) {
      watched.handover = (s) => {
        const c = b.handover!(s);
        if (c !== undefined) this.handedOver.push(c);
        return c;
      };
    }
    if (b.describe) watched.describe = (s) => b.describe!(s);
    return watched;
  }

  async send(msg: M): Promise<void> {
    let accepted = false;
    try {
      accepted = this.ref.trySend(msg);
    } catch {
      accepted = false;
    }
    if (!accepted) {
      const closed = this.stopped || this.kit.system.status !== "running";
      this.deadLetters.push({ msg, reason: closed ? "closed" : "full", atMs: this.kit.now });
    }
    await this.kit.settle();
  }

  ask<R>(make: (replyTo: ActorRef<R>) => M, timeoutMs = 1_000): Promise<R> {
    return ask<M, R>(this.ref, make, { timeoutMs });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.kit.system.control(this.ref.path.slice(0, this.ref.path.lastIndexOf("/")), "stop");
    await this.kit.settle();
  }
}

/** Spawns `behaviour` under `sup` with its steps recorded (used by `TestKit.run`). */
export async function runBehaviour<M, S, C>(
  kit: TestKit,
  sup: Supervisor,
  behaviour: Behaviour<M, S, C>,
  options: RunOptions,
): Promise<BehaviourRun<M, S, C>> {
  const run = new Run<M, S, C>(kit, sup);
  const props: ActorProps = { name: "subject", capacity: 100, ...options.props };
  run.ref = await spawn(sup, run.observe(behaviour), props);
  await kit.settle();
  return run;
}
