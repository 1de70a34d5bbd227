/**
 * The test kit's system: an actor system on a virtual clock (Akka's ManualTime) whose
 * timers, restart backoff, restart budgets and ask deadlines move only when the test
 * says so, with the means to let the actors react in between.
 */
import { ManualClock } from "./clock.ts";
import { handledSoFar } from "./_scheduler.ts";
import { createLogger, type LogFields, type Logger, type LogLevel } from "./logger.ts";
import type { SupervisorProps } from "./supervisor.ts";
import { ActorSystem, supervise, type Supervisor } from "./system.ts";
import type { Behaviour } from "./actor.ts";
import { TestProbe } from "./test_probe.ts";
import { type BehaviourRun, runBehaviour, type RunOptions } from "./behaviour_run.ts";

/** Options of {@link createTestKit}. */
export interface TestKitOptions {
  /** Name of the root supervisor. @default "test" */
  name?: string;
  /** Virtual time at the start, in milliseconds. @default 0 */
  startMs?: number;
  /** Strategy, budget and backoff of the root supervisor. @default one_for_one, 5 in 30 s, no jitter */
  root?: Omit<SupervisorProps, "name" | "restart">;
}

/** One line the system logged (the kit keeps them instead of writing them). */
export interface LoggedLine {
  /** Virtual time of the line, in milliseconds. */
  atMs: number;
  /** The line's level. */
  level: LogLevel;
  /** The line's message. */
  msg: string;
  /** The line's other fields. */
  fields: LogFields;
}

/** Event-loop turns {@link TestKit.settle} waits at most before it gives up. */
const SETTLE_TURNS = 10_000;

/**
 * An actor system on a virtual clock, for tests. Nothing timed happens until
 * {@link TestKit.timePasses}; {@link TestKit.settle} lets the actors handle what they
 * have been sent. Made with {@link createTestKit}.
 *
 * @example
 * ```ts
 * const kit = createTestKit();
 * const probe = kit.probe<string>("replies");
 * // ... spawn under kit.system.root, send, then:
 * await kit.timePasses(100); // timers due within 100 ms fire, each at its own time
 * await probe.expectMessage("tick");
 * await kit.shutdown();
 * ```
 */
export class TestKit {
  /** The system under test; spawn under `kit.system.root`. */
  readonly system: ActorSystem;
  /** The virtual clock the system runs on. */
  readonly clock: ManualClock;
  /** What the system logged, in order. */
  readonly logs: LoggedLine[] = [];
  #probes = 0;
  #runs = 0;

  /** Prefer {@link createTestKit}. */
  constructor(options: TestKitOptions = {}) {
    this.clock = new ManualClock(options.startMs ?? 0);
    const sink = (text: string) => {
      const { level, msg, ts: _ts, ...fields } = JSON.parse(text) as Record<string, unknown>;
      this.logs.push({ atMs: this.clock.now(), level: level as LogLevel, msg: String(msg), fields });
    };
    const logger: Logger = createLogger({ level: "debug", sink });
    this.system = new ActorSystem({
      name: options.name ?? "test",
      logger,
      clock: this.clock,
      root: { random: () => 0.5, ...options.root },
    });
  }

  /** Virtual milliseconds since the kit started. */
  get now(): number {
    return this.clock.now();
  }

