/**
 * The runtime cell of one actor: its bounded mailbox, its current state, its
 * counters, and the suspend / teardown / reinit steps its supervisor drives.
 * Private to system/; the public face is `ActorRef`.
 */
import { failNact, type NactRef, spawnNact, stopNact } from "./_nact.ts";
import { type ParentLink, type RestartType, type TreeNode, withDeadline } from "./_node.ts";
import type { ActorProps, ActorRef, Behaviour } from "./actor.ts";
import { Incarnation, MailboxRef } from "./_incarnation.ts";
import { errorMessage, InvalidSpec, StoppedWhileStarting } from "./errors.ts";
import { CellFigures } from "./_cell_figures.ts";
import type { Logger } from "./logger.ts";
import { Mailbox } from "./mailbox.ts";
import { noteHandled, scheduleTurn } from "./_scheduler.ts";
import { sampleStride } from "./_sampling.ts";
import { type ActorSnapshot, type ActorStatus, type FailureRecord, type LastError, toLastError } from "./snapshot.ts";
import type { TraceOptions, TraceReport } from "./trace.ts";
import { type Watchable, Watchers } from "./_watch.ts";

/** Turns, across all actors, until the next one is timed (see _sampling.ts). */
let turnsToSample = sampleStride();

interface Waiter {
  until: () => boolean;
  resolve: () => void;
}

/** One live actor. */
export class ActorCell<M, S, C = never> implements TreeNode, Watchable {
  readonly name: string;
  readonly path: string;
  readonly restartType: RestartType;
  readonly nactRef: NactRef;
  readonly ref: ActorRef<M>;
  readonly #parent: ParentLink;
  readonly #behaviour: Behaviour<M, S, C>;
  readonly #props: ActorProps;
  readonly #mailbox: Mailbox<M>;
  #logger: Logger | null = null;
  #state: S | undefined;
  #hasState = false;
  #status: ActorStatus = "starting";
  #suspended = true;
  #busy = false;
  /** A turn is queued or running: accepting more messages needs no new turn. */
  #scheduled = false;
  readonly #throughput: number;
  /** {@link #runTurnNow} bound once (a bound method, not a named closure: see _incarnation.ts). */
  readonly #runTurn: () => void;
  #stopRequested = false;
  /** A shutdown tore this cell down (it stays down): an init that ends afterwards is released at once (see `#init`). */
  #shutDown = false;
  #waiters: Waiter[] = [];
  /** The current incarnation (a new one once the last ended). */
  #ctx: Incarnation<M>;
  /** What an ended incarnation handed over, until an `init` takes it. */
  #carried: { value: C } | null = null;
  #handovers = 0;
  #lastHandoverAt: string | null = null;
  #processed = 0;
  #failures = 0;
  #restarts = 0;
  #lastError: LastError | null = null;
  #startedAt = 0;
  /** Paused by an operator (see {@link pause}). */
  #paused = false;
  /** Sampled handling times, restart history and trace, made on first use. */
  #figures: CellFigures | null = null;
  /** A trace records every message: each turn is an observed one. */
  #tracing = false;
  /** Who watches this actor (made on first use). */
  #watchers: Watchers | null = null;

