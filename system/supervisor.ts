/**
 * Supervisors (OTP's words and defaults): a strategy, a restart budget of
 * `intensity` restarts within `periodMs`, exponential backoff with jitter between
 * restarts, and escalation to the parent when the budget is spent or the failure
 * is not retriable. Children start in order and stop in reverse order.
 */
import { type NactRef, spawnNact, stopNact } from "./_nact.ts";
import { delay, type ParentLink, type RestartType, type TreeNode, withDeadline } from "./_node.ts";
import { backoffDelay, type BackoffOptions, RestartBudget } from "./backoff.ts";
import { ControlRefused, errorCode, errorMessage, Escalated, InvalidSpec, isRetriable } from "./errors.ts";
import type { Clock } from "./clock.ts";
import type { Logger } from "./logger.ts";
import {
  type ActorSnapshot,
  type ActorStatus,
  type FailureAction,
  type FailureRecord,
  type LastError,
  pushHistory,
  toLastError,
} from "./snapshot.ts";

/**
 * Which children a failure restarts:
 * - `one_for_one`: the failed child;
 * - `one_for_all`: every child;
 * - `rest_for_one`: the failed child and those started after it.
 */
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one";

/** Options of a supervisor. */
export interface SupervisorProps {
  /** Name, unique among its siblings. */
  name: string;
  /** @default "one_for_one" */
  /** Which children a failure restarts. @default "one_for_one" */
  strategy?: Strategy;
  /** Restarts allowed within `periodMs`; one more escalates. @default 5 */
  intensity?: number;
  /** The budget's sliding window in milliseconds. @default 30000 */
  periodMs?: number;
  /** Delay between restarts. @default { minMs: 100, maxMs: 10000, jitter: 0.2 } */
  backoff?: BackoffOptions;
  /** When this supervisor's own parent restarts it. @default "permanent" */
  restart?: RestartType;
  /** Random source for jitter (tests pass a fixed one). @default Math.random */
  random?: () => number;
}

/** A supervisor in the tree; pass it to `spawn` and `supervise` as the parent. */
export class SupervisorNode implements TreeNode, ParentLink {
  readonly name: string;
  readonly path: string;
  readonly restartType: RestartType;
  readonly nactRef: NactRef;
  readonly log: Logger;
  readonly clock: Clock;
  readonly strategy: Strategy;
  readonly #parent: ParentLink;
  readonly #props: SupervisorProps;
  readonly #budget: RestartBudget;
  #children: TreeNode[] = [];
  readonly #names = new Set<string>();
  #status: ActorStatus = "running";
  #jobs: Promise<void> = Promise.resolve();
  #stopping = new AbortController();
  #restarts = 0;
  #failures = 0;
  #lastError: LastError | null = null;
  #startedAt = Date.now();
  #history: FailureRecord[] | null = null;

  constructor(parent: ParentLink, props: SupervisorProps) {
    this.name = props.name;
    this.path = `${parent.path}/${props.name}`;
    this.restartType = props.restart ?? "permanent";
    this.strategy = props.strategy ?? "one_for_one";
    this.log = parent.log.child({ supervisor: this.path });
    this.clock = parent.clock;
    this.#parent = parent;
    this.#props = props;
    this.#budget = new RestartBudget(props);
    // A placeholder nact actor: it holds this supervisor's place in nact's hierarchy.
    this.nactRef = spawnNact(parent.nactRef, props.name, async () => {}, async () => "resume");
  }

  get stopped(): boolean {
    return this.#status === "stopped";
  }

  /** Whether new children may still be added. */
  get accepting(): boolean {
    return this.#status === "running" || this.#status === "restarting" || this.#status === "suspended";
  }