  /**
   * Waits until the actors have nothing left to do: no message handled for two turns
   * of the event loop in a row. Work that waits on real I/O (a socket, a worker
   * thread) is not waited for. Throws if the actors keep each other busy for
   * 10,000 turns.
   */
  async settle(): Promise<void> {
    let last = handledSoFar();
    let quiet = 0;
    for (let turn = 0; turn < SETTLE_TURNS; turn++) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const now = handledSoFar();
      quiet = now === last ? quiet + 1 : 0;
      if (quiet >= 2) return;
      last = now;
    }
    throw new Error(`settle: the actors were still handling messages after ${SETTLE_TURNS} event-loop turns`);
  }

  /**
   * Moves virtual time forward by `ms`: every timer, backoff and ask deadline due
   * within it fires at its own time, in order, and the actors react (settle) after
   * each, so what they schedule in reaction fires too if it falls within `ms`.
   */
  async timePasses(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`timePasses: ms must be >= 0: got ${ms}`);
    const end = this.clock.now() + ms;
    await this.settle();
    for (;;) {
      const next = this.clock.nextDueAt();
      if (next === undefined || next > end) break;
      this.clock.advance(Math.max(0, next - this.clock.now()));
      await this.settle();
    }
    this.clock.advance(end - this.clock.now());
    await this.settle();
  }

  /**
   * Runs `block` and checks that the virtual time it took (what it moved with
   * {@link timePasses}, or a probe's `expectMessage` with `withinMs`) is between
   * `minMs` and `maxMs` (Akka's `within`). Returns what `block` returned.
   */
  async within<T>(minMs: number, maxMs: number, block: () => Promise<T>): Promise<T> {
    const start = this.clock.now();
    const result = await block();
    const took = this.clock.now() - start;
    if (took < minMs || took > maxMs) {
      throw new Error(`within: the block took ${took} ms of virtual time, expected ${minMs} to ${maxMs} ms`);
    }
    return result;
  }

  /**
   * The outcome of `promise` (an `ask`, a `send` into a full mailbox, a stop): lets
   * the actors settle and, while it is pending, virtual time pass up to `withinMs`
   * (timer by timer). Rejects naming the wait if it is still pending then, instead
   * of hanging on a clock nobody moves.
   */
  async result<T>(promise: Promise<T>, withinMs = 0): Promise<T> {
    let pending = true;
    const watched = promise.finally(() => (pending = false));
    watched.catch(() => {});
    await this.stepUntil(() => !pending, withinMs);
    if (pending) {
      throw new Error(`result: still pending after ${withinMs} ms of virtual time (virtual time ${this.now} ms)`);
    }
    return await watched;
  }

  /**
   * Lets the actors settle, then virtual time pass timer by timer until `done()` holds
   * (time stops there) or `withinMs` have passed; says whether `done()` held.
   */
  async stepUntil(done: () => boolean, withinMs: number): Promise<boolean> {
    await this.settle();
    const end = this.clock.now() + withinMs;
    while (!done()) {
      const next = this.clock.nextDueAt();
      if (next === undefined || next > end) break;
      await this.timePasses(Math.max(0, next - this.clock.now()));
    }
    if (!done() && this.clock.now() < end) await this.timePasses(end - this.clock.now());
    return done();
  }

  /** A probe: a reference that records what it is sent, with expectations on it. */
  probe<M>(name = `probe-${++this.#probes}`): TestProbe<M> {
    return new TestProbe<M>(this, name);
  }

  /**
   * Spawns `behaviour` alone under a supervisor of its own (a one-for-one with the
   * given budget) and returns a handle to inspect its state, its incarnations, what
   * it handed over and the messages it refused.
   */
  async run<M, S, C = never>(behaviour: Behaviour<M, S, C>, options: RunOptions = {}): Promise<BehaviourRun<M, S, C>> {
    const sup: Supervisor = await supervise(this.system.root, {
      name: options.supervisorName ?? `run-${++this.#runs}`,
      strategy: "one_for_one",
      random: () => 0.5,
      ...options.supervisor,
    });
    return await runBehaviour(this, sup, behaviour, options);
  }

  /** Lines logged at `level` or above whose message contains `text`. */
  logged(text: string, level: LogLevel = "debug"): LoggedLine[] {
    const order: LogLevel[] = ["debug", "info", "warn", "error"];
    return this.logs.filter((l) => l.msg.includes(text) && order.indexOf(l.level) >= order.indexOf(level));
  }

  /**
   * Stops the system in order. What the actors drain meanwhile runs on virtual time,
   * which the kit moves along (up to a virtual minute); work waiting on real I/O
   * has the shutdown's real deadline (5 s).
   */
  async shutdown(): Promise<void> {
    const done = this.system.shutdown({ deadlineMs: 5_000 });
    try {
      await this.result(done, 60_000);
    } catch {
      await done;
    }
  }
}

/** An actor system on a virtual clock; see {@link TestKit}. */
export function createTestKit(options: TestKitOptions = {}): TestKit {
  return new TestKit(options);
}
