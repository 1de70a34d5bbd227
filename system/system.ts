/**
 * The actor system: a root supervisor on top of a nact system, spawn functions,
 * readiness, introspection and graceful shutdown. Embeddable: a service may start
 * a system, spawn its own actors beside troupe's and mount the ops routes.
 */
import { type NactRef, startNactSystem, stopNact } from "./_nact.ts";
import type { ParentLink, TreeNode } from "./_node.ts";
import { ActorCell } from "./_cell.ts";
import type { ActorProps, ActorRef, Behaviour, ChildSpec } from "./actor.ts";
import { ControlRefused, errorMessage, InvalidSpec, NoSuchActor } from "./errors.ts";
import { type Clock, noteOtherClock, realClock } from "./clock.ts";
import { createLogger, type Logger } from "./logger.ts";
import { Readiness } from "./readiness.ts";
import type { ActorSnapshot } from "./snapshot.ts";
import type { TraceOptions, TraceReport } from "./trace.ts";
import { SupervisorNode, type SupervisorProps } from "./supervisor.ts";

/** A supervisor handle: the parent argument of {@link spawn} and {@link supervise}. */
export interface Supervisor {
  /** Full path, e.g. `/troupe/db`. */
  readonly path: string;
  /** The last segment of the path. */
  readonly name: string;
}

/** Options of {@link startSystem}. */
export interface ActorSystemOptions {
  /** Name of the root supervisor (first path segment). @default "troupe" */
  name?: string;
  /** @default a JSON-lines logger on standard error at level info */
  /** Where the system's lines go. @default a JSON-lines logger on standard error at level info */
  logger?: Logger;
  /** Strategy, budget and backoff of the root supervisor. @default one_for_one, 5 in 30 s */
  root?: Omit<SupervisorProps, "name" | "restart">;
  /**
   * Where the system's time comes from: actor timers, restart backoff, restart budget
   * windows and the deadlines of `ask`s to its actors (`troupe/testkit` passes a virtual
   * clock). @default realClock
   */
  clock?: Clock;
}

/**
 * What an operator may do to a live actor or subtree: `restart` it (not counted
 * against its supervisor's budget), `stop` it for good (it drains, stops and stays
 * in the tree as stopped), `suspend` its message handling, `resume` it.
 */
export type ControlAction = "restart" | "stop" | "suspend" | "resume";

/** The actions of {@link ControlAction}, for validation. */
export const CONTROL_ACTIONS: readonly ControlAction[] = ["restart", "stop", "suspend", "resume"];

/** Life-cycle of a whole system. */
export type SystemStatus = "running" | "stopping" | "stopped" | "failed";

const nodes = new WeakMap<Supervisor, SupervisorNode>();

/** A running actor tree. */
export class ActorSystem {
  /** The root supervisor: spawn and supervise under it. */
  readonly root: Supervisor;
  /** The dependencies the system reports on (`/readyz`). */
  readonly readiness: Readiness = new Readiness();
  /** The system's logger. */
  readonly log: Logger;
  readonly #nact: NactRef;
  readonly #root: SupervisorNode;
  #status: SystemStatus = "running";
  #failure: unknown;
  #giveUpHandlers: ((err: unknown) => void)[] = [];