  /** Adds a child that was already constructed; names are unique among siblings. */
  adopt(child: TreeNode): void {
    if (!this.accepting) throw new InvalidSpec(`${this.path} is ${this.#status}: no new children`);
    if (this.#names.has(child.name)) throw new InvalidSpec(`${this.path} already has a child named '${child.name}'`);
    this.#names.add(child.name);
    this.#children.push(child);
  }

  /** The children, in start order. */
  get children(): readonly TreeNode[] {
    return this.#children;
  }

  /** Removes a child that failed to start. */
  disown(child: TreeNode): void {
    this.#children = this.#children.filter((c) => c !== child);
    this.#names.delete(child.name);
  }

  childFailed(child: TreeNode, err: unknown): void {
    this.#jobs = this.#jobs.then(() => this.#onFailure(child, err)).catch((e) => {
      this.log.error("supervisor failed while handling a failure", { err: e });
    });
  }

  childExited(child: TreeNode): void {
    this.#jobs = this.#jobs.then(async () => {
      if (!this.#children.includes(child) || !this.accepting) return;
      if (child.restartType === "permanent" && !this.closing()) {
        return this.#onFailure(child, new Error(`${child.path} stopped itself but is permanent`));
      }
      this.log.info("child stopped normally", { child: child.path });
      await child.shutdown(Date.now() + 5_000);
      this.disown(child);
    });
  }

  async suspend(): Promise<void> {
    this.#status = "restarting";
    for (const c of [...this.#children].reverse()) await c.suspend();
  }

  async teardown(carry: boolean): Promise<void> {
    for (const c of [...this.#children].reverse()) await c.teardown(carry);
  }

  async reinit(): Promise<void> {
    this.#restarts++;
    this.#budget.reset();
    for (const c of this.#children) if (!c.stopped) await c.reinit();
    this.#status = "running";
    this.#startedAt = Date.now();
  }

  async shutdown(deadline: number): Promise<void> {
    if (this.#status === "stopped") return;
    this.#status = "stopping";
    this.#stopping.abort();
    await withDeadline(this.#jobs, deadline);
    for (const c of [...this.#children].reverse()) await c.shutdown(deadline);
    this.#status = "stopped";
    stopNact(this.nactRef);
  }

  async pause(): Promise<void> {
    if (this.#status !== "running") return;
    this.#status = "suspended";
    for (const c of [...this.#children].reverse()) await c.pause();
  }

  resume(): void {
    if (this.#status !== "suspended") return;
    this.#status = "running";
    for (const c of this.#children) c.resume();
  }

  noteFailure(record: FailureRecord): void {
    this.#history = pushHistory(this.#history, record);
  }

  /**
   * An operator's restart of one child (and its subtree), done in the order of the
   * supervisor's other work. It does not count against the restart budget.
   */
  restartChild(child: TreeNode): Promise<void> {
    return this.#operate(child, "restart", async () => {
      await child.suspend();
      await child.teardown(true);
      await child.reinit();
    });
  }

  /** An operator's stop of one child: it drains and stops, and stays in the tree as stopped. */
  stopChild(child: TreeNode, deadline: number): Promise<void> {
    return this.#operate(child, "stop", () => child.shutdown(deadline));
  }

  #operate(child: TreeNode, action: string, run: () => Promise<void>): Promise<void> {
    const job = this.#jobs.then(async () => {
      if (!this.#children.includes(child)) throw new ControlRefused(child.path, action, "it is no longer in the tree");
      if (this.#status !== "running" && this.#status !== "suspended") {
        throw new ControlRefused(child.path, action, `its supervisor ${this.path} is ${this.#status}`);
      }
      this.log.warn("operator action", { child: child.path, action });
      await run();
      child.noteFailure(
        this.#record(`${action} by an operator`, null, "operator", action === "restart" ? [child] : [], null),
      );
    });
    this.#jobs = job.catch(() => {});
    return job;
  }

  #record(
    message: string,
    err: unknown,
    action: FailureAction,
    restarted: TreeNode[],
    backoffMs: number | null,
  ): FailureRecord {
    return {
      at: new Date().toISOString(),
      code: err === null ? null : errorCode(err) ?? null,
      message,
      action,
      by: action === "operator" ? "operator" : this.path,
      restarted: restarted.map((t) => t.path),
      backoffMs,
    };
  }

  markFailed(err: unknown): void {
    this.#status = "failed";
    this.#lastError ??= toLastError(err);
    for (const c of this.#children) c.markFailed(err);
  }

  snapshot(): ActorSnapshot {
    const children = this.#children.map((c) => c.snapshot());
    return {
      path: this.path,
      name: this.name,
      kind: "supervisor",
      status: this.#status,
      mailbox: null,
      processed: 0,
      failures: this.#failures,
      restarts: this.#restarts,
      lastError: this.#lastError,
      uptimeMs: this.#status === "running" || this.#status === "suspended" ? Date.now() - this.#startedAt : 0,
      supervision: this.#supervision(),
      history: this.#history ? [...this.#history] : [],
      info: null,
      children,
    };
  }

  #supervision(): ActorSnapshot["supervision"] {
    const inWindow = this.#budget.inWindow(this.clock.now());
    return {
      strategy: this.strategy,
      intensity: this.#budget.intensity,
      periodMs: this.#budget.periodMs,
      restartsInWindow: inWindow,
      budgetLeft: Math.max(0, this.#budget.intensity - inWindow),
      nextBackoffMs: backoffDelay(inWindow + 1, { ...this.#props.backoff, jitter: 0 }),
    };
  }

  /** The system is shutting down (from the root down): failures are no longer acted on. */
  closing(): boolean {
    return this.#parent.closing();
  }

  async #onFailure(child: TreeNode, err: unknown): Promise<void> {
    if (!this.accepting || !this.#children.includes(child)) return;
    if (this.closing()) {
      // Its turn to stop will come: a restart now would start what the shutdown is about to stop.
      this.log.info("not restarting: the system is shutting down", { child: child.path, error: errorMessage(err) });
      child.noteFailure(
        this.#record(`${errorMessage(err)} (not restarted: the system is shutting down)`, err, "none", [], null),
      );
      return;
    }
    if (child.restartType === "temporary") {
      this.log.warn("temporary child failed; removing it", { child: child.path, err });
      child.noteFailure(this.#record(errorMessage(err), err, "remove", [], null));
      await child.shutdown(Date.now() + 5_000);
      this.disown(child);
      return;
    }
    if (!isRetriable(err)) {
      child.noteFailure(this.#record(errorMessage(err), err, "escalate", [], null));
      return this.#giveUp(err, `not retriable (${errorCode(err) ?? (err as Error)?.name ?? "error"})`);
    }
    const { count, exceeded } = this.#budget.record(this.clock.now());
    if (exceeded) {
      child.noteFailure(this.#record(errorMessage(err), err, "escalate", [], null));
      return this.#giveUp(err, `restart budget spent (${this.#budget.intensity} in ${this.#budget.periodMs} ms)`);
    }
    const targets = this.#targets(child);
    const wait = backoffDelay(count, this.#props.backoff, this.#props.random);
    child.noteFailure(this.#record(errorMessage(err), err, "restart", targets, wait));
    this.log.warn("restarting", {
      child: child.path,
      strategy: this.strategy,
      restarts: targets.map((t) => t.path),
      backoffMs: wait,
      inWindow: count,
      error: errorMessage(err),
    });
    for (const t of [...targets].reverse()) await t.suspend();
    for (const t of [...targets].reverse()) await t.teardown(true);
    await delay(wait, this.#stopping.signal, this.clock);
    if (!this.accepting || this.closing()) return;
    for (const t of targets) {
      try {
        await t.reinit();
      } catch (e) {
        // The fresh incarnation failed to start: that is one more failure of it.
        this.childFailed(t, e);
        return;
      }
    }
  }

  /** The children a failure of `child` restarts; one an operator stopped stays stopped. */
  #targets(child: TreeNode): TreeNode[] {
    if (this.strategy === "one_for_all") return this.#children.filter((c) => !c.stopped);
    if (this.strategy === "rest_for_one") {
      return this.#children.slice(this.#children.indexOf(child)).filter((c) => !c.stopped);
    }
    return [child];
  }

  async #giveUp(err: unknown, why: string): Promise<void> {
    this.#failures++;
    this.log.error("supervisor gives up", { why, err });
    for (const c of [...this.#children].reverse()) await c.suspend();
    // What the children hand over is kept: an ancestor may restart this subtree.
    for (const c of [...this.#children].reverse()) await c.teardown(true);
    const escalated = new Escalated(this.path, this.#budget.intensity, this.#budget.periodMs, err);
    this.markFailed(err);
    this.#lastError = toLastError(escalated);
    this.#parent.childFailed(this, escalated);
  }
}
