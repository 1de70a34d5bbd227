/**
 * The introspection view of a live actor tree, as served by `GET /actors`.
 * Plain JSON data: every field is a number, string, boolean, null, array or object.
 */
import { errorCode, errorMessage } from "./errors.ts";
import type { MailboxStats } from "./mailbox.ts";

/** Life-cycle status of an actor or supervisor. */
export type ActorStatus = "starting" | "running" | "restarting" | "stopping" | "stopped" | "failed";

/** The last failure of an actor. */
export interface LastError {
  message: string;
  code: string | null;
  /** ISO 8601 time of the failure. */
  at: string;
}

/** One node of the tree. */
export interface ActorSnapshot {
  path: string;
  name: string;
  kind: "actor" | "supervisor";
  status: ActorStatus;
  /** Mailbox figures (actors only). */
  mailbox: MailboxStats | null;
  /** Messages handled without error since the node was first started. */
  processed: number;
  failures: number;
  restarts: number;
  lastError: LastError | null;
  /** Milliseconds since the last (re)start; 0 when not running. */
  uptimeMs: number;
  /** Supervisors: strategy and restart budget. */
  supervision: { strategy: string; intensity: number; periodMs: number } | null;
  /**
   * Actors whose incarnations handed something to the next (`Behaviour.handover`):
   * how often, when last, and whether it still waits for an `init` to take it.
   */
  handover?: { count: number; lastAt: string | null; waiting: boolean } | null;
  /** Actors: keys of the timers waiting to fire. */
  timers?: readonly string[];
  /** What the actor chooses to show of its state (e.g. a child process id). */
  info: Record<string, unknown> | null;
  children: ActorSnapshot[];
}

/** Calls `visit` on every node of a snapshot, depth first, parents first. */
export function walkSnapshot(root: ActorSnapshot, visit: (node: ActorSnapshot) => void): void {
  visit(root);
  for (const child of root.children) walkSnapshot(child, visit);
}

/** Finds a node by path. */
export function findInSnapshot(root: ActorSnapshot, path: string): ActorSnapshot | undefined {
  let found: ActorSnapshot | undefined;
  walkSnapshot(root, (n) => {
    if (n.path === path) found ??= n;
  });
  return found;
}

/** The {@link LastError} record of a failure, stamped now. */
export function toLastError(err: unknown): LastError {
  return { message: errorMessage(err), code: errorCode(err) ?? null, at: new Date().toISOString() };
}
