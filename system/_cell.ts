/**
 * The runtime cell of one actor: its bounded mailbox, its current state, its
 * counters, and the suspend / teardown / reinit steps its supervisor drives.
 * Private to system/; the public face is `ActorRef`.
 */
import { type NactRef, signalNact, spawnNact, stopNact } from "./_nact.ts";
import { type ParentLink, type RestartType, type TreeNode, withDeadline } from "./_node.ts";
import type { ActorContext, ActorProps, ActorRef, Behaviour } from "./actor.ts";
import { errorMessage, InvalidSpec } from "./errors.ts";
import type { Logger } from "./logger.ts";
import { Mailbox } from "./mailbox.ts";
import { type ActorSnapshot, type ActorStatus, type LastError, toLastError } from "./snapshot.ts";

interface Waiter {
  until: () => boolean;
  resolve: () => void;
}

/** One live actor. */
export class ActorCell<M, S> implements TreeNode {
  readonly name: string;
  readonly path: string;
  readonly restartType: RestartType;
  readonly nactRef: NactRef;
  readonly ref: ActorRef<M>;
  readonly #parent: ParentLink;
  readonly #behaviour: Behaviour<M, S>;
  readonly #props: ActorProps;
  readonly #mailbox: Mailbox<M>;
  readonly #log: Logger;
  #state: S | undefined;
  #hasState = false;
  #status: ActorStatus = "starting";
  #suspended = true;
  #busy = false;
  #stopRequested = false;
  #waiters: Waiter[] = [];
  #incarnation = new AbortController();
  #ctx: ActorContext<M>;
  #processed = 0;
  #failures = 0;
  #restarts = 0;
  #lastError: LastError | null = null;
  #startedAt = 0;

  constructor(parent: ParentLink, behaviour: Behaviour<M, S>, props: ActorProps) {
    if (props.overflow === "dropOldest" && props.lossy !== true) {
      throw new InvalidSpec(`${parent.path}/${props.name}: overflow "dropOldest" needs lossy: true (the actor must declare it may lose messages)`);
    }
    this.name = props.name;
    this.path = `${parent.path}/${props.name}`;
    this.restartType = props.restart ?? "permanent";
    this.#parent = parent;
    this.#behaviour = behaviour;
    this.#props = props;
    this.#log = parent.log.child({ actor: this.path });
    this.#mailbox = new Mailbox<M>(this.path, props, () => signalNact(this.nactRef));
    const mailbox = this.#mailbox;
    this.ref = {
      path: this.path,
      send: (msg, options) => mailbox.send(msg, options),
      trySend: (msg) => mailbox.trySend(msg),
    };
    this.#ctx = this.#newContext();
    this.nactRef = spawnNact(parent.nactRef, props.name, () => this.#deliver(), (err) => this.#crashed(err));
  }

  /** First start. Throws if `init` fails. */
  async start(): Promise<void> {
    await this.#init();
  }

  async suspend(): Promise<void> {
    this.#suspended = true;
    if (this.#status === "running") this.#status = "restarting";
    await this.#waitFor(() => !this.#busy);
  }

  async teardown(): Promise<void> {
    this.#incarnation.abort();
    if (!this.#hasState) return;
    const state = this.#state as S;
    this.#state = undefined;
    this.#hasState = false;
    try {
      await this.#behaviour.stop?.(state, this.#ctx);
    } catch (err) {
      this.#log.warn("actor stop failed", { err });
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
    const wasSuspended = this.#suspended;
    this.#status = "stopping";
    this.#mailbox.close();
    if (!wasSuspended) {
      const drained = await withDeadline(this.#waitFor(() => this.#mailbox.depth === 0 && !this.#busy), deadline);
      if (!drained) this.#log.warn("shutdown deadline passed before the mailbox drained", { left: this.#mailbox.depth });
    }
    this.#suspended = true;
    await withDeadline(this.#waitFor(() => !this.#busy), deadline);
    const released = await withDeadline(this.teardown(), deadline);
    if (!released) this.#log.warn("actor stop did not finish before the shutdown deadline");
    this.#status = "stopped";
    stopNact(this.nactRef);
    this.#poke();
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
      uptimeMs: this.#status === "running" ? Date.now() - this.#startedAt : 0,
      supervision: null,
      info,
      children: [],
    };
  }

  async #init(): Promise<void> {
    this.#incarnation = new AbortController();
    this.#ctx = this.#newContext();
    try {
      this.#state = await this.#behaviour.init(this.#ctx);
      this.#hasState = true;
    } catch (err) {
      this.#recordFailure(err);
      this.#status = "failed";
      throw err;
    }
    this.#startedAt = Date.now();
    this.#status = "running";
    this.#suspended = false;
    this.#poke();
  }

  async #deliver(): Promise<void> {
    await this.#waitFor(() => !this.#suspended || this.#status === "stopped");
    if (this.#status === "stopped" || this.#mailbox.depth === 0) return;
    const msg = this.#mailbox.shift() as M;
    this.#busy = true;
    try {
      this.#state = await this.#behaviour.receive(this.#state as S, msg, this.#ctx);
      this.#processed++;
    } catch (err) {
      this.#recordFailure(err);
      this.#suspended = true;
      throw err;
    } finally {
      this.#busy = false;
      this.#poke();
    }
    if (this.#stopRequested) {
      this.#stopRequested = false;
      this.#suspended = true;
      this.#parent.childExited(this);
    }
  }

  /** nact calls this after `#deliver` threw; delivery stays paused until it resolves. */
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

  #newContext(): ActorContext<M> {
    return {
      self: this.ref,
      path: this.path,
      name: this.name,
      log: this.#log,
      signal: this.#incarnation.signal,
      stopSelf: () => {
        this.#stopRequested = true;
      },
    };
  }

  #waitFor(until: () => boolean): Promise<void> {
    if (until()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ until, resolve }));
  }

  #poke(): void {
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const w of this.#waiters) (w.until() ? w.resolve() : still.push(w));
    this.#waiters = still;
  }
}