  /** Prefer {@link startSystem}. */
  constructor(options: ActorSystemOptions = {}) {
    const name = options.name ?? "troupe";
    if (options.clock && options.clock !== realClock) noteOtherClock();
    this.log = options.logger ?? createLogger();
    this.#nact = startNactSystem(`${name}-${Math.random().toString(36).slice(2, 10)}`);
    const link: ParentLink = {
      path: "",
      nactRef: this.#nact,
      log: this.log,
      clock: options.clock ?? realClock,
      closing: () => this.#status === "stopping" || this.#status === "stopped",
      childFailed: (_child, err) => this.#giveUp(err),
      childExited: () => {},
    };
    this.#root = new SupervisorNode(link, { ...options.root, name });
    nodes.set(this.#root, this.#root);
    this.root = this.#root;
  }

  /** `running` until shutdown or until the root supervisor gives up (`failed`). */
  get status(): SystemStatus {
    return this.#status;
  }

  /** What made the root give up, if it did. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Ready: running, and every declared dependency is up. */
  get ready(): boolean {
    return this.#status === "running" && this.readiness.allUp;
  }

  /** Calls `handler` when the root supervisor gives up (the node should exit non-zero). */
  onGiveUp(handler: (err: unknown) => void): void {
    this.#giveUpHandlers.push(handler);
  }

  /** The whole tree, for introspection. */
  snapshot(): ActorSnapshot {
    return this.#root.snapshot();
  }

  /**
   * An operator's action on the actor or supervisor at `path` (a supervisor's acts
   * on its subtree). Resolves with the node's snapshot once done. Rejects with
   * {@link NoSuchActor}, or {@link ControlRefused} when the action would break an
   * invariant (stopping or restarting the root, acting on a stopped node, while
   * the system shuts down).
   */
  async control(path: string, action: ControlAction): Promise<ActorSnapshot> {
    if (!CONTROL_ACTIONS.includes(action)) {
      throw new ControlRefused(path, String(action), `the action must be one of ${CONTROL_ACTIONS.join(", ")}`);
    }
    const { node, parent } = this.#find(path);
    if (this.#status !== "running") throw new ControlRefused(path, action, `the system is ${this.#status}`);
    const status = node.snapshot().status;
    if (status !== "running" && status !== "suspended") throw new ControlRefused(path, action, `it is ${status}`);
    if (parent === null && (action === "restart" || action === "stop")) {
      throw new ControlRefused(
        path,
        action,
        action === "stop"
          ? "it is the root supervisor; stopping it stops the node (send the process SIGTERM instead)"
          : "it is the root supervisor, which nothing supervises (restart the node, or its children one by one)",
      );
    }
    this.log.warn("operator action requested", { path, action });
    if (action === "suspend") await node.pause();
    else if (action === "resume") node.resume();
    else if (action === "restart") await parent!.restartChild(node);
    else await parent!.stopChild(node, Date.now() + 10_000);
    return node.snapshot();
  }

  /** Starts tracing the messages of the actor at `path` (see {@link TraceOptions}). */
  startTrace(path: string, options: TraceOptions = {}): TraceReport {
    const cell = this.#cell(path, "trace");
    const report = cell.startTrace(options);
    this.log.info("trace started", { path, limit: report.limit, endsAt: new Date(report.endsAt).toISOString() });
    return report;
  }

  /** Stops the trace of the actor at `path`; returns what it recorded (null: never traced). */
  stopTrace(path: string): TraceReport | null {
    return this.#cell(path, "stop tracing").stopTrace();
  }

  /** The current or last trace of the actor at `path` (null: never traced). */
  trace(path: string): TraceReport | null {
    return this.#cell(path, "read the trace of").traceReport();
  }

  #cell(path: string, action: string): ActorCell<unknown, unknown, unknown> {
    const { node } = this.#find(path);
    if (!(node instanceof ActorCell)) {
      throw new ControlRefused(path, action, "it is a supervisor (trace the actors under it)");
    }
    return node;
  }

  #find(path: string): { node: TreeNode; parent: SupervisorNode | null } {
    if (path === this.#root.path) return { node: this.#root, parent: null };
    let parent = this.#root;
    if (!path.startsWith(`${parent.path}/`)) throw new NoSuchActor(path);
    for (;;) {
      const child = parent.children.find((c) => path === c.path || path.startsWith(`${c.path}/`));
      if (!child) throw new NoSuchActor(path);
      if (child.path === path) return { node: child, parent };
      if (!(child instanceof SupervisorNode)) throw new NoSuchActor(path);
      parent = child;
    }
  }

  /**
   * Graceful shutdown: children stop in reverse start order; each refuses new
   * messages, drains its mailbox and releases its resources, all within `deadlineMs`.
   */
  async shutdown(options: { deadlineMs?: number } = {}): Promise<void> {
    if (this.#status === "stopping" || this.#status === "stopped") return;
    const failed = this.#status === "failed";
    this.#status = "stopping";
    const deadline = Date.now() + (options.deadlineMs ?? 10_000);
    await this.#root.shutdown(deadline);
    stopNact(this.#nact);
    this.#status = failed ? "failed" : "stopped";
  }

  #giveUp(err: unknown): void {
    if (this.#status !== "running") return;
    this.#status = "failed";
    this.#failure = err;
    this.log.error("root supervisor gave up: the node is not ready and will exit", { error: errorMessage(err) });
    for (const h of this.#giveUpHandlers) {
      try {
        h(err);
      } catch (e) {
        this.log.error("give-up handler threw", { err: e });
      }
    }
  }
}

/** Starts an empty actor system. */
export function startSystem(options: ActorSystemOptions = {}): ActorSystem {
  return new ActorSystem(options);
}

/**
 * Spawns an actor under `parent` and waits for its `init`. Children start in the
 * order they are spawned and stop in reverse order. Rejects (and leaves nothing
 * behind) if `init` throws.
 */
export async function spawn<M, S, C = never>(
  parent: Supervisor,
  behaviour: Behaviour<M, S, C>,
  props: ActorProps,
): Promise<ActorRef<M>> {
  const node = nodeOf(parent);
  const cell = new ActorCell<M, S, C>(node, behaviour, props);
  return (await start(node, cell, () => cell.start())).ref;
}

/** Starts the actor a {@link ChildSpec} describes under `parent`. */
export function startChild<M>(parent: Supervisor, spec: ChildSpec<M>): Promise<ActorRef<M>> {
  return spawn(parent, spec.behaviour, spec.props);
}

/** Creates a child supervisor under `parent`. */
export async function supervise(parent: Supervisor, props: SupervisorProps): Promise<Supervisor> {
  const node = nodeOf(parent);
  const child = new SupervisorNode(node, props);
  nodes.set(child, child);
  return start(node, child, async () => {});
}

async function start<T extends TreeNode>(parent: SupervisorNode, child: T, init: () => Promise<void>): Promise<T> {
  parent.adopt(child);
  try {
    await init();
  } catch (err) {
    parent.disown(child);
    await child.shutdown(Date.now());
    throw err;
  }
  return child;
}

function nodeOf(s: Supervisor): SupervisorNode {
  const node = nodes.get(s);
  if (!node) throw new InvalidSpec(`not a supervisor of this runtime: ${String(s?.path)}`);
  if (!node.accepting) throw new InvalidSpec(`${node.path} is not running: no new children`);
  return node;
}