  constructor(parent: ParentLink, behaviour: Behaviour<M, S, C>, props: ActorProps) {
    if (props.overflow === "dropOldest" && props.lossy !== true) {
      throw new InvalidSpec(
        `${parent.path}/${props.name}: overflow "dropOldest" needs lossy: true (the actor must declare it may lose messages)`,
      );
    }
    this.name = props.name;
    this.path = `${parent.path}/${props.name}`;
    this.restartType = props.restart ?? "permanent";
    this.#parent = parent;
    this.#behaviour = behaviour;
    this.#props = props;
    this.#throughput = props.throughput ?? 64;
    if (!Number.isInteger(this.#throughput) || this.#throughput < 1) {
      throw new InvalidSpec(`${this.path}: throughput must be a whole number >= 1: got ${props.throughput}`);
    }
    this.#mailbox = new Mailbox<M>(this.path, props, () => {
      if (!this.#scheduled) this.#schedule();
    }, parent.clock);
    this.ref = new MailboxRef(this.path, this.#mailbox, parent.clock, this);
    this.#runTurn = this.#runTurnNow.bind(this);
    this.#ctx = this.#newIncarnation();
    this.nactRef = spawnNact(
      parent.nactRef,
      props.name,
      () => this.#turn() ?? Promise.resolve(),
      (err) => this.#crashed(err),
    );
  }

  get stopped(): boolean {
    return this.#status === "stopped";
  }

  watchers(): Watchers {
    if (this.#watchers === null) {
      this.#watchers = new Watchers(this.path);
      if (this.#status === "stopped") this.#watchers.ended("stop", false);
    }
    return this.#watchers;
  }

  /** First start. Throws if `init` fails. */
  async start(): Promise<void> {
    await this.#init();
  }

  /**
   * Stops taking messages and ends the incarnation (its signal aborts, its timers
   * stop), then waits for the handler in progress. A handler waiting on the signal
   * (a send into a full mailbox, I/O) so returns at once: a restart never waits on
   * a sibling's mailbox that only the restart would drain. What such a handler
   * throws once its incarnation ended is not a failure of the actor.
   */
  async suspend(): Promise<void> {
    this.#suspended = true;
    if (this.#status === "running") this.#status = "restarting";
    this.#ctx.end();
    await this.#waitFor(() => !this.#busy);
  }

  async teardown(carry: boolean): Promise<void> {
    this.#ctx.end();
    if (!this.#hasState) return;
    const state = this.#state as S;
    this.#state = undefined;
    this.#hasState = false;
    try {
      await this.#behaviour.stop?.(state, this.#ctx);
    } catch (err) {
      this.#log.warn("actor stop failed", { err });
    }
    if (!carry) return;
    this.#handOver(state);
    // A restart (or a supervisor giving up, for an ancestor to restart): watchers learn the incarnation ended.
    this.#watchers?.ended("restart", this.#carried !== null);
  }

  #handOver(state: S): void {
    if (!this.#behaviour.handover) return;
    try {
      const value = this.#behaviour.handover(state);
      if (value === undefined) return;
      this.#carried = { value };
      this.#handovers++;
      this.#lastHandoverAt = new Date().toISOString();
    } catch (err) {
      this.#log.error("actor handover failed: the next incarnation starts without it", { err });
    }
  }

  async reinit(): Promise<void> {
    this.#restarts++;
    this.#status = "restarting";
    if (this.#props.keepMailboxOnRestart === false) {
      const n = this.#mailbox.clear();
      if (n > 0) this.#log.warn("mailbox cleared on restart", { dropped: n });
    }
    await this.#init();
  }

  async shutdown(deadline: number): Promise<void> {
    if (this.#status === "stopped") return;
    if (this.#paused) this.resume();
    const wasSuspended = this.#suspended;
    this.#status = "stopping";
    this.#mailbox.close();
    if (!wasSuspended) {
      const drained = await withDeadline(this.#waitFor(() => this.#mailbox.depth === 0 && !this.#busy), deadline);
      if (!drained) {
        this.#log.warn("shutdown deadline passed before the mailbox drained", { left: this.#mailbox.depth });
      }
    }
    this.#suspended = true;
    await withDeadline(this.#waitFor(() => !this.#busy), deadline);
    this.#shutDown = true;
    const released = await withDeadline(this.teardown(false), deadline);
    if (!released) this.#log.warn("actor stop did not finish before the shutdown deadline");
    this.#status = "stopped";
    stopNact(this.nactRef);
    this.#watchers?.ended("stop", false);
    this.#poke();
  }

  /**
   * An operator's pause: no further message is handled until {@link resume}; the
   * mailbox keeps taking them. A handler under way finishes in its own time (it may
   * be waiting on a sibling this same pause holds, so the pause does not wait for it).
   */
  pause(): Promise<void> {
    if (this.#status === "running") {
      this.#paused = true;
      this.#suspended = true;
      this.#status = "suspended";
    }
    return Promise.resolve();
  }

  /** Ends an operator's pause. */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#status !== "suspended") return;
    this.#status = "running";
    this.#suspended = false;
    this.#schedule();
  }

  noteFailure(record: FailureRecord): void {
    this.#figuresMade.noteFailure(record);
  }

  /** Starts recording the messages this actor handles (replacing a trace under way). */
  startTrace(options: TraceOptions = {}): TraceReport {
    const report = this.#figuresMade.startTrace(options);
    this.#tracing = true;
    return report;
  }

  stopTrace(): TraceReport | null {
    this.#tracing = false;
    return this.#figures?.stopTrace() ?? null;
  }

  /** The current or last trace. */
  traceReport(): TraceReport | null {
    this.#tracing = this.#figures?.tracing ?? false;
    return this.#figures?.traceReport() ?? null;
  }

  markFailed(err: unknown): void {
    this.#suspended = true;
    this.#status = "failed";
    this.#lastError ??= toLastError(err);
    this.#poke();
  }

  snapshot(): ActorSnapshot {
    let info: Record<string, unknown> | null = null;
    if (this.#hasState && this.#behaviour.describe) {
      try {
        info = this.#behaviour.describe(this.#state as S);
      } catch (err) {
        info = { describeError: errorMessage(err) };
      }
    }
    return {
      path: this.path,
      name: this.name,
      kind: "actor",
      status: this.#status,
      mailbox: this.#mailbox.stats(),
      processed: this.#processed,
      failures: this.#failures,
      restarts: this.#restarts,
      lastError: this.#lastError,
      uptimeMs: this.#status === "running" || this.#status === "suspended" ? Date.now() - this.#startedAt : 0,
      supervision: null,
      processing: this.#figures?.processing() ?? null,
      history: this.#figures?.history() ?? [],
      traced: this.#figures?.tracing ?? false,
      handover: this.#handovers === 0
        ? null
        : { count: this.#handovers, lastAt: this.#lastHandoverAt, waiting: this.#carried !== null },
      timers: this.#hasState ? this.#ctx.timers.active : [],
      info,
      children: [],
    };
  }

  async #init(): Promise<void> {
    if (this.#ctx.ended) this.#ctx = this.#newIncarnation();
    const ctx = this.#ctx;
    try {
      const state = await this.#behaviour.init(ctx, this.#carried?.value);
      // The cell was shut down while the init was under way (a shutdown does not wait for an init, a first one or a
      // restart's): release what it made, never run.
      if (this.#shutDown) {
        try {
          await this.#behaviour.stop?.(state, ctx);
        } catch (err) {
          this.#log.warn("actor stop failed", { err });
        }
        throw new StoppedWhileStarting(this.path);
      }
      this.#state = state;
      this.#hasState = true;
      this.#carried = null;
    } catch (err) {
      if (err instanceof StoppedWhileStarting) throw err;
      // A failed start is an ended incarnation; what was carried waits for the next.
      this.#ctx.end();
      this.#recordFailure(err);
      this.#status = "failed";
      throw err;
    }
    this.#startedAt = Date.now();
    this.#status = "running";
    this.#suspended = false;
    this.#paused = false;
    this.#poke();
    this.#schedule();
  }

  #runTurnNow(): void {
    try {
      this.#turn()?.catch((err: unknown) => this.#reportFailure(err));
    } catch (err) {
      this.#reportFailure(err);
    }
  }

  /** Queues a turn if there is something to handle and none is queued. */
  #schedule(): void {
    if (this.#scheduled || this.#suspended || this.#status === "stopped" || this.#mailbox.depth === 0) return;
    this.#scheduled = true;
    scheduleTurn(this.#runTurn, this.nactRef);
  }

  /**
   * One turn: handles up to `throughput` messages, then queues another turn if
   * more wait (other actors and the event loop get theirs in between). Handlers
   * that return a plain value run back to back with no promise in between; the
   * first that returns a promise moves the rest of the turn to {@link #turnAsync}.
   * A failure suspends the actor and is thrown (nact's crash path takes it).
   */
  #turn(): Promise<void> | undefined {
    this.#mailbox.noteDepth();
    if (this.#tracing || --turnsToSample === 0) return this.#observedTurn();
    return this.#plainTurn();
  }

  /** A turn's loop, kept in a function of its own so V8 optimises it as it did before turns were sampled. */
  #plainTurn(): Promise<void> | undefined {
    let n = 0;
    while (n < this.#throughput && !this.#suspended && this.#mailbox.depth > 0) {
      const msg = this.#mailbox.shift() as M;
      this.#busy = true;
      let next: S | Promise<S>;
      try {
        next = this.#behaviour.receive(this.#state as S, msg, this.#ctx);
      } catch (err) {
        if (this.#endTurn(n, err)) throw err;
        return undefined;
      }
      if (next instanceof Promise) return this.#turnAsync(next, n);
      this.#state = next;
      n++;
      this.#handled();
    }
    this.#endTurn(n, null);
    return undefined;
  }

  /** The rest of a turn once a handler returned a promise. */
  async #turnAsync(pending: Promise<S>, done: number): Promise<void> {
    let n = done;
    try {
      this.#state = await pending;
      n++;
      this.#handled();
      while (n < this.#throughput && !this.#suspended && this.#mailbox.depth > 0) {
        // Messages came in while the handler awaited: the depth may be at a peak.
        this.#mailbox.noteDepth();
        const msg = this.#mailbox.shift() as M;
        this.#busy = true;
        const next = this.#behaviour.receive(this.#state as S, msg, this.#ctx);
        this.#state = next instanceof Promise ? await next : next;
        n++;
        this.#handled();
      }
    } catch (err) {
      if (this.#endTurn(n, err)) throw err;
      return;
    }
    this.#endTurn(n, null);
  }

  /**
   * A turn of one message, timed, and recorded when the actor is traced. About one
   * turn in 32 across the process is one of these (every turn of a traced actor).
   */
  #observedTurn(): Promise<void> | undefined {
    if (turnsToSample <= 0) turnsToSample = sampleStride();
    if (this.#suspended || this.#mailbox.depth === 0) {
      this.#endTurn(0, null);
      return undefined;
    }
    const msg = this.#mailbox.shift() as M;
    this.#busy = true;
    const at = this.#tracing ? Date.now() : 0;
    const t0 = this.#parent.clock.now();
    let next: S | Promise<S>;
    try {
      next = this.#behaviour.receive(this.#state as S, msg, this.#ctx);
    } catch (err) {
      this.#observed(msg, at, t0, err);
      if (this.#endTurn(0, err)) throw err;
      return undefined;
    }
    if (next instanceof Promise) return this.#observedAsync(next, msg, at, t0);
    this.#state = next;
    this.#observed(msg, at, t0, null);
    this.#handled();
    this.#endTurn(1, null);
    return undefined;
  }

  async #observedAsync(pending: Promise<S>, msg: M, at: number, t0: number): Promise<void> {
    try {
      this.#state = await pending;
    } catch (err) {
      this.#observed(msg, at, t0, err);
      if (this.#endTurn(0, err)) throw err;
      return;
    }
    this.#observed(msg, at, t0, null);
    this.#handled();
    this.#endTurn(1, null);
  }

  #observed(msg: M, at: number, t0: number, failure: unknown): void {
    const ms = this.#parent.clock.now() - t0;
    this.#tracing = this.#figuresMade.observed(msg, at, ms, failure);
  }

  /** Bookkeeping after a message was handled. */
  #handled(): void {
    this.#processed++;
    this.#busy = false;
    if (this.#waiters.length > 0) this.#poke();
    if (this.#stopRequested) {
      this.#stopRequested = false;
      this.#suspended = true;
      this.#parent.childExited(this);
    }
  }

  /**
   * Ends a turn: records a failure (the actor stays suspended; true: report it), or
   * queues the next turn.
   */
  #endTurn(n: number, failure: unknown): boolean {
    noteHandled(n);
    this.#scheduled = false;
    if (failure !== null) {
      // After the incarnation ended (a restart or stop under way), a handler's error is its ending, not a failure.
      const counts = !this.#ctx.ended;
      if (counts) this.#recordFailure(failure);
      else this.#log.debug("a handler ended with its incarnation", { err: failure });
      this.#suspended = true;
      this.#busy = false;
      this.#poke();
      return counts;
    }
    this.#schedule();
    return false;
  }

  /** A turn that ran outside nact failed: nact runs the crash path, unless the actor already stopped. */
  #reportFailure(err: unknown): void {
    if (this.#status !== "stopped") failNact(this.nactRef, err);
    else this.#log.warn("actor failed after it stopped", { err });
  }

  /** nact calls this after a turn threw; no turn runs until it resolves. */
  async #crashed(err: unknown): Promise<"resume" | "stop"> {
    this.#log.warn("actor failed", { err });
    this.#parent.childFailed(this, err);
    await this.#waitFor(() => !this.#suspended || this.#status === "stopped");
    return this.#status === "stopped" ? "stop" : "resume";
  }

  #recordFailure(err: unknown): void {
    this.#failures++;
    this.#lastError = toLastError(err);
  }

  #newIncarnation(): Incarnation<M> {
    return new Incarnation<M>(this.ref, this.name, this.#parent.clock, () => this.#log, () => {
      this.#stopRequested = true;
    });
  }

  get #figuresMade(): CellFigures {
    return this.#figures ??= new CellFigures(this.path);
  }

  /** The actor's logger, made on first use. */
  get #log(): Logger {
    return this.#logger ??= this.#parent.log.child({ actor: this.path });
  }

  #waitFor(until: () => boolean): Promise<void> {
    if (until()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ until, resolve }));
  }

  #poke(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) w.until() ? w.resolve() : still.push(w);
    this.#waiters = still;
  }
}
