/**
 * What a supervisor needs of each child, whether the child is an actor or another
 * supervisor. Private to system/.
 */
import { type Clock, realClock } from "./clock.ts";
import type { Logger } from "./logger.ts";
import type { NactRef } from "./_nact.ts";
import type { ActorSnapshot, FailureRecord } from "./snapshot.ts";

/**
 * When a child is restarted (OTP's words):
 * - `permanent`: always;
 * - `transient`: after a failure, not after it stopped itself normally;
 * - `temporary`: never; a failed temporary child is removed.
 */
export type RestartType = "permanent" | "transient" | "temporary";

/** A child of a supervisor. */
export interface TreeNode {
  readonly name: string;
  readonly path: string;
  readonly restartType: RestartType;
  /** The nact actor that holds this node's place in the hierarchy. */
  readonly nactRef: NactRef;
  /** Stopped for good (an operator's stop, or the system's shutdown): never restarted. */
  readonly stopped: boolean;
  /** Stops processing; resolves once no message is being handled. */
  suspend(): Promise<void>;
  /**
   * Releases what the node holds (its state, its children's state). With `carry`,
   * an actor first takes what its ending incarnation hands to the next one.
   */
  teardown(carry: boolean): Promise<void>;
  /** Starts again with fresh state. Throws if initialisation fails. */
  reinit(): Promise<void>;
  /** Graceful stop: refuse intake, drain within the deadline, release, stop. */
  shutdown(deadline: number): Promise<void>;
  /** Marks the node as failed for good (its supervisor gave up on it). */
  markFailed(err: unknown): void;
  /** An operator's pause: no new message is handled (a supervisor pauses its subtree); one under way finishes. */
  pause(): Promise<void>;
  /** Ends an operator's pause. */
  resume(): void;
  /** Appends to the node's restart history (its supervisor or an operator acted). */
  noteFailure(record: FailureRecord): void;
  snapshot(): ActorSnapshot;
}

/** What a child needs of its parent. */
export interface ParentLink {
  readonly path: string;
  readonly nactRef: NactRef;
  readonly log: Logger;
  /** The system's clock (actor timers run on it). */
  readonly clock: Clock;
  /** The system is shutting down: failures are no longer acted on (nothing restarts). */
  closing(): boolean;
  /** Reports a failure of `child`; the parent decides what happens. */
  childFailed(child: TreeNode, err: unknown): void;
  /** A child stopped itself normally. */
  childExited(child: TreeNode): void;
}

/** Resolves after `ms` on `clock` (the system's: a test's virtual one moves it by hand), or at once when the signal aborts. */
export function delay(ms: number, signal?: AbortSignal, clock: Clock = realClock): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = () => {
      clock.cancel(handle);
      resolve();
    };
    const handle = clock.schedule(ms, () => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Runs `fn`, but gives up waiting at `deadline` (epoch ms); says whether it finished. */
export async function withDeadline(fn: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([fn.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
