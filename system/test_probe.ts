/**
 * A test probe (Akka's TestProbe): a reference that records the messages it is
 * sent, and expectations on them that run on the kit's virtual clock, so an
 * expectation never waits on real time and a missing message fails at once.
 */
import { inspect, isDeepStrictEqual } from "node:util";
import type { ActorRef } from "./actor.ts";
import { type Clock, CLOCK_OF } from "./clock.ts";
import type { TestKit } from "./test_kit.ts";

/** What a message is checked against: a value (deep equality) or a predicate. */
export type Expected<M> = M | ((msg: M) => boolean);

/** Options of {@link TestProbe.expectMessage}. */
export interface ExpectOptions {
  /**
   * Let virtual time pass, up to this many milliseconds, until the message comes
   * (each timer due meanwhile fires at its own time). @default 0: it must be there now
   */
  withinMs?: number;
}

const ACCEPTED: Promise<void> = Promise.resolve();

const show = (v: unknown) => inspect(v, { depth: 4, breakLength: Infinity });

/** A recording reference with expectations; made by `kit.probe()`. */
export class TestProbe<M> implements ActorRef<M> {
  readonly path: string;
  /** The kit's clock: an `ask` whose reply address is this probe, or to this probe, times out on it. */
  readonly [CLOCK_OF]: Clock;
  readonly #kit: TestKit;
  readonly #queue: M[] = [];
  readonly #all: M[] = [];

  /** Prefer `kit.probe()`. */
  constructor(kit: TestKit, name: string) {
    this.#kit = kit;
    this.path = `/probe/${name}`;
    this[CLOCK_OF] = kit.clock;
  }

  /** Records `msg`; never waits. */
  send(msg: M): Promise<void> {
    this.trySend(msg);
    return ACCEPTED;
  }

  /** Records `msg`; always accepted. */
  trySend(msg: M): boolean {
    this.#queue.push(msg);
    this.#all.push(msg);
    return true;
  }

  /** This probe as a plain reference (to hand to the code under test). */
  get ref(): ActorRef<M> {
    return this;
  }

  /** Every message received so far, expected or not, in order. */
  get received(): readonly M[] {
    return this.#all;
  }

  /** Messages received and not yet taken by an expectation. */
  get pending(): readonly M[] {
    return this.#queue;
  }

  /**
   * Lets the actors settle, then takes the next message and checks it against
   * `expected` (if given); with `withinMs`, lets virtual time pass until it comes.
   * Throws naming what came instead, or that nothing did.
   */
  async expectMessage(expected?: Expected<M>, options: ExpectOptions = {}): Promise<M> {
    const msg = await this.#next(options.withinMs ?? 0);
    if (msg === NOTHING) {
      const wanted = expected === undefined
        ? "a message"
        : typeof expected === "function"
        ? "a matching message"
        : show(expected);
      throw new Error(
        `${this.path}: expected ${wanted}${options.withinMs ? ` within ${options.withinMs} ms` : ""}, got none ` +
          `(virtual time ${this.#kit.now} ms)`,
      );
    }
    if (expected !== undefined) {
      const ok = typeof expected === "function"
        ? (expected as (m: M) => boolean)(msg)
        : isDeepStrictEqual(msg, expected);
      if (!ok) {
        const wanted = typeof expected === "function" ? "a message the predicate accepts" : show(expected);
        throw new Error(`${this.path}: expected ${wanted}, got ${show(msg)}`);
      }
    }
    return msg;
  }

  /** Takes the next `n` messages (each as {@link expectMessage} would, with the same options). */
  async receiveMessages(n: number, options: ExpectOptions = {}): Promise<M[]> {
    const out: M[] = [];
    for (let i = 0; i < n; i++) out.push(await this.expectMessage(undefined, options));
    return out;
  }

  /**
   * Checks that no message comes: lets the actors settle and, with `forMs`, lets that
   * much virtual time pass first. Throws naming the message that came.
   */
  async expectNoMessage(forMs = 0): Promise<void> {
    if (forMs > 0) await this.#kit.timePasses(forMs);
    else await this.#kit.settle();
    if (this.#queue.length > 0) {
      throw new Error(
        `${this.path}: expected no message${forMs ? ` for ${forMs} ms` : ""}, got ${show(this.#queue[0])}`,
      );
    }
  }

  async #next(withinMs: number): Promise<M | typeof NOTHING> {
    const came = await this.#kit.stepUntil(() => this.#queue.length > 0, withinMs);
    return came ? this.#queue.shift() as M : NOTHING;
  }
}

const NOTHING: unique symbol = Symbol("nothing");
