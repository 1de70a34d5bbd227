/**
 * The actor system: a root supervisor on top of a nact system, spawn functions,
 * readiness, introspection and graceful shutdown. Embeddable: a service may start
 * a system, spawn its own actors beside troupe's and mount the ops routes.
 */
import { type NactRef, startNactSystem, stopNact } from "./_nact.ts";
import type { ParentLink, TreeNode } from "./_node.ts";
import { ActorCell } from "./_cell.ts";
import type { ActorProps, ActorRef, Behaviour, ChildSpec } from "./actor.ts";
import { errorMessage, InvalidSpec } from "./errors.ts";
import { type Clock, realClock } from "./clock.ts";
import { createLogger, type Logger } from "./logger.ts";
import { Readiness } from "./readiness.ts";
import type { ActorSnapshot } from "./snapshot.ts";
import { SupervisorNode, type SupervisorProps } from "./supervisor.ts";

/** A supervisor handle: the parent argument of {@link spawn} and {@link supervise}. */
export interface Supervisor {
  readonly path: string;
  readonly name: string;
}

/** Options of {@link startSystem}. */
export interface ActorSystemOptions {
  /** Name of the root supervisor (first path segment). @default "troupe" */
  name?: string;
  /** @default a JSON-lines logger on standard error at level info */
  logger?: Logger;
  /** Strategy, budget and backoff of the root supervisor. @default one_for_one, 5 in 30 s */
  root?: Omit<SupervisorProps, "name" | "restart">;
  /** Where actor timers get their time (tests pass a {@link ManualClock}). @default realClock */
  clock?: Clock;
}

/** Life-cycle of a whole system. */
export type SystemStatus = "running" | "stopping" | "stopped" | "failed";

const nodes = new WeakMap<Supervisor, SupervisorNode>();

/** A running actor tree. */
export class ActorSystem {
  readonly root: Supervisor;
  readonly readiness: Readiness = new Readiness();
  readonly log: Logger;
  readonly #nact: NactRef;
  readonly #root: SupervisorNode;
  #status: SystemStatus = "running";
  #failure: unknown;
  #giveUpHandlers: ((err: unknown) => void)[] = [];

  constructor(options: ActorSystemOptions = {}) {
    const name = options.name ?? "troupe";
    this.log = options.logger ?? createLogger();
    this.#nact = startNactSystem(`${name}-${Math.random().toString(36).slice(2, 10)}`);
    const link: ParentLink = {
      path: "",
      nactRef: this.#nact,
      log: this.log,
      clock: options.clock ?? realClock,
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
